"""Every scenario: its packets re-dissected by scapy, its numbers checked, its states in order."""

from __future__ import annotations

import random

import pytest
from scapy.layers.inet import IP, TCP

from netlearn.events import Segment
from netlearn.lessons.tcp.scenarios import REQUEST, RESPONSE, SCENARIOS, Trace, run
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_table import INDEX

ISN_MASK = 2**32


def seq_len(s: Segment) -> int:
    return s.payload_len + ("S" in s.flags) + ("F" in s.flags)


def path(trace: Trace, side: str) -> list[str]:
    states = [c for c in trace.state_changes() if c.side == side]
    return [states[0].old, *[c.new for c in states]] if states else []


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_packet_is_real_and_says_what_the_event_says(name: str) -> None:
    trace = run(name, random.Random(11))
    assert trace.segments()
    for seg in trace.segments():
        assert sg.checksums_ok(seg.raw), seg
        pkt = IP(seg.raw)  # dissected again from the bytes alone
        tcp = pkt[TCP]
        assert (tcp.sport, tcp.dport, tcp.seq, tcp.ack) == (seg.sport, seg.dport, seg.seq, seg.ack)
        assert str(tcp.flags) == seg.flags
        assert tcp.window == seg.window
        assert bytes(tcp.payload) == seg.payload and len(seg.payload) == seg.payload_len
        assert pkt.len == len(seg.raw)
        # scapy recomputes both checksums when told to forget them: they must not change
        fresh = IP(seg.raw)
        del fresh.chksum
        del fresh[TCP].chksum
        assert bytes(fresh) == seg.raw


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_sequence_and_ack_arithmetic(name: str) -> None:
    """For each direction: a segment starts where the previous one ended (or repeats it, when
    resent); an ACK never acknowledges a number not yet sent; relative numbers are absolute
    minus the ISN, modulo 2**32."""
    trace = run(name, random.Random(3))
    isn: dict[str, int] = {}
    next_seq: dict[str, int] = {}
    sent_upto: dict[str, int] = {}
    for seg in trace.segments():
        if "R" in seg.flags:
            continue
        if "S" in seg.flags:
            isn.setdefault(seg.src, seg.seq)
            assert seg.seq == isn[seg.src]  # a SYN (or its copy) always carries the ISN
        elif "retransmission" in getattr(seg, "marks", ()):
            assert sg.seq_lt(seg.seq, next_seq[seg.src]), seg  # a copy of bytes sent before
        else:
            assert seg.seq == next_seq[seg.src], seg
        assert seg.rel_seq == (seg.seq - isn[seg.src]) % ISN_MASK
        if "zero-window-probe" in getattr(seg, "marks", ()):
            continue  # its byte is refused while the window is zero, and sent again later
        end = (seg.seq + seq_len(seg)) % ISN_MASK
        if seg.src not in next_seq or sg.seq_lt(next_seq[seg.src], end):
            next_seq[seg.src] = end
        if not seg.lost:
            sent_upto[seg.src] = next_seq[seg.src]
        if "A" in seg.flags:
            assert sg.seq_le(seg.ack, sent_upto[seg.dst]), seg
            assert seg.rel_ack == (seg.ack - isn[seg.dst]) % ISN_MASK


def test_handshake() -> None:
    trace = run("handshake", random.Random(1))
    syn, synack, ack = trace.segments()
    assert [s.flags for s in (syn, synack, ack)] == ["S", "SA", "A"]
    assert synack.ack == (syn.seq + 1) % ISN_MASK
    assert (ack.seq, ack.ack) == ((syn.seq + 1) % ISN_MASK, (synack.seq + 1) % ISN_MASK)
    assert [(s.rel_seq, s.rel_ack) for s in (syn, synack, ack)] == [(0, 0), (0, 1), (1, 1)]
    assert path(trace, "client") == ["CLOSED", "SYN-SENT", "ESTABLISHED"]
    assert path(trace, "server") == ["CLOSED", "LISTEN", "SYN-RECEIVED", "ESTABLISHED"]


def test_transfer() -> None:
    trace = run("transfer", random.Random(2))
    segs = trace.segments()[3:]
    request, ack_req, resp1, resp2, ack_resp, update = segs
    n, m = len(REQUEST), len(RESPONSE)
    assert (request.flags, request.rel_seq, request.payload) == ("PA", 1, REQUEST)
    assert (ack_req.flags, ack_req.rel_ack) == ("A", 1 + n)
    assert ack_req.window == 64240 - n  # the program has not read the request yet
    assert (resp1.payload_len, resp1.rel_seq, resp1.flags) == (1460, 1, "A")
    assert (resp2.payload_len, resp2.rel_seq, resp2.flags) == (m - 1460, 1461, "PA")
    assert resp1.payload + resp2.payload == RESPONSE
    # the right edge of the server's window stays put: fewer than an MSS bytes were read
    assert resp1.window == resp2.window == 64240 - n
    assert (ack_resp.src, ack_resp.rel_ack, ack_resp.window) == ("client", 1 + m, 64240 - m)
    assert (update.rel_ack, update.window, update.payload_len) == (1 + m, 64240, 0)


def test_close() -> None:
    trace = run("close", random.Random(4))
    fin1, ack1, fin2, ack2 = trace.segments()[3:]
    assert [s.flags for s in (fin1, ack1, fin2, ack2)] == ["FA", "A", "FA", "A"]
    assert ack1.ack == (fin1.seq + 1) % ISN_MASK  # the FIN used one number
    assert ack2.ack == (fin2.seq + 1) % ISN_MASK
    assert ack2.seq == (fin1.seq + 1) % ISN_MASK
    assert path(trace, "client")[-4:] == ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSED"]
    assert path(trace, "server")[-3:] == ["CLOSE-WAIT", "LAST-ACK", "CLOSED"]
    tw = [c for c in trace.state_changes() if c.side == "client"]
    enter, leave = tw[-2], tw[-1]
    assert leave.t - enter.t == pytest.approx(60.0)  # Linux's TCP_TIMEWAIT_LEN


def test_reset() -> None:
    trace = run("reset", random.Random(5))
    syn, rst = trace.segments()
    assert rst.flags == "RA"
    assert rst.seq == 0  # RFC 9293 3.10.7.1: the SYN had no ACK, so seq 0 ...
    assert rst.ack == (syn.seq + 1) % ISN_MASK  # ... and ACK = SEG.SEQ + SEG.LEN
    assert (rst.rel_seq, rst.rel_ack) == (1, 1)  # as Wireshark numbers it (no SYN seen)
    assert path(trace, "client") == ["CLOSED", "SYN-SENT", "CLOSED"]
    assert path(trace, "server") == []  # never had a connection


@pytest.mark.parametrize("losses", [1, 2, 4])
def test_lost_syn(losses: int) -> None:
    trace = run("lost-syn", random.Random(6), losses=losses)
    syns = [s for s in trace.segments() if s.flags == "S"]
    assert len(syns) == losses + 1
    assert [s.lost for s in syns] == [True] * losses + [False]
    assert len({s.seq for s in syns}) == 1  # every copy is the same SYN
    gaps = [b.t - a.t for a, b in zip(syns, syns[1:], strict=False)]
    assert gaps == pytest.approx([2.0**i for i in range(losses)])  # 1, 2, 4 ... seconds
    synack = next(s for s in trace.segments() if s.flags == "SA")
    assert synack.ack == (syns[0].seq + 1) % ISN_MASK
    assert path(trace, "client") == ["CLOSED", "SYN-SENT", "ESTABLISHED"]


def test_simultaneous_open() -> None:
    trace = run("simultaneous-open", random.Random(8))
    segs = trace.segments()
    assert [s.flags for s in segs] == ["S", "S", "SA", "SA"]
    a_syn, b_syn = segs[0], segs[1]
    for synack in segs[2:]:
        mine = a_syn if synack.src == a_syn.src else b_syn
        theirs = b_syn if mine is a_syn else a_syn
        assert synack.seq == mine.seq  # its own SYN again
        assert synack.ack == (theirs.seq + 1) % ISN_MASK
    for side in ("peer A", "peer B"):
        assert path(trace, side) == ["CLOSED", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED"]


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_state_change_is_a_row_of_the_table(name: str) -> None:
    trace = run(name, random.Random(9))
    rows = {(r.source.value, r.target.value, r.label) for r in INDEX.values()}
    for change in trace.state_changes():
        assert (change.old, change.new, change.cause) in rows, change


def test_seeds_repeat_and_differ() -> None:
    def isns(seed: int) -> list[int]:
        return [s.seq for s in run("handshake", random.Random(seed)).segments()[:2]]

    assert isns(42) == isns(42)
    assert isns(42) != isns(43)


def test_capture_is_in_time_order_at_the_client() -> None:
    trace = run("lost-syn", random.Random(1))
    times = [c.t for c in trace.captured]
    assert times == sorted(times)
    # the lost SYNs left the client, so a capture there has them; then the round trip
    assert len(trace.captured) == len(trace.segments())
    syn_ok = next(s for s in trace.segments() if s.flags == "S" and not s.lost)
    synack = next(c for c in trace.captured if sg.parse(c.raw).flags == "SA")
    assert synack.t == pytest.approx(syn_ok.t + 0.030)  # arrives one round trip later
