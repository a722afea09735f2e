"""Segmentation offload: a capture made at the sender holds segments far larger than the MTU.

The issue: `--read` reported 107 client bytes where tshark counted 76,802. The captures here are
built with scapy: segments of 4,096 to 70,000 bytes on Ethernet, some with an IPv4 total length
of 0 (what TSO/GSO captures show when the length does not fit, or is not filled in).
Wireshark's engine (sharkd: tests/sharkd_client.py), which reads a total length of 0 as "the rest
of the frame", is the oracle.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlearn.lessons.capture.listing import scan
from netlearn.packets import headers
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd")

SIZES = [107, 4096, 9000, 64960, 70000]


def offload_capture(path: Path, zero_len_from: int = 9000, sizes: list[int] = SIZES) -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import wrpcap

    c, s = 1000, 5000
    a, b = "10.0.0.1", "10.0.0.2"
    pkts = [
        Ether() / IP(src=a, dst=b) / TCP(sport=40000, dport=80, flags="S", seq=c),
        Ether() / IP(src=b, dst=a) / TCP(sport=80, dport=40000, flags="SA", seq=s, ack=c + 1),
        Ether() / IP(src=a, dst=b) / TCP(sport=40000, dport=80, flags="A", seq=c + 1, ack=s + 1),
    ]
    seq = c + 1
    for i, n in enumerate(sizes):
        tcp = TCP(sport=40000, dport=80, flags="PA", seq=seq, ack=s + 1)
        p = Ether() / IP(src=a, dst=b) / tcp / Raw(bytes([65 + i]) * n)
        if n >= zero_len_from:
            p[IP].len = 0  # as the sender's kernel handed it to the capture
        pkts.append(p)
        seq += n
    pkts.append(
        Ether() / IP(src=b, dst=a) / TCP(sport=80, dport=40000, flags="A", seq=s + 1, ack=seq)
    )
    for i, p in enumerate(pkts):
        p.time = 100 + i * 0.01
    wrpcap(str(path), pkts)


def tshark_bytes(path: Path) -> dict[str, int]:
    """TCP payload bytes each side sent (tcp.len summed by tcp.srcport), as Wireshark reads them."""
    total = {"client": 0, "server": 0}
    for _, (port, length) in sharkd().frames(path, ["tcp.srcport:0", "tcp.len:0"]):
        total["client" if port == "40000" else "server"] += int(length)
    return total


def test_offload_segments_count_like_tshark(tmp_path: Path) -> None:
    path = tmp_path / "tso.pcap"
    offload_capture(path)
    theirs = tshark_bytes(path)
    assert theirs["client"] == sum(SIZES)  # the oracle reads them all
    conn = scan(path).tracker.connections()[0]
    assert conn.data_bytes == theirs


def test_offload_with_true_lengths_too(tmp_path: Path) -> None:
    path = tmp_path / "tso-len.pcap"
    offload_capture(path, zero_len_from=10**9, sizes=SIZES[:-1])  # true lengths, all < 64 KiB
    theirs = tshark_bytes(path)
    conn = scan(path).tracker.connections()[0]
    assert conn.data_bytes == theirs


def test_zero_total_length_means_the_rest_of_the_frame() -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    p = Ether() / IP(src="10.0.0.1", dst="10.0.0.2") / TCP(flags="PA") / Raw(b"x" * 5000)
    p[IP].len = 0
    frame = bytes(p)
    pkt = headers.parse(frame, headers.LINKTYPE_ETHERNET)
    assert pkt is not None and pkt.payload_len == 5000
    with_opts = Ether() / IP(src="10.0.0.1", dst="10.0.0.2", options=b"\x01" * 4) / TCP()
    with_opts = with_opts / Raw(b"y" * 6000)
    with_opts[IP].len = 0
    pkt = headers.parse(bytes(with_opts), headers.LINKTYPE_ETHERNET)
    assert pkt is not None and pkt.payload_len == 6000
