"""Follow TCP connections through captured segments: sides, relative numbers, states, endings.

A connection is named by its two endpoints. The side that sent the first SYN is the client, the
other the server, as in the simulator. Sequence numbers are shown relative to each side's
initial sequence number (ISN), as Wireshark does. The states are those of RFC 9293's state
machine (section 3.3.2), as an observer on the wire can infer them: the transitions are a
table, the same shape as the simulator's.

Memory stays bounded: connections that ended are kept only in a window (`keep`), the totals
stay exact.
"""

from __future__ import annotations

from collections import deque

from netlearn.events import StateChange
from netlearn.packets.capture_analysis import analyze
from netlearn.packets.capture_conn import CLIENT, MOD, SERVER, Conn, Observation, other, seq_ge
from netlearn.packets.capture_states import GONE, TRANSITIONS, Seen, move
from netlearn.packets.capture_telling import Telling
from netlearn.packets.headers import (
    ACK,
    FIN,
    RST,
    SYN,
    TcpPacket,
)
from netlearn.packets.tcp_states import State

__all__ = [
    "CLIENT",
    "GONE",
    "MOD",
    "SERVER",
    "TRANSITIONS",
    "Conn",
    "Observation",
    "Tracker",
    "other",
    "seq_ge",
]


class Tracker(Telling):
    """Feeds segments in, keeps connections, gives back observations.

    `server_port` names the server side of connections whose SYN the capture missed; `keep`
    bounds how many ended connections are remembered (None: all, for reading a file).
    """

    def __init__(
        self,
        server_port: int | None = None,
        keep: int | None = None,
        t0: float | None = None,
        analyze: bool = True,
    ):
        self.server_port = server_port
        self.analyze = analyze
        self.t0 = t0
        self.active: dict[int, Conn] = {}  # connections being followed, oldest first
        # (address, port, address, port) in both directions -> (connection, sending side)
        self._by_key: dict[tuple[bytes, int, bytes, int], tuple[Conn, str]] = {}
        self.finished: deque[Conn] = deque(maxlen=keep)
        self.keep_all = keep is None
        self.all: list[Conn] = []
        self.max_active = 65536
        self.total_packets = 0
        self.total_conns = 0
        self.total_syns = 0  # SYN without ACK: connection attempts, retransmissions included
        self.total_synacks = 0
        self.total_resets = 0
        self._told: dict[int, set[int]] = {}  # connection -> findings already explained

    # ------------------------------------------------------------------ feeding

    def feed(self, pkt: TcpPacket) -> Observation:
        """Place a segment in its connection; the observation carries the state changes."""
        conn, src, new = self._place(pkt)
        found = 0
        if self.analyze:
            found = analyze(conn.analysis, src, pkt, conn.state)
        obs = self._observe(conn, pkt, src, new, [], [])
        assert obs is not None
        obs.findings = found
        if not self.keep_all and conn.ended and not conn.retired:
            self._retire(conn)
        return obs

    def update(self, pkt: TcpPacket) -> Conn:
        """Like `feed`, for counting only: no events are made (listing a big file).

        Most segments of a long connection are data and ACKs in ESTABLISHED with no FIN in
        sight: they change nothing but the counts, and take the short path.
        """
        if not pkt.flags & (SYN | FIN | RST):
            hit = self._by_key.get((pkt.src, pkt.sport, pkt.dst, pkt.dport))
            if hit is not None:
                # What `_place` does for a segment of a known connection, inline.
                conn, src = hit
                self.total_packets += 1
                if self.analyze:
                    analyze(conn.analysis, src, pkt, conn.state)
                if conn.steady:
                    conn.packets += 1
                    conn.last_ts = pkt.ts
                    conn.data_bytes[src] += pkt.payload_len
                    return conn
                self._observe(conn, pkt, src, False, None, None)
                if not self.keep_all and conn.ended and not conn.retired:
                    self._retire(conn)
                return conn
        conn, src, new = self._place(pkt)
        if self.analyze:
            analyze(conn.analysis, src, pkt, conn.state)
        self._observe(conn, pkt, src, new, None, None)
        if not self.keep_all and conn.ended and not conn.retired:
            self._retire(conn)
        return conn

    def _place(self, pkt: TcpPacket) -> tuple[Conn, str, bool]:
        if self.t0 is None:
            self.t0 = pkt.ts
        self.total_packets += 1
        flags = pkt.flags
        if flags & (SYN | RST):
            if flags & SYN:
                if flags & ACK:
                    self.total_synacks += 1
                else:
                    self.total_syns += 1
            if flags & RST:
                self.total_resets += 1
        hit = self._by_key.get((pkt.src, pkt.sport, pkt.dst, pkt.dport))
        if hit is not None:
            conn, src = hit
            if not (
                flags & SYN
                and not flags & ACK
                and (
                    conn.ended or (conn.syn_seen and src == CLIENT and conn.isn[CLIENT] != pkt.seq)
                )
            ):
                return conn, src, False
            # A SYN with a new ISN on the same endpoints starts a new connection.
            self._finish(conn)
        conn = self._open(pkt)
        return conn, (CLIENT if (pkt.src, pkt.sport) == conn.client else SERVER), True

    def _open(self, pkt: TcpPacket) -> Conn:
        a, b = (pkt.src, pkt.sport), (pkt.dst, pkt.dport)
        flags = pkt.flags
        guessed = False
        if flags & SYN and not flags & ACK:
            client, server = a, b
        elif flags & SYN and flags & ACK:
            client, server = b, a
        elif self.server_port is not None and pkt.dport == self.server_port:
            client, server = a, b
        elif self.server_port is not None and pkt.sport == self.server_port:
            client, server = b, a
        else:
            guessed = True  # the lower port is usually the well-known, listening one
            client, server = (a, b) if pkt.sport >= pkt.dport else (b, a)
        self.total_conns += 1
        conn = Conn(
            index=self.total_conns,
            client=client,
            server=server,
            first_ts=pkt.ts,
            first_number=pkt.number,
            guessed_sides=guessed,
        )
        if not (flags & SYN):
            # Joined in the middle: both sides are already connected, as far as we know.
            conn.state = {CLIENT: State.ESTABLISHED, SERVER: State.ESTABLISHED}
        if len(self.active) >= self.max_active:
            self._finish(next(iter(self.active.values())))  # the oldest goes first
        self.active[conn.index] = conn
        self._by_key[(*client, *server)] = (conn, CLIENT)
        self._by_key[(*server, *client)] = (conn, SERVER)
        if self.keep_all:
            self.all.append(conn)
        return conn

    def _retire(self, conn: Conn) -> None:
        """An ended connection joins the window of the last `keep` ended ones.

        It stays findable (a late ACK still lands in it) until it leaves the window.
        """
        conn.retired = True
        if self.finished.maxlen is not None and len(self.finished) == self.finished.maxlen:
            self._forget(self.finished[0])
        self.finished.append(conn)

    def _forget(self, conn: Conn) -> None:
        self.active.pop(conn.index, None)
        for key in ((*conn.client, *conn.server), (*conn.server, *conn.client)):
            hit = self._by_key.get(key)
            if hit is not None and hit[0] is conn:
                del self._by_key[key]

    def _finish(self, conn: Conn) -> None:
        """Stop following a connection (its endpoints start a new one, or the table is full)."""
        if not self.keep_all and not conn.retired:
            self._retire(conn)
        self._forget(conn)

    def connections(self) -> list[Conn]:
        """Every connection remembered, in the order it was first seen."""
        if self.keep_all:
            return list(self.all)
        known = {c.index: c for c in self.finished}
        known.update(self.active)
        return [known[i] for i in sorted(known)]

    # ------------------------------------------------------------------ states

    def _move(
        self, conn: Conn, side: str, what: Seen, t: float, out: list[StateChange] | None
    ) -> bool:
        """Apply one observer's move (`capture_states`); False when this state ignores `what`."""
        old = conn.state[side]
        # RFC 9293 3.5.3: a reset sends a passively opened SYN-RECEIVED back to LISTEN.
        new = move(old, what, passive=side == SERVER)
        if new is None:
            return False
        conn.state[side] = new
        if out is None:
            return True
        out.append(StateChange(t=round(t, 6), actor=side, side=side, old=old, new=new, cause=what))
        return True

    def _observe(
        self,
        conn: Conn,
        pkt: TcpPacket,
        src: str,
        new: bool,
        before: list[StateChange] | None,
        after: list[StateChange] | None,
    ) -> Observation | None:
        dst = SERVER if src == CLIENT else CLIENT
        flags = pkt.flags
        t = pkt.ts - (self.t0 or 0.0)
        what: list[str] = []
        conn.packets += 1
        conn.last_ts = pkt.ts
        conn.data_bytes[src] += pkt.payload_len
        if conn.base[src] is None and not flags & SYN:
            # Joined mid-stream: as Wireshark does, the first byte seen counts as relative 1.
            conn.base[src] = (pkt.seq - 1) % MOD
        if conn.base[dst] is None and flags & ACK and not flags & SYN:
            conn.base[dst] = (pkt.ack - 1) % MOD

        if flags & RST:
            what.append("RST")
            if src == SERVER and conn.state[dst] is State.SYN_SENT and conn.synack_ts is None:
                conn.refused = True  # a SYN answered by a reset: nobody was listening
                conn.pending_listen = None
                conn.state[SERVER] = State.CLOSED
                what.append("refused")
            else:
                conn.rst_by = src
                self._move(conn, src, Seen.SENT_RST, t, before)
            self._move(conn, dst, Seen.RECEIVED_RST, t, after)
        elif flags & SYN and not flags & ACK:
            what.append("SYN")
            if conn.syn_ts is None:
                conn.syn_seen = True
                conn.syn_ts = pkt.ts
                conn.isn[src] = pkt.seq
                conn.base[src] = pkt.seq
                conn.pending_listen = t
            else:
                what.append("retransmission")
            self._move(conn, src, Seen.SENT_SYN, t, before)
            if conn.state[dst] is State.SYN_SENT:
                self._move(conn, dst, Seen.RECEIVED_SYN, t, after)
            # A listening server moves when it answers (SYN-ACK below): a reset instead
            # would mean nobody was listening at all.
        elif flags & SYN and flags & ACK:
            what.append("SYN-ACK")
            if conn.synack_ts is None:
                conn.synack_ts = pkt.ts
            conn.isn[src] = pkt.seq
            conn.base[src] = pkt.seq
            if conn.state[src] is State.LISTEN:
                # The server left LISTEN when the SYN arrived; we know it only now.
                when = conn.pending_listen if conn.pending_listen is not None else t
                self._move(conn, src, Seen.RECEIVED_SYN, when, before)
                conn.pending_listen = None
            self._move(conn, dst, Seen.RECEIVED_SYN_ACK, t, after)
        else:
            # A FIN from dst that src has not answered yet: segments keep their order on
            # the way, so src has it once it acknowledges it (or dst sends src anything more).
            pending = conn.pending_fin[src]
            fin = conn.fin_seq[dst]
            if (
                pending is not None
                and flags & ACK
                and fin is not None
                and seq_ge(pkt.ack, (fin + 1) % MOD)
            ):
                conn.pending_fin[src] = None
                self._move(conn, src, Seen.RECEIVED_FIN, pending, before)
            when = conn.pending_fin[dst]
            if when is not None and not flags & FIN:
                # dst already holds src's FIN: this later segment arrives after it.
                conn.pending_fin[dst] = None
                self._move(conn, dst, Seen.RECEIVED_FIN, when, before)
            if flags & ACK:
                isn = conn.isn[dst]
                if (
                    conn.state[dst] is State.SYN_RECEIVED
                    and isn is not None
                    and seq_ge(pkt.ack, (isn + 1) % MOD)
                ):
                    what.append("handshake-ack")
                    conn.established_ts = pkt.ts
                    self._move(conn, dst, Seen.RECEIVED_ACK_OF_SYN, t, after)
                if (
                    fin is not None
                    and seq_ge(pkt.ack, (fin + 1) % MOD)
                    and self._move(conn, dst, Seen.RECEIVED_ACK_OF_FIN, t, after)
                ):
                    what.append("ack-of-fin")
            if pkt.payload_len:
                what.append("data")
            if flags & FIN:
                what.append("FIN")
                if conn.fin_seq[src] is None:
                    conn.fin_seq[src] = (pkt.seq + pkt.payload_len) % MOD
                    if conn.first_fin is None:
                        conn.first_fin = src
                        what.append("first-fin")
                    # dst moves when it shows it has the FIN (RFC 9293 3.10.7.4, eighth).
                    conn.pending_fin[dst] = t
                self._move(conn, src, Seen.SENT_FIN, t, before)
            if not what:
                what.append("ack")
        conn.settle()
        if before is None or after is None:
            return None
        return Observation(conn, pkt, src, dst, new, before, after, tuple(what))
