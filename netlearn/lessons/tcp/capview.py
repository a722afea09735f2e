"""What a capture at one side shows: the trace's segments in capture order, with the marks the
capture can support.

The simulator knows every segment's fate; a capture at the client does not. A segment the
server sent and the network lost is not in it, so the client sees a gap before the next one
("previous segment not captured", in Wireshark's words), and the copy that fills it is, from
where the client sits, not a retransmission at all. A segment whose bytes the client had already
acknowledged arrives as a spurious retransmission. This module applies those facts of the
capture point to the marks the endpoints gave their segments.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.events import Peers, Segment, TcpSegment
from netlearn.lessons.tcp.demo import Trace
from netlearn.packets import tcp as sg


@dataclass(frozen=True)
class Seen:
    """One captured packet: when, which segment, and the marks it carries at the capture."""

    t: float
    segment: Segment
    marks: frozenset[str]


def _seq_len(seg: Segment) -> int:
    return seg.payload_len + ("S" in seg.flags) + ("F" in seg.flags)


def capture_view(trace: Trace) -> list[Seen]:
    """The capture's packets with their marks as the capture side saw them."""
    here = next((e.left for e in trace.events if isinstance(e, Peers)), "client")
    by_raw = {s.raw: s for s in trace.segments()}
    top: dict[str, int] = {}  # direction (sender's name) -> highest end of sequence seen
    acked: dict[str, int] = {}  # sender's name -> highest ACK the capture side sent it
    last: dict[str, tuple[int, int]] = {}  # sender's name -> (ack, window) of its last segment
    newest: dict[str, float] = {}  # sender's name -> when its highest sequence was seen
    first_rtt = _first_rtt(trace, by_raw)
    out: list[Seen] = []
    for cap in trace.captured:
        seg = by_raw[cap.raw]
        marks = set(seg.marks) if isinstance(seg, TcpSegment) else set()
        length = _seq_len(seg)
        end = sg.seq_add(seg.seq, length)
        src = seg.src
        high = top.get(src)
        if length and "R" not in seg.flags and high is not None and sg.seq_lt(high, seg.seq):
            # A gap: a segment the far side sent was lost before the capture point (or the
            # capture side's own probe byte was taken, which a capture does not count).
            marks.add("previous-segment-lost")
        if src != here and length and "R" not in seg.flags:
            if high is None or not sg.seq_lt(seg.seq, high):
                marks -= {"retransmission", "fast-retransmission"}
            if high is not None and sg.seq_le(end, high) and "retransmission" not in marks:
                # An original that arrives after a later segment: out of order. A capture
                # cannot tell a late original from a copy once more than the connection's
                # first round trip has passed since the newest segment (Wireshark's rule).
                if cap.t - newest.get(src, cap.t) < first_rtt:
                    marks.add("out-of-order")
                else:
                    marks.add("retransmission")
            mine = acked.get(src)
            if mine is not None and sg.seq_le(end, mine) and seg.payload_len:
                marks.add("spurious-retransmission")
                marks.add("retransmission")
        if src != here and "A" in seg.flags and sg.seq_lt(top.get(seg.dst, seg.ack), seg.ack):
            # It acknowledges a probe's byte, which a capture does not count as sent.
            marks.add("ack-of-unseen-segment")
        if src != here and "dup-ack" in marks and last.get(src) != (seg.ack, seg.window):
            marks.discard("dup-ack")
        if length and "zero-window-probe" not in marks:
            high = top.get(src)
            if high is None or sg.seq_lt(high, end):
                top[src] = end
                newest[src] = cap.t
        if src == here and "A" in seg.flags:
            peer = seg.dst
            if peer not in acked or sg.seq_lt(acked[peer], seg.ack):
                acked[peer] = seg.ack
        last[src] = (seg.ack, seg.window)
        out.append(Seen(cap.t, seg, frozenset(marks)))
    return out


def _first_rtt(trace: Trace, by_raw: dict[bytes, Segment]) -> float:
    """From the first SYN to the ACK that completes the handshake, at the capture (3 ms when
    the capture has no handshake)."""
    start = None
    for cap in trace.captured:
        seg = by_raw[cap.raw]
        if seg.flags == "S" and start is None:
            start = cap.t
        elif start is not None and "A" in seg.flags and "S" not in seg.flags:
            return cap.t - start
    return 0.003
