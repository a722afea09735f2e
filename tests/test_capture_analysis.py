"""The expert analysis of `capture --read`, segment by segment, against Wireshark's own.

Each capture is built with scapy to show one thing going wrong (a retransmission, duplicate
ACKs then a fast retransmission, a closed window and its probes ...). Wireshark's engine (sharkd:
tests/sharkd_client.py) reads the same file; for every `tcp.analysis.*` flag, the frames (and
their tcp.stream) it marks must be the frames netlearn marks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from netlearn.lessons.capture.listing import scan
from netlearn.packets import capture_analysis as A
from netlearn.paths import assets_dir
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd")

# Wireshark's display filter -> the bits of netlearn's analysis that mean it.
FIELDS = {
    "tcp.analysis.retransmission": A.ANY_RETRANSMISSION,
    "tcp.analysis.fast_retransmission": A.FAST_RETRANSMISSION,
    "tcp.analysis.spurious_retransmission": A.SPURIOUS_RETRANSMISSION,
    "tcp.analysis.out_of_order": A.OUT_OF_ORDER,
    "tcp.analysis.lost_segment": A.LOST_SEGMENT,
    "tcp.analysis.ack_lost_segment": A.ACK_LOST_SEGMENT,
    "tcp.analysis.duplicate_ack": A.DUPLICATE_ACK,
    "tcp.analysis.zero_window": A.ZERO_WINDOW,
    "tcp.analysis.zero_window_probe": A.ZERO_WINDOW_PROBE,
    "tcp.analysis.zero_window_probe_ack": A.ZERO_WINDOW_PROBE_ACK,
    "tcp.analysis.window_full": A.WINDOW_FULL,
    "tcp.analysis.window_update": A.WINDOW_UPDATE,
    "tcp.analysis.keep_alive": A.KEEP_ALIVE,
    "tcp.analysis.keep_alive_ack": A.KEEP_ALIVE_ACK,
    "tcp.flags.reset == 1": A.RESET,
}


class Conv:
    """A TCP conversation written packet by packet; sequence numbers follow unless told."""

    def __init__(
        self, cport: int = 40000, sport: int = 80, isn: tuple[int, int] = (1000, 5000)
    ) -> None:
        self.ports = {"c": (cport, sport), "s": (sport, cport)}
        self.addrs = {"c": ("10.0.0.1", "10.0.0.2"), "s": ("10.0.0.2", "10.0.0.1")}
        self.nxt = {"c": isn[0], "s": isn[1]}
        self.pkts: list = []
        self.t = 100.0

    def send(
        self,
        who: str,
        flags: str = "A",
        data: bytes | int = b"",
        *,
        seq: int | None = None,
        ack: int | None = None,
        win: int = 8192,
        dt: float = 0.001,
        options: list | None = None,
        advance: bool = True,
    ) -> int:
        """Send a segment; `seq`/`ack` are offsets from the sender's/peer's next number."""
        from scapy.layers.inet import IP, TCP
        from scapy.layers.l2 import Ether
        from scapy.packet import Raw

        if isinstance(data, int):
            data = b"d" * data
        peer = "s" if who == "c" else "c"
        s = (self.nxt[who] + (seq or 0)) % 2**32
        a = (self.nxt[peer] + (ack or 0)) % 2**32 if "A" in flags else 0
        sp, dp = self.ports[who]
        src, dst = self.addrs[who]
        tcp = TCP(sport=sp, dport=dp, flags=flags, seq=s, ack=a, window=win)
        if options:
            tcp.options = options
        p = Ether() / IP(src=src, dst=dst) / tcp
        if data:
            p = p / Raw(data)
        self.t += dt
        p.time = self.t
        self.pkts.append(p)
        end = s + len(data) + ("S" in flags) + ("F" in flags)
        if advance and (end - self.nxt[who]) % 2**32 < 2**31:
            self.nxt[who] = end % 2**32
        return len(self.pkts)

    def handshake(self, win: int = 8192, wscale: tuple[int, int] | None = None) -> None:
        opt_c = [("WScale", wscale[0])] if wscale else None
        opt_s = [("WScale", wscale[1])] if wscale else None
        self.send("c", "S", win=win, options=opt_c)
        self.send("s", "SA", win=win, options=opt_s)
        self.send("c", "A", win=win >> (wscale[1] if wscale else 0) or 1)

    def write(self, path: Path) -> Path:
        from scapy.utils import wrpcap

        wrpcap(str(path), self.pkts)
        return path


def retransmission(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 100)
    c.send("c", "PA", 100, seq=-100, dt=0.3)  # no ACK came: the RTO fired
    c.send("s", "A")
    c.send("c", "FA")
    c.send("c", "FA", seq=-1, dt=0.4)  # the FIN again
    c.send("s", "FA")
    c.send("c", "A")


def fast_retransmit(c: Conv) -> None:
    c.handshake()
    for _ in range(5):
        c.send("c", "PA", 100, dt=0.0002)
    lost_ack = 100  # the server has the first segment only
    c.send("s", "A", ack=-400)
    for _ in range(3):
        c.send("s", "A", ack=-400, dt=0.0001)  # dup ACKs #1..#3
    c.send("c", "PA", 100, seq=-400, advance=False, dt=0.0002)  # fast retransmission
    c.send("s", "A", ack=0)
    assert lost_ack


def zero_window(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 1000)
    c.send("s", "A", win=0)  # the server's program stopped reading
    for i in range(4):
        c.send("c", "PA", 1, advance=False, dt=0.2 * (i + 1))  # probes
        c.send("s", "A", win=0)
    c.send("s", "A", win=4000, dt=0.1)  # reopened: a window update
    c.send("c", "PA", 500)
    c.send("s", "A")


def out_of_order(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 100, seq=100, advance=False)  # the second segment arrives first
    c.send("c", "PA", 100, seq=0, dt=0.0005)  # then the first
    c.nxt["c"] += 100
    c.send("s", "A")


def keep_alive(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 10)
    c.send("s", "A")
    c.send("c", "A", seq=-1, dt=7200.0, advance=False)  # keep-alive, no data
    c.send("s", "A")
    c.send("c", "A", b"\0", seq=-1, dt=75.0, advance=False)  # keep-alive with one byte
    c.send("s", "A")


def rst_mid_stream(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 200)
    c.send("s", "A")
    c.send("s", "RA")


def window_full(c: Conv) -> None:
    c.handshake(win=300)
    c.send("c", "PA", 100)
    c.send("c", "PA", 100)
    c.send("c", "PA", 100)  # fills the 300-byte window
    c.send("s", "A", win=300)
    c.send("s", "A", win=600)  # window update


def window_full_scaled(c: Conv) -> None:
    c.handshake(win=64, wscale=(2, 3))
    c.send("s", "A", win=64)  # 64 << 3 = 512 bytes
    c.send("c", "PA", 256)
    c.send("c", "PA", 256)  # fills it
    c.send("s", "A", win=64)


def spurious(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 100)
    c.send("s", "A")
    c.send("c", "PA", 100, seq=-100, dt=0.5, advance=False)  # already acknowledged
    c.send("s", "A")


def not_captured(c: Conv) -> None:
    c.handshake()
    c.send("c", "PA", 100)
    c.send("c", "PA", 100, seq=100)  # 100 bytes between were not captured
    c.send("s", "A")


def syn_again(c: Conv) -> None:
    c.send("c", "S")
    c.send("c", "S", seq=-1, dt=1.0)  # the SYN again, same ISN
    c.send("s", "SA")
    c.send("c", "A")
    c.send("c", "PA", 5)
    c.send("s", "PA", 7)
    c.send("c", "RA")


def many(c: Conv) -> None:
    """Two connections, interleaved, each with its own trouble."""
    retransmission(c)
    d = Conv(cport=40001, isn=(70000, 90000))
    d.t = c.t - 0.5
    fast_retransmit(d)
    c.pkts = sorted([*c.pkts, *d.pkts], key=lambda p: float(p.time))


SCENARIOS: dict[str, Callable[[Conv], None]] = {
    f.__name__: f
    for f in (
        retransmission,
        fast_retransmit,
        zero_window,
        out_of_order,
        keep_alive,
        rst_mid_stream,
        window_full,
        window_full_scaled,
        spurious,
        not_captured,
        syn_again,
        many,
    )
}


def tshark_flags(path: Path) -> dict[str, set[tuple[int, int]]]:
    """For each filter: the (frame number, tcp.stream) pairs Wireshark's engine marks with it."""
    shark = sharkd()
    return {
        name: {(n, int(stream)) for n, (stream,) in shark.frames(path, ["tcp.stream:0"], name)}
        for name in FIELDS
    }


def our_flags(path: Path) -> dict[str, set[tuple[int, int]]]:
    found: dict[str, set[tuple[int, int]]] = {name: set() for name in FIELDS}
    for conn in scan(path).tracker.connections():
        for number, _t, _side, bits, *_ in conn.analysis.detail:
            for name, mask in FIELDS.items():
                if bits & mask:
                    found[name].add((number, conn.index - 1))
    return found


def build(name: str, tmp_path: Path) -> Path:
    c = Conv()
    SCENARIOS[name](c)
    return c.write(tmp_path / f"{name}.pcap")


@pytest.mark.parametrize("name", SCENARIOS)
def test_each_finding_marks_the_frames_tshark_marks(name: str, tmp_path: Path) -> None:
    path = build(name, tmp_path)
    assert our_flags(path) == tshark_flags(path)


EXPECTED = {  # the finding each capture is made to show, so none of them is vacuous
    "retransmission": "tcp.analysis.retransmission",
    "fast_retransmit": "tcp.analysis.fast_retransmission",
    "zero_window": "tcp.analysis.zero_window_probe",
    "out_of_order": "tcp.analysis.out_of_order",
    "keep_alive": "tcp.analysis.keep_alive",
    "rst_mid_stream": "tcp.flags.reset == 1",
    "window_full": "tcp.analysis.window_full",
    "window_full_scaled": "tcp.analysis.window_full",
    "spurious": "tcp.analysis.spurious_retransmission",
    "not_captured": "tcp.analysis.lost_segment",
    "syn_again": "tcp.analysis.retransmission",
}


@pytest.mark.parametrize("name", EXPECTED)
def test_each_capture_shows_its_finding(name: str, tmp_path: Path) -> None:
    assert our_flags(build(name, tmp_path))[EXPECTED[name]]


def test_bundled_capture_has_no_findings_as_tshark() -> None:
    path = assets_dir() / "pcaps" / "loopback-tcp.pcap"
    ours = our_flags(path)
    assert ours == tshark_flags(path)
    assert not any(ours.values())


def tshark_counts(path: Path, fields: dict[str, str]) -> dict[int, dict[str, int]]:
    """For each tcp.stream: how many frames each display filter (a field, or `field == 1`)
    matches, as Wireshark's engine reads the capture."""
    shark = sharkd()
    counts = {
        int(stream): dict.fromkeys(fields, 0)
        for _, (stream,) in shark.frames(path, ["tcp.stream:0"])
    }
    for key, expression in fields.items():
        for _, (stream,) in shark.frames(path, ["tcp.stream:0"], expression):
            counts[int(stream)][key] += 1
    return counts


def test_json_analysis_counts_match_tshark_filters(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = build("many", tmp_path)
    proc = run_cli("capture", "--read", str(path), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    conns = [json.loads(line) for line in proc.stdout.splitlines() if '"connection"' in line]
    conns = [c for c in conns if c["type"] == "connection"]
    assert len(conns) == 2
    filters = {
        "retransmissions": "tcp.analysis.retransmission",
        "fast_retransmissions": "tcp.analysis.fast_retransmission",
        "duplicate_acks": "tcp.analysis.duplicate_ack",
        "out_of_order": "tcp.analysis.out_of_order",
        "zero_windows": "tcp.analysis.zero_window",
        "zero_window_probes": "tcp.analysis.zero_window_probe",
        "window_full": "tcp.analysis.window_full",
        "keep_alives": "tcp.analysis.keep_alive",
        "resets": "tcp.flags.reset == 1",
    }
    theirs = tshark_counts(path, filters)
    assert len(theirs) == len(conns)
    for conn in conns:
        assert list(conn["analysis"]) == list(filters)
        assert conn["analysis"] == theirs[conn["stream"] - 1]
    assert conns[0]["analysis"]["retransmissions"] == 2  # the data, and the FIN
    assert conns[1]["analysis"]["duplicate_acks"] == 3
    assert conns[1]["analysis"]["fast_retransmissions"] == 1
