"""`capture --read FILE --follow N` against tshark's Follow TCP Stream, byte for byte.

Captures built with scapy carry distinct bytes in every segment, sent out of order, twice, with
a hole; Wireshark's Follow TCP Stream (sharkd's `follow`, the same tap as tshark's
`-z follow,tcp,raw,N`: tests/sharkd_client.py) is the oracle for each side's reassembled bytes,
the hole marked as Wireshark marks it. The protocol hierarchy is still tshark's `-z io,phs`:
sharkd 4.0 has no tap for it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netlearn.lessons.capture.follow import missing_mark, reassemble
from netlearn.lessons.capture.listing import scan
from netlearn.lessons.capture.others import classify, new_counts
from tests.sharkd_client import sharkd
from tests.test_capture_analysis import Conv

pytestmark = pytest.mark.tools("tshark", "sharkd")


def wireshark_follow(path: Path, stream: int) -> dict[str, bytes]:
    """Each side's bytes as Wireshark's Follow TCP Stream reassembles them."""
    sides = {"client": b"", "server": b""}
    for server, data in sharkd().follow(path, stream):
        sides["server" if server else "client"] += data
    return sides


def ours(path: Path, stream: int) -> dict[str, bytes]:
    sides = {"client": b"", "server": b""}
    for side, data in reassemble(path, stream):
        sides[side] += missing_mark(data) if isinstance(data, int) else data
    return sides


def messy(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", b"GET / HTTP/1.1\r\n")
    c.send("c", "PA", b"Host: b\r\n\r\n", seq=0)
    c.send("c", "PA", b"GET / HTTP/1.1\r\n", seq=-27, dt=0.3, advance=False)  # again
    c.send("s", "PA", b"HTTP/1.1 200 OK\r\n")
    c.send("s", "PA", b"[second]", seq=8, advance=False)  # ahead of a hole...
    c.send("s", "PA", b"[first!]", seq=0, dt=0.0001)  # ...filled out of order
    c.nxt["s"] += 8
    c.send("s", "PA", bytes(range(256)), seq=50)  # 50 bytes never captured
    c.send("c", "A")
    c.send("c", "FA")
    c.send("s", "FA")
    c.send("c", "A")


def test_follow_matches_wireshark_byte_for_byte(tmp_path: Path) -> None:
    c = Conv()
    messy(c)
    path = c.write(tmp_path / "messy.pcap")
    theirs = wireshark_follow(path, 0)
    assert theirs["client"] == b"GET / HTTP/1.1\r\nHost: b\r\n\r\n"
    assert b"[50 bytes missing in capture file]" in theirs["server"]
    assert ours(path, 1) == theirs


def test_follow_cli_text_hex_and_bounds(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    c = Conv()
    messy(c)
    path = c.write(tmp_path / "messy.pcap")
    proc = run_cli("capture", "--read", str(path), "--follow", "1", "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    assert "  GET / HTTP/1.1" in proc.stdout
    assert "[50 bytes missing in capture file]" in proc.stdout
    assert "00000000  00 01 02 03" in proc.stdout  # the binary part as hex
    bad = run_cli("capture", "--read", str(path), "--follow", "9")
    assert bad.returncode == 1 and "no TCP connection number 9" in bad.stderr


def tshark_phs(path: Path) -> dict[str, int]:
    out = subprocess.run(
        ["tshark", "-r", str(path), "-q", "-z", "io,phs"], capture_output=True, text=True
    ).stdout
    counts: dict[str, int] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].startswith("frames:"):
            counts[parts[0]] = counts.get(parts[0], 0) + int(parts[1][7:])
    return counts


def test_other_protocols_count_like_tshark_hierarchy(tmp_path: Path) -> None:
    from scapy.layers.dns import DNS, DNSQR
    from scapy.layers.inet import ICMP, IP, UDP
    from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
    from scapy.layers.l2 import ARP, Ether
    from scapy.utils import wrpcap

    c = Conv()
    c.handshake()
    pkts = list(c.pkts)
    pkts += [Ether() / IP() / UDP(sport=5000, dport=53) / DNS(qd=DNSQR(qname="a.b"))] * 3
    pkts += [Ether() / IP() / UDP(sport=5000, dport=9999) / b"x"] * 2
    pkts += [Ether() / IP() / ICMP()] * 4
    pkts += [Ether() / IPv6() / ICMPv6EchoRequest()] * 2
    pkts += [Ether() / ARP()] * 5
    path = tmp_path / "mixed.pcap"
    wrpcap(str(path), pkts)
    phs = tshark_phs(path)
    got = scan(path).others
    assert got["UDP"] == phs["udp"] == 5
    assert got["DNS"] == phs["dns"] == 3
    assert got["ICMP"] == phs["icmp"] == 4
    assert got["ICMPv6"] == phs["icmpv6"] == 2
    assert got["IPv6"] == phs["ipv6"] == 2
    assert got["ARP"] == phs["arp"] == 5


def test_classify_never_fails_on_short_frames() -> None:
    counts = new_counts()
    for n in range(0, 60):
        classify(b"\x00" * 12 + b"\x08\x00" + b"\x45" * n, 1, counts)
        classify(b"\x60" * n, 101, counts)
    assert sum(counts.values()) >= 120
