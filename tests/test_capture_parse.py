"""Reading captures without scapy: headers, TCP options, pcap/pcapng files, the BPF compiler.

Every packet here is built by scapy and every file is read back by scapy, tcpdump or tshark:
the fast `struct` readers must agree with those independent dissectors, byte for byte.
"""

from __future__ import annotations

import ctypes.util
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from netlearn.errors import NetlearnError
from netlearn.lessons.capture.demo import BUNDLED
from netlearn.live import capture_bpf as bpf
from netlearn.packets import capture_options as options
from netlearn.packets import headers, pcapio
from netlearn.paths import assets_dir
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd", "tcpdump", "editcap")

BUNDLE = assets_dir() / "pcaps" / BUNDLED

# A Linux SYN's options as the kernel sends them on loopback (the layout of RFC 7323
# Appendix A's recommendation: MSS, SACK permitted, timestamps, NOP, window scale).
LINUX_SYN_OPTIONS = bytes.fromhex("0204ffd70402080a1a2b3c4d0000000001030307")


def _syn(options_list, **kw):  # type: ignore[no-untyped-def]
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    pkt = (
        Ether(src="00:00:00:00:00:00", dst="00:00:00:00:00:00")
        / IP(src="127.0.0.1", dst="127.0.0.1")
        / TCP(sport=40000, dport=8080, flags="S", seq=1_000_000, window=65495, options=options_list)
    )
    return bytes(pkt)


def test_parse_agrees_with_scapy_on_ipv4_ethernet() -> None:
    from scapy.layers.inet import TCP
    from scapy.layers.l2 import Ether

    frame = _syn(
        [("MSS", 65495), ("SAckOK", b""), ("Timestamp", (7, 0)), ("NOP", None), ("WScale", 7)]
    )
    pkt = headers.parse(frame, headers.LINKTYPE_ETHERNET, ts=1.5, number=3)
    ref = Ether(frame)[TCP]
    assert pkt is not None
    assert (pkt.sport, pkt.dport, pkt.seq, pkt.ack, pkt.window) == (
        ref.sport,
        ref.dport,
        ref.seq,
        ref.ack,
        ref.window,
    )
    assert headers.flags_text(pkt.flags) == str(ref.flags)
    assert pkt.options == frame[14 + 20 + 20 : 14 + 20 + ref.dataofs * 4]
    assert pkt.payload_len == 0 and pkt.number == 3 and pkt.ts == 1.5
    assert headers.endpoint_text(pkt.src, pkt.sport) == "127.0.0.1:40000"


def test_parse_ipv6_raw_and_cooked_link_types() -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import CookedLinux
    from scapy.packet import Raw

    six = bytes(
        IPv6(src="::1", dst="::1") / TCP(sport=1, dport=2, flags="PA", seq=5, ack=9) / Raw(b"hello")
    )
    pkt = headers.parse(six, headers.LINKTYPE_RAW)
    assert pkt is not None and pkt.payload == b"hello" and pkt.payload_len == 5
    assert headers.endpoint_text(pkt.src, pkt.sport) == "[::1]:1"
    cooked = bytes(
        CookedLinux(pkttype=0, proto=0x0800)
        / IP(src="10.0.0.1", dst="10.0.0.2")
        / TCP(sport=3, dport=4, flags="F")
    )
    pkt = headers.parse(cooked, headers.LINKTYPE_LINUX_SLL)
    assert pkt is not None and headers.flags_text(pkt.flags) == "F" and pkt.dport == 4


def test_parse_refuses_what_is_not_tcp() -> None:
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import ARP, Ether

    assert headers.parse(bytes(Ether() / ARP()), headers.LINKTYPE_ETHERNET) is None
    udp = bytes(Ether() / IP() / UDP())
    assert headers.parse(udp, headers.LINKTYPE_ETHERNET) is None
    frame = _syn([])
    assert headers.parse(frame[:40], headers.LINKTYPE_ETHERNET) is None  # cut in the TCP header


def test_payload_length_comes_from_ip_length_when_truncated() -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    frame = bytes(Ether() / IP() / TCP(flags="PA") / Raw(b"x" * 1000))
    pkt = headers.parse(frame[:100], headers.LINKTYPE_ETHERNET)  # a 100-byte snapshot
    assert pkt is not None and pkt.payload_len == 1000 and len(pkt.payload) == 100 - 54


def test_options_decode_like_scapy() -> None:
    from scapy.layers.inet import TCP

    opts = options.decode(LINUX_SYN_OPTIONS, syn=True)
    assert [o.name for o in opts] == [
        "MSS",
        "SACK permitted",
        "Timestamps",
        "No-operation",
        "Window scale",
    ]
    assert [o.offset for o in opts] == [0, 4, 6, 16, 17]
    assert b"".join(o.raw for o in opts) == LINUX_SYN_OPTIONS
    header = struct.pack("!HHIIBBHHH", 1, 2, 0, 0, 10 << 4, 0x02, 0, 0, 0)
    ref = TCP(header + LINUX_SYN_OPTIONS)
    pairs = options.as_pairs(opts)
    scapy_pairs = [(n, v) for n, v in ref.options if n not in ("NOP", "EOL")]
    assert [name for name, _ in pairs] == [name for name, _ in scapy_pairs]
    assert pairs[0] == ("MSS", "65495") and pairs[3] == ("WScale", "7")
    assert pairs[2] == ("Timestamp", f"{0x1A2B3C4D} 0")
    assert "0" in opts[2].value and "nothing to echo" in opts[2].meaning
    assert "2^7 = 128" in opts[4].meaning
    assert options.window_scale(opts) == 7
    assert options.short_pairs(opts) == "MSS=65495 SACK-OK TS WS=7"


def test_options_sack_blocks_and_malformed() -> None:
    sack = bytes([5, 18]) + struct.pack("!4I", 100, 200, 300, 400)
    (opt,) = options.decode(sack)
    assert opt.name == "SACK" and opt.value == "100-200, 300-400"
    broken = options.decode(bytes([2, 9, 1]))
    assert "malformed" in broken[0].meaning
    shift = options.decode(bytes([3, 3, 15]))[0]
    assert "treated as 14" in shift.meaning  # RFC 7323 section 2.3


def test_pcap_written_here_is_read_by_scapy_and_tshark(tmp_path: Path) -> None:
    from scapy.utils import rdpcap

    frames = [_syn([("MSS", 1460)]), _syn([])]
    path = tmp_path / "out.pcap"
    path.write_bytes(b"old contents")
    os.chmod(path, 0o644)
    with pcapio.PcapWriter(path, headers.LINKTYPE_ETHERNET) as writer:
        writer.write(1700000000.25, frames[0])
        writer.write(1700000000.5, frames[1])
    assert path.stat().st_mode & 0o777 == 0o600  # captures can hold secrets
    got = rdpcap(str(path))
    assert [bytes(p) for p in got] == frames
    assert float(got[0].time) == pytest.approx(1700000000.25)
    records = list(pcapio.iter_records(path))
    assert [(ts, lt, bytes(f)) for ts, lt, f in records] == [
        (pytest.approx(1700000000.25), 1, frames[0]),
        (pytest.approx(1700000000.5), 1, frames[1]),
    ]
    # Wireshark's engine (sharkd) reads the MSS option in the first SYN, none in the second.
    mss = [values for _, values in sharkd().frames(path, ["tcp.options.mss_val:0"])]
    assert mss == [["1460"], [""]]


def test_pcapng_and_nanosecond_pcap_read_the_same(tmp_path: Path) -> None:
    ng = tmp_path / "bundle.pcapng"
    ns = tmp_path / "bundle-ns.pcap"
    subprocess.run(["editcap", "-F", "pcapng", str(BUNDLE), str(ng)], check=True)
    subprocess.run(["editcap", "-F", "nsecpcap", str(BUNDLE), str(ns)], check=True)
    assert ng.read_bytes()[:4] == b"\x0a\x0d\x0d\x0a"
    assert struct.unpack("<I", ns.read_bytes()[:4])[0] == pcapio.PCAP_MAGIC_NS
    base = [(round(ts, 6), lt, bytes(f)) for ts, lt, f in pcapio.iter_records(BUNDLE)]
    for other in (ng, ns):
        assert [(round(ts, 6), lt, bytes(f)) for ts, lt, f in pcapio.iter_records(other)] == base
    assert len(base) >= 10


def test_cut_file_ends_after_its_last_whole_record(tmp_path: Path) -> None:
    data = BUNDLE.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[:-5])
    assert len(list(pcapio.iter_records(cut))) == len(list(pcapio.iter_records(BUNDLE))) - 1
    junk = tmp_path / "junk.pcap"
    junk.write_bytes(b"this is not a capture file at all")
    with pytest.raises(NetlearnError, match="not a readable pcap"):
        list(pcapio.iter_records(junk))
    with pytest.raises(NetlearnError, match="no capture file"):
        list(pcapio.iter_records(tmp_path / "missing.pcap"))


def test_libpcap_compiles_the_same_program_as_tcpdump() -> None:
    ours = bpf.compile_filter("tcp port 8080", bpf.DLT_EN10MB)
    out = subprocess.run(
        ["tcpdump", "-dd", "-y", "EN10MB", "tcp port 8080"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    theirs = [
        tuple(int(x, 0) for x in re.findall(r"0x[0-9a-f]+|\d+", line))
        for line in out.splitlines()
        if line.startswith("{")
    ]
    assert ours == theirs
    with pytest.raises(NetlearnError, match="bad capture filter"):
        bpf.compile_filter("tcp port banana")


def test_drop_outgoing_prefix_keeps_the_program_and_jumps_to_a_final_drop() -> None:
    program = bpf.compile_filter("tcp port 80")
    prefixed = bpf.drop_outgoing(program)
    assert prefixed[2:-1] == program
    load, jump, drop = prefixed[0], prefixed[1], prefixed[-1]
    assert load == (bpf.BPF_LD_H_ABS, 0, 0, bpf.SKF_AD_PKTTYPE)
    assert jump[0] == bpf.BPF_JEQ_K and jump[3] == bpf.PACKET_OUTGOING
    assert 2 + jump[1] == len(prefixed) - 1  # the jump lands on the final "return 0"
    assert drop == (bpf.BPF_RET_K, 0, 0, 0)


def test_missing_libpcap_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "pcap" else real(name)
    )
    monkeypatch.setattr(bpf, "_LIB", None)
    assert not bpf.available()
    with pytest.raises(bpf.LibpcapMissing, match="libpcap is not installed"):
        bpf.compile_filter("tcp")


def test_tools_used_here_exist() -> None:
    for tool in ("sharkd", "tcpdump", "editcap"):
        assert shutil.which(tool), f"{tool} is needed (apt-get install wireshark-common tcpdump)"
