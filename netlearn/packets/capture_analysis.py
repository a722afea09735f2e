"""What went wrong on a connection: Wireshark's TCP sequence analysis (its words are in
lessons/glossary/tcp-analysis.toml).

`analyze` runs once per captured segment and gives back the segment's findings as bits. Its
rules are those of Wireshark's TCP dissector (`tcp_analyze_sequence_number` in
epan/dissectors/packet-tcp.c, the `tcp.analysis.*` fields), checked in the same order with the
same thresholds, so that `--format json` counts can be compared with tshark's connection by
connection (tests/test_capture_analysis*.py do, against tshark 4.0):

- retransmission: data, SYN or FIN that does not advance the sender's next sequence number;
- fast retransmission: one that answers two or more duplicate ACKs, within 20 ms of the last;
- spurious retransmission: one whose bytes the receiver had already acknowledged;
- out-of-order: one that does not advance, sent within the initial RTT (3 ms when unknown)
  of the highest one, and which does not end exactly where the highest one ends;
- previous segment not captured: a segment that starts beyond the next expected byte;
- duplicate ACK: no data, same sequence number, acknowledgment and window as the sender's
  previous segment; it carries its number ("#2") and the frame of the first, original ACK;
- zero window, zero-window probe (1 byte sent into a closed window), window full, window update,
  keep-alive (0 or 1 byte starting one before the next expected byte) and their ACKs.

Wireshark counts a fast and a spurious retransmission as a retransmission too (the segment
carries `tcp.analysis.retransmission` as well): so does the `retransmissions` count here,
which therefore equals the frames `tshark -Y tcp.analysis.retransmission` shows. `resets` is
not a Wireshark analysis flag: it counts the segments with the RST bit (`tcp.flags.reset==1`).
Where this differs from Wireshark on purpose: sequence numbers are compared in absolute form
(Wireshark makes them relative first; the same comparisons, except that Wireshark's "0 means
not seen yet" cannot misfire here), and Wireshark stops adding 1 for a FIN to its "next
sequence number" once 10,000 segments are unacknowledged; we always add it.
"""

from __future__ import annotations

from netlearn.packets.capture_findings import (
    ACK_LOST_SEGMENT,
    ANY_RETRANSMISSION,
    BY_BIT,
    DUPLICATE_ACK,
    FAST_RETRANSMISSION,
    FINDINGS,
    JSON_KEYS,
    KEEP_ALIVE,
    KEEP_ALIVE_ACK,
    LOST_SEGMENT,
    OUT_OF_ORDER,
    RESET,
    RETRANSMISSION,
    SPURIOUS_RETRANSMISSION,
    WINDOW_FULL,
    WINDOW_UPDATE,
    ZERO_WINDOW,
    ZERO_WINDOW_PROBE,
    ZERO_WINDOW_PROBE_ACK,
    Finding,
    words,
)

__all__ = [
    "ACK_LOST_SEGMENT",
    "ANY_RETRANSMISSION",
    "BY_BIT",
    "ConnAnalysis",
    "DUPLICATE_ACK",
    "FAST_RETRANSMISSION",
    "FINDINGS",
    "Finding",
    "Flow",
    "JSON_KEYS",
    "KEEP_ALIVE",
    "KEEP_ALIVE_ACK",
    "LOST_SEGMENT",
    "OUT_OF_ORDER",
    "RESET",
    "RETRANSMISSION",
    "SPURIOUS_RETRANSMISSION",
    "WINDOW_FULL",
    "WINDOW_UPDATE",
    "ZERO_WINDOW",
    "ZERO_WINDOW_PROBE",
    "ZERO_WINDOW_PROBE_ACK",
    "analyze",
    "count_findings",
    "in_order",
    "words",
]

MOD = 1 << 32
HALF = 1 << 31

_ZEROS = dict.fromkeys(JSON_KEYS, 0)


class Flow:
    """One direction's analysis state: Wireshark's `tcp_flow_t` and its sequence info."""

    __slots__ = (
        "nextseq",
        "nextseq_ts",
        "lastack",
        "lastack_ts",
        "window",
        "win_scale",
        "lastflags",
        "dupacks",
        "lastnondup",
        "maxseqtobeacked",
    )

    def __init__(self) -> None:
        self.nextseq: int | None = None  # highest sequence number sent + length (None: nothing)
        self.nextseq_ts = 0.0
        self.lastack: int | None = None  # of the last segment (None: it had no ACK bit)
        self.lastack_ts = 0.0
        self.window = 0  # as in the header, unscaled
        self.win_scale = -1  # -1: unknown (no SYN seen); -2: no scaling; else the shift
        self.lastflags = 0
        self.dupacks = 0
        self.lastnondup = 0  # frame number of the last ACK that was not a duplicate
        self.maxseqtobeacked: int | None = None


class ConnAnalysis:
    """Per connection: both flows, the counts, the first findings in detail."""

    __slots__ = (
        "client",
        "server",
        "counts",
        "detail",
        "mru_syn",
        "first_rtt",
        "total",
        "last_dup",
    )

    MAX_DETAIL = 1000  # findings kept with their frame numbers; the counts stay exact

    def __init__(self) -> None:
        self.client = Flow()
        self.server = Flow()
        self.counts: dict[int, int] = {}
        # (frame number, time, side, bits, dup ACK number, frame it repeats, sender's state)
        self.detail: list[tuple[int, float, str, int, int, int, str]] = []
        self.mru_syn: float | None = None
        self.first_rtt = 0.0
        self.total = 0
        self.last_dup = (0, 0)  # the latest duplicate ACK: its number, the frame it repeats

    def json_counts(self) -> dict[str, int]:
        counts = self.counts
        if not counts:
            return dict(_ZEROS)
        return {key: counts.get(bit, 0) for key, bit in JSON_KEYS.items()}

    def count(self, bit: int) -> int:
        return self.counts.get(bit, 0)

    def flows(self, src: str) -> tuple[Flow, Flow]:
        """The sender's flow and the receiver's."""
        return (self.client, self.server) if src == "client" else (self.server, self.client)


def _window_scale(options: bytes) -> int:
    """The shift of a window scale option (kind 3), or -2 when there is none."""
    i, end = 0, len(options)
    while i < end:
        kind = options[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= end:
            break
        length = options[i + 1]
        if length < 2:
            break
        if kind == 3 and length == 3 and i + 2 < end:
            return min(options[i + 2], 14)
        i += length
    return -2


def analyze(an: ConnAnalysis, src: str, pkt, states: dict[str, str]) -> int:  # type: ignore[no-untyped-def]
    """The findings of one segment (bits), updating the connection's analysis state.

    `pkt` is a `TcpPacket`; `states` the connection's states before it (for a reset's story).
    The checks and their order are Wireshark's `tcp_analyze_sequence_number`.

    Most segments of a capture are new data or new ACKs in order: they take the short path,
    where only the checks that can fire on them run (a file of 100,000 segments is read in
    about the time tshark takes).
    """
    if src == "client":
        fwd, rev = an.client, an.server
    else:
        fwd, rev = an.server, an.client
    seq = pkt.seq
    tflags = pkt.flags
    seglen = pkt.payload_len
    window = pkt.window
    if seq == fwd.nextseq and tflags & 0x16 == 0x10:  # in order; ACK, no SYN or RST
        flags = in_order(
            an, fwd, rev, seq, pkt.ack, seglen, tflags & 0x01, window, pkt.ts, pkt.number
        )
        if flags >= 0:
            if flags:
                count_findings(an, flags, pkt, src, states[src])
            return flags
    return _analyze(an, fwd, rev, pkt, src, states[src])


def in_order(
    an: ConnAnalysis,
    fwd: Flow,
    rev: Flow,
    seq: int,
    ack: int,
    seglen: int,
    fin: int,
    window: int,
    ts: float,
    number: int,
) -> int:
    """The short path of an ACK segment that starts at the sender's next sequence number.

    When it brings new data, a new ACK or a FIN, only window full, an ACK of bytes never seen
    and a spurious retransmission can be: those are checked, the state moves on, and the bits
    come back (not yet counted: the caller counts them). -1: it needs every check.
    """
    if not (
        (fin and (seglen != 1 or rev.window))  # 1 byte into a closed window: a probe
        or (window and (seglen > 1 or (seglen == 0 and ack != fwd.lastack)))
    ):
        return -1
    flags = 0
    if not an.first_rtt and an.mru_syn is not None:
        an.first_rtt = ts - an.mru_syn
    if seglen:
        end = (seq + seglen) & 0xFFFFFFFF
        lastack = rev.lastack
        if lastack is not None:
            if rev.win_scale != -1 and not fin:
                shift = rev.win_scale if rev.win_scale > 0 else 0
                if end == (lastack + (rev.window << shift)) & 0xFFFFFFFF:
                    flags = WINDOW_FULL
            if (lastack - end) & 0xFFFFFFFF < HALF:
                flags |= SPURIOUS_RETRANSMISSION | RETRANSMISSION
        fwd.nextseq = (end + fin) & 0xFFFFFFFF
        fwd.nextseq_ts = ts
    elif fin:
        fwd.nextseq = (seq + 1) & 0xFFFFFFFF
        fwd.nextseq_ts = ts
    if ack != fwd.lastack:
        fwd.lastnondup = number
        fwd.dupacks = 0
    top = rev.maxseqtobeacked
    if top is not None and 0 < (ack - top) & 0xFFFFFFFF < HALF:
        flags |= ACK_LOST_SEGMENT
        rev.maxseqtobeacked = rev.nextseq
    if seq == fwd.maxseqtobeacked or fwd.maxseqtobeacked is None:
        fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    fwd.lastack = ack
    fwd.lastack_ts = ts
    fwd.lastflags = flags
    return flags


def count_findings(an: ConnAnalysis, flags: int, pkt, src: str, state: str) -> None:  # type: ignore[no-untyped-def]
    an.total += 1
    counts = an.counts
    bit = 1
    rest = flags
    while rest:
        if rest & bit:
            counts[bit] = counts.get(bit, 0) + 1
            rest &= ~bit
        bit <<= 1
    if len(an.detail) < an.MAX_DETAIL:
        an.detail.append((pkt.number, pkt.ts, src, flags, *an.last_dup, state))


def _analyze(an: ConnAnalysis, fwd: Flow, rev: Flow, pkt, src: str, state: str) -> int:  # type: ignore[no-untyped-def]
    """Every check, in Wireshark's order."""
    seq = pkt.seq
    tflags = pkt.flags
    seglen = pkt.payload_len
    window = pkt.window
    ts = pkt.ts
    ack = pkt.ack if tflags & 0x10 else None
    nextseq = fwd.nextseq
    flags = 0
    special = tflags & 0x07  # FIN, SYN or RST

    if tflags & 0x02:  # SYN: learn the window scale, the time for the initial RTT
        if fwd.win_scale == -1:
            fwd.win_scale = (
                _window_scale(pkt.options) if pkt.data_offset > pkt.tcp_offset + 20 else -2
            )
            if tflags & 0x10 and (fwd.win_scale == -2 or rev.win_scale == -2):
                fwd.win_scale = rev.win_scale = -2  # scaling needs both sides to offer it
        if not tflags & 0x10:
            an.mru_syn = ts
    elif ack is not None and an.mru_syn is not None and not an.first_rtt:
        an.first_rtt = ts - an.mru_syn

    if seglen == 1 and seq == nextseq and rev.window == 0:
        flags = ZERO_WINDOW_PROBE
    else:
        if window == 0 and not special:
            flags |= ZERO_WINDOW
        if nextseq is not None:
            if not tflags & 0x04 and 0 < (seq - nextseq) % MOD < HALF:
                flags |= LOST_SEGMENT
            if seglen <= 1 and not special and seq == (nextseq - 1) % MOD:
                flags |= KEEP_ALIVE
        same = seglen == 0 and not special and seq == nextseq and ack == fwd.lastack
        if same and window and window != fwd.window:
            flags |= WINDOW_UPDATE
        if seglen and not special and rev.win_scale != -1 and rev.lastack is not None:
            shift = rev.win_scale if rev.win_scale > 0 else 0
            if (seq + seglen) % MOD == (rev.lastack + (rev.window << shift)) % MOD:
                flags |= WINDOW_FULL
        if same:
            if window and window == fwd.window and rev.lastflags & KEEP_ALIVE:
                flags |= KEEP_ALIVE_ACK
            elif window == 0 and fwd.window == 0 and rev.lastflags & ZERO_WINDOW_PROBE:
                flags |= ZERO_WINDOW_PROBE_ACK
            elif window and window == fwd.window:
                fwd.dupacks += 1
                flags |= DUPLICATE_ACK
                an.last_dup = (fwd.dupacks, fwd.lastnondup)
    if ack != fwd.lastack:
        fwd.lastnondup = pkt.number
        fwd.dupacks = 0

    if (
        ack is not None
        and rev.maxseqtobeacked is not None
        and 0 < (ack - rev.maxseqtobeacked) % MOD < HALF
    ):
        flags |= ACK_LOST_SEGMENT
        rev.maxseqtobeacked = rev.nextseq

    if (seglen or tflags & 0x03) and not flags & KEEP_ALIVE:
        behind = nextseq is not None and (seq - nextseq) % MOD >= HALF
        if seglen > 1 and nextseq is not None and (nextseq - 1) % MOD == seq:
            behind = False
        if behind and rev.dupacks >= 2 and rev.lastack == seq and ts - rev.lastack_ts < 0.020:
            flags |= FAST_RETRANSMISSION | RETRANSMISSION
        elif (
            behind
            and ts - fwd.nextseq_ts < (an.first_rtt or 0.003)
            and nextseq != (seq + seglen) % MOD
        ):
            flags |= OUT_OF_ORDER
        elif seglen and rev.lastack is not None and ((rev.lastack - seq - seglen) % MOD) < HALF:
            flags |= SPURIOUS_RETRANSMISSION | RETRANSMISSION
        elif behind:
            flags |= RETRANSMISSION

    end = (seq + seglen + (1 if tflags & 0x03 else 0)) % MOD
    if not flags & ZERO_WINDOW_PROBE:
        if nextseq is None or 0 < (end - nextseq) % MOD < HALF:
            fwd.nextseq = end
            fwd.nextseq_ts = ts
        if fwd.maxseqtobeacked is None or seq == fwd.maxseqtobeacked:
            fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    fwd.lastack = ack
    fwd.lastack_ts = ts
    fwd.lastflags = flags
    if tflags & 0x04:
        flags |= RESET
    if flags:
        count_findings(an, flags, pkt, src, state)
    return flags
