"""Following connections: sides, relative numbers, RFC 9293 states, endings, the listing.

Conversations are built segment by segment with scapy, written with netlearn's pcap writer and
checked against Wireshark's own analysis of the same file (stream numbers, relative sequence
numbers, initial RTT), through sharkd (tests/sharkd_client.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from netlearn.events import Segment, StateChange
from netlearn.lessons.capture.listing import listing, scan, stream_packets
from netlearn.packets import headers
from netlearn.packets.pcapio import PcapWriter
from netlearn.packets.tracker import CLIENT, SERVER, Tracker
from tests.sharkd_client import sharkd

S, A, F, R, P = "S", "A", "F", "R", "P"


def conversation(
    steps: list[tuple[str, str, bytes]],
    cport: int = 40001,
    sport: int = 8080,
    isn_c: int = 4_000_000_000,
    isn_s: int = 17,
    t0: float = 1000.0,
    gap: float = 0.001,
) -> list[tuple[float, bytes]]:
    """(time, frame) for each step ("c" or "s", scapy flags, payload), numbers kept right.

    The client's ISN is near 2^32, so its sequence numbers wrap during the conversation.
    """
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    nxt = {"c": isn_c, "s": isn_s}
    out = []
    for i, (who, flags, data) in enumerate(steps):
        peer = "s" if who == "c" else "c"
        src, dst = (cport, sport) if who == "c" else (sport, cport)
        tcp = TCP(
            sport=src,
            dport=dst,
            flags=flags,
            seq=nxt[who] % 2**32,
            ack=nxt[peer] % 2**32 if "A" in flags else 0,
            window=512,
        )
        pkt = Ether() / IP(src="127.0.0.1", dst="127.0.0.1") / tcp
        if data:
            pkt = pkt / Raw(data)
        out.append((t0 + i * gap, bytes(pkt)))
        nxt[who] += len(data) + ("S" in flags) + ("F" in flags)
    return out


NORMAL = [
    ("c", S, b""),
    ("s", S + A, b""),
    ("c", A, b""),
    ("c", P + A, b"hello"),
    ("s", A, b""),
    ("s", P + A, b"hi!"),
    ("c", A, b""),
    ("c", F + A, b""),
    ("s", F + A, b""),
    ("c", A, b""),
]


def write(path: Path, *convs: list[tuple[float, bytes]]) -> Path:
    frames = sorted((f for conv in convs for f in conv), key=lambda x: x[0])
    with PcapWriter(path, headers.LINKTYPE_ETHERNET) as w:
        for ts, frame in frames:
            w.write(ts, frame)
    return path


def feed_all(frames: list[tuple[float, bytes]], tracker: Tracker) -> list:  # type: ignore[type-arg]
    events = []
    for n, (ts, frame) in enumerate(frames, start=1):
        pkt = headers.parse(frame, headers.LINKTYPE_ETHERNET, ts, n)
        assert pkt is not None
        events.extend(tracker.events(tracker.feed(pkt)))
    return events


def states(events: list, side: str) -> list[str]:  # type: ignore[type-arg]
    changes = [e for e in events if isinstance(e, StateChange) and e.side == side]
    return [changes[0].old, *(c.new for c in changes)] if changes else []


def test_normal_close_follows_rfc_9293_figure_12() -> None:
    tracker = Tracker()
    events = feed_all(conversation(NORMAL), tracker)
    # The server's FIN also acknowledges the client's: RFC 9293 3.10.7.4 takes the ACK first
    # (fifth step: FIN-WAIT-2), then the FIN (eighth step: TIME-WAIT).
    assert states(events, CLIENT) == [
        "CLOSED", "SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT",
    ]  # fmt: skip
    assert states(events, SERVER) == [
        "LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED",
    ]  # fmt: skip
    segs = [e for e in events if isinstance(e, Segment)]
    assert [s.src for s in segs] == ["client", "server", "client", "client", "server", "server",
                                     "client", "client", "server", "client"]  # fmt: skip
    # Relative numbers count each side's bytes from its ISN, across the 2^32 wrap.
    assert [(s.rel_seq, s.rel_ack) for s in segs] == [
        (0, 0), (0, 1), (1, 1), (1, 1), (1, 6), (1, 6), (6, 4), (6, 4), (4, 7), (7, 5),
    ]  # fmt: skip
    conn = tracker.connections()[0]
    assert conn.handshake_text() == "complete"
    assert conn.irtt == pytest.approx(0.002)
    assert conn.ending_text() == "FIN, client first"
    assert conn.data_bytes == {CLIENT: 5, SERVER: 3}
    # The sender's change comes before its segment, the receiver's after it.
    syn_at = next(i for i, e in enumerate(events) if isinstance(e, Segment))
    assert isinstance(events[syn_at - 1], StateChange) and events[syn_at - 1].new == "SYN-SENT"


def test_separate_ack_then_fin_passes_through_fin_wait_2() -> None:
    steps = [*NORMAL[:7], ("s", F + A, b""), ("c", A, b""), ("c", F + A, b""), ("s", A, b"")]
    events = feed_all(conversation(steps), Tracker())
    assert states(events, SERVER)[-3:] == ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]
    assert states(events, CLIENT)[-3:] == ["CLOSE-WAIT", "LAST-ACK", "CLOSED"]


def test_simultaneous_close_goes_through_closing() -> None:
    conv = conversation([*NORMAL[:7]])
    # Both FINs leave before either side has seen the other's: each acks only the data.
    from scapy.layers.inet import TCP
    from scapy.layers.l2 import Ether

    last_c = Ether(conv[-1][1])[TCP]  # the client's ACK: seq and ack are both sides' next
    c_next, s_next = last_c.seq, last_c.ack

    def seg(src: int, dst: int, flags: str, seq: int, ack: int) -> bytes:
        from scapy.layers.inet import IP

        return bytes(Ether() / IP() / TCP(sport=src, dport=dst, flags=flags, seq=seq, ack=ack))

    t = conv[-1][0]
    conv += [
        (t + 0.001, seg(40001, 8080, "FA", c_next, s_next)),
        (t + 0.002, seg(8080, 40001, "FA", s_next, c_next)),
        (t + 0.003, seg(40001, 8080, "A", c_next + 1, s_next + 1)),
        (t + 0.004, seg(8080, 40001, "A", s_next + 1, c_next + 1)),
    ]
    tracker = Tracker()
    events = feed_all(conv, tracker)
    assert states(events, CLIENT)[-3:] == ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"]
    assert states(events, SERVER)[-2:] == ["CLOSING", "TIME-WAIT"]
    assert tracker.connections()[0].ended


def test_refused_reset_and_unanswered() -> None:
    tracker = Tracker()
    feed_all(conversation([("c", S, b""), ("s", R + A, b"")]), tracker)
    feed_all(conversation([*NORMAL[:4], ("c", R + A, b"")], cport=40002, t0=2000), tracker)
    syn = [("c", S, b"")]
    feed_all(
        conversation(syn, cport=40003, t0=3000) + conversation(syn, cport=40003, t0=3001), tracker
    )  # the same SYN sent again after a second
    refused, reset, silent = tracker.connections()
    assert refused.refused and refused.handshake_text() == "refused (RST)"
    assert refused.state == {CLIENT: "CLOSED", SERVER: "CLOSED"}
    assert reset.ending_text() == "reset (RST) by the client"
    assert reset.state[SERVER] == "CLOSED"
    assert silent.handshake_text() == "SYN only, no answer"
    assert tracker.total_syns == 4 and tracker.total_conns == 3  # a SYN sent again is no new one


def test_reset_sends_a_passive_syn_received_back_to_listen() -> None:
    events = feed_all(conversation([("c", S, b""), ("s", S + A, b""), ("c", R, b"")]), Tracker())
    assert states(events, SERVER) == ["LISTEN", "SYN-RECEIVED", "LISTEN"]  # RFC 9293 3.5.3


def test_joining_mid_stream_and_reusing_endpoints() -> None:
    tracker = Tracker(server_port=8080)
    mid = conversation(NORMAL)[3:]  # the capture started after the handshake
    events = feed_all(mid, tracker)
    seg = next(e for e in events if isinstance(e, Segment))
    assert (seg.src, seg.rel_seq, seg.rel_ack) == ("client", 1, 1)
    again = conversation(NORMAL, isn_c=99, isn_s=12345, t0=5000)  # same ports, new ISNs
    feed_all(again, tracker)
    first, second = tracker.connections()
    assert first.handshake_text().startswith("not seen") and second.handshake_text() == "complete"


def test_memory_stays_bounded_and_counts_exact() -> None:
    tracker = Tracker(keep=5)
    tracker.max_active = 10
    for i in range(200):
        for n, (ts, frame) in enumerate(conversation(NORMAL, cport=20000 + i, t0=i), start=1):
            pkt = headers.parse(frame, headers.LINKTYPE_ETHERNET, ts, n)
            assert pkt is not None
            tracker.update(pkt)
    assert tracker.total_conns == 200 and tracker.total_syns == 200
    assert tracker.total_packets == 200 * len(NORMAL)
    assert len(tracker.active) <= 10 and len(tracker.finished) <= 5
    assert len(tracker.connections()) <= 15


def tshark_fields(path: Path, *fields: str) -> list[list[str]]:
    """Each frame's `fields` (all occurrences, comma-separated; empty where absent) as Wireshark
    reads them with relative sequence numbers (tshark's `-o tcp.relative_sequence_numbers:TRUE`,
    Wireshark's default, so the default sharkd). sharkd dissects twice, as `tshark -2`: the
    SYN-ACK carries its stream's iRTT too, where one-pass tshark left it empty."""
    return [values for _, values in sharkd().frames(path, [f"{f}:0" for f in fields])]


@pytest.mark.tools("sharkd")
def test_listing_agrees_with_tshark(tmp_path: Path, make_env) -> None:  # type: ignore[no-untyped-def]
    path = write(
        tmp_path / "mix.pcap",
        conversation(NORMAL, cport=40001, t0=1000.0),
        conversation(NORMAL, cport=40002, t0=1000.0005, gap=0.0013),
        conversation([("c", S, b""), ("s", R + A, b"")], cport=40003, t0=1000.0021),
    )
    result = scan(path)
    conns = result.tracker.connections()
    rows = tshark_fields(path, "tcp.stream", "tcp.seq", "tcp.ack", "tcp.analysis.initial_rtt")
    assert len(conns) == len({r[0] for r in rows}) == 3
    ours = []
    tracker = Tracker()
    from netlearn.packets.pcapio import iter_records

    for n, (ts, lt, frame) in enumerate(iter_records(path), start=1):
        pkt = headers.parse(frame, lt, ts, n)
        assert pkt is not None
        obs = tracker.feed(pkt)
        seg = tracker.segment(obs)
        ours.append([str(obs.conn.index - 1), str(seg.rel_seq), str(seg.rel_ack)])
    assert ours == [r[:3] for r in rows]
    irtt = {r[0]: float(r[3]) for r in rows if r[3]}
    for conn in conns:
        if conn.handshake_done:
            assert conn.irtt == pytest.approx(irtt[str(conn.index - 1)], abs=2e-6)
    env, buf = make_env("plain")
    from netlearn.render import run_scene

    events = run_scene(listing(env, path), env)
    text = buf.getvalue()
    assert "3 TCP connections" in text and "refused" in text and "FIN, client first" in text
    assert [e.stream for e in events if type(e).__name__ == "Connection"] == [1, 2, 3]
    assert [p.number for p in stream_packets(path, 2)] == [
        n for n, r in enumerate(rows, start=1) if r[0] == "1"
    ]
