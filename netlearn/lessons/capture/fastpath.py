"""`capture --read`'s short paths: what `Tracker.update` does, for the common segments, inline.

Reading a big file, most segments are a connection's SYN, its SYN-ACK, ACKs and FINs in order.
`Tracker.update` handles them with a `TcpPacket`, the analysis's every check and a record of
what happened; here they change the same state with none of that. Each function checks first
that its segment is the plain case, and returns False (having changed nothing) when it is not:
the caller then hands the segment to `Tracker.update`. `scan(path, fast=False)` takes the
general path for every segment; tests/test_capture_fastpath.py checks that both agree.
"""

from __future__ import annotations

from netlearn.packets.capture_analysis import _window_scale
from netlearn.packets.capture_states import TRANSITIONS, Seen
from netlearn.packets.tcp_states import State
from netlearn.packets.tracker import CLIENT, SERVER, Conn, Tracker

MOD = 1 << 32
HALF = 1 << 31
_get = TRANSITIONS.get


def observe(
    conn: Conn, src: str, flags: int, seq: int, ack: int, seglen: int, ts: float, t: float
) -> None:
    """`Tracker._observe` for an ACK (maybe with a FIN) of a known connection, recording nothing.

    The same steps in the same order, for a segment with the ACK bit and neither SYN nor RST.
    `t` is its time from the capture's start (kept as the time a side's FIN arrived).
    """
    dst = SERVER if src == CLIENT else CLIENT
    conn.packets += 1
    conn.last_ts = ts
    conn.data_bytes[src] += seglen
    state = conn.state
    base = conn.base
    if base[src] is None:
        base[src] = (seq - 1) % MOD
    if base[dst] is None:
        base[dst] = (ack - 1) % MOD
    pending_fin = conn.pending_fin
    fin_seq = conn.fin_seq
    fin = fin_seq[dst]
    if pending_fin[src] is not None and fin is not None and (ack - fin - 1) % MOD < HALF:
        pending_fin[src] = None
        new = _get((state[src], Seen.RECEIVED_FIN))
        if new is not None:
            state[src] = new
    if pending_fin[dst] is not None and not flags & 0x01:
        pending_fin[dst] = None
        new = _get((state[dst], Seen.RECEIVED_FIN))
        if new is not None:
            state[dst] = new
    isn = conn.isn[dst]
    if state[dst] is State.SYN_RECEIVED and isn is not None and (ack - isn - 1) % MOD < HALF:
        conn.established_ts = ts
        state[dst] = State.ESTABLISHED  # TRANSITIONS: received ACK of its SYN
    if fin is not None and (ack - fin - 1) % MOD < HALF:
        new = _get((state[dst], Seen.RECEIVED_ACK_OF_FIN))
        if new is not None:
            state[dst] = new
    if flags & 0x01:
        if fin_seq[src] is None:
            fin_seq[src] = (seq + seglen) % MOD
            if conn.first_fin is None:
                conn.first_fin = src
            pending_fin[dst] = t
        new = _get((state[src], Seen.SENT_FIN))
        if new is not None:
            state[src] = new
    conn.settle()


def open_syn(
    tracker: Tracker,
    ts: float,
    number: int,
    key: tuple[bytes, int, bytes, int],
    seq: int,
    seglen: int,
    window: int,
    options: bytes | None,
) -> bool:
    """A SYN (no ACK, FIN or RST) on endpoints with no connection yet: a new connection.

    `options` is the TCP options area, or None for a 20-byte header.
    """
    if tracker.t0 is None or len(tracker.active) >= tracker.max_active:
        return False
    tracker.total_packets += 1
    tracker.total_syns += 1
    tracker.total_conns += 1
    client, server = key[:2], key[2:]
    conn = Conn(
        index=tracker.total_conns,
        client=client,  # type: ignore[arg-type]
        server=server,  # type: ignore[arg-type]
        first_ts=ts,
        first_number=number,
    )
    tracker.active[conn.index] = conn
    tracker._by_key[key] = (conn, CLIENT)
    tracker._by_key[(*server, *client)] = (conn, SERVER)  # type: ignore[index]
    if tracker.keep_all:
        tracker.all.append(conn)
    # The analysis (`analysis._analyze` for a first SYN): the window scale, the time.
    an = conn.analysis
    fwd = an.client
    fwd.win_scale = -2 if options is None else _window_scale(options)
    an.mru_syn = ts
    fwd.nextseq = fwd.maxseqtobeacked = (seq + seglen + 1) % MOD
    fwd.nextseq_ts = ts
    fwd.window = window
    fwd.lastack_ts = ts
    # The states (`Tracker._observe`): the client sent its SYN; the server still listens.
    conn.packets = 1
    conn.last_ts = ts
    conn.data_bytes[CLIENT] = seglen
    conn.syn_seen = True
    conn.syn_ts = ts
    conn.isn[CLIENT] = conn.base[CLIENT] = seq
    conn.pending_listen = ts - tracker.t0
    conn.state[CLIENT] = State.SYN_SENT
    return True


def synack(
    tracker: Tracker,
    conn: Conn,
    src: str,
    ts: float,
    number: int,
    seq: int,
    ack: int,
    seglen: int,
    window: int,
    options: bytes | None,
) -> bool:
    """The first SYN-ACK a side sends, which acknowledges nothing unseen."""
    an = conn.analysis
    fwd, rev = (an.client, an.server) if src == CLIENT else (an.server, an.client)
    if fwd.nextseq is not None:
        return False  # a repeated SYN-ACK: the analysis has more to say
    top = rev.maxseqtobeacked
    if top is not None and 0 < (ack - top) % MOD < HALF:
        return False  # it acknowledges bytes never seen
    if seglen and rev.lastack is not None:
        return False  # data, maybe already acknowledged
    tracker.total_packets += 1
    tracker.total_synacks += 1
    # The analysis (`analysis._analyze` for a SYN with ACK).
    if fwd.win_scale == -1:
        fwd.win_scale = -2 if options is None else _window_scale(options)
        if fwd.win_scale == -2 or rev.win_scale == -2:
            fwd.win_scale = rev.win_scale = -2
    if ack != fwd.lastack:
        fwd.lastnondup = number
        fwd.dupacks = 0
    fwd.nextseq = (seq + seglen + 1) % MOD
    fwd.nextseq_ts = ts
    if fwd.maxseqtobeacked is None or seq == fwd.maxseqtobeacked:
        fwd.maxseqtobeacked = fwd.nextseq
    fwd.window = window
    fwd.lastack = ack
    fwd.lastack_ts = ts
    fwd.lastflags = 0
    # The states (`Tracker._observe`).
    dst = SERVER if src == CLIENT else CLIENT
    conn.packets += 1
    conn.last_ts = ts
    conn.data_bytes[src] += seglen
    if conn.synack_ts is None:
        conn.synack_ts = ts
    conn.isn[src] = conn.base[src] = seq
    state = conn.state
    if state[src] is State.LISTEN:
        state[src] = State.SYN_RECEIVED  # TRANSITIONS: received SYN
        conn.pending_listen = None
    new = _get((state[dst], "received SYN-ACK"))
    if new is not None:
        state[dst] = new
    conn.settle()
    return True
