"""One TCP endpoint, sans-I/O: user calls and packet bytes in, packet bytes and state changes out.

Like h11 and wsproto, the endpoint never touches a socket or a clock of its own. The caller
passes the time with every call and gets back a list of outputs: `Sent` (the bytes of a real
IPv4/TCP packet, to be put on a wire) and `Moved` (a state change). Timers are deadlines the
caller asks for with `next_timer()` and fires with `on_timer()`.

Which state follows which is not decided here: `netlearn.tcp.table` holds every legal move of
RFC 9293 as a row. This module classifies what happened into one of the table's inputs (section
3.10.7's checks: acceptable sequence number, RST, SYN, ACK, FIN), looks the row up and carries
out the row's actions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from netlearn.tcp import segments as sg
from netlearn.tcp.states import SYNCHRONIZED, State
from netlearn.tcp.table import Act, Input, Transition, lookup


@dataclass(frozen=True)
class Config:
    """The numbers a real stack chooses; the defaults are Linux's where the RFCs leave a choice."""

    mss: int = 1460  # 1500-byte Ethernet MTU - 20 (IP) - 20 (TCP)
    rcv_buf: int = 64240  # Linux's first window for a 1460-byte MSS (44 x 1460)
    initial_rto: float = 1.0  # RFC 6298 section 2.1; Linux's TCP_TIMEOUT_INIT
    max_rto: float = 120.0  # Linux's TCP_RTO_MAX (RFC 6298 section 2.5 allows >= 60 s)
    time_wait: float = 60.0  # Linux's TCP_TIMEWAIT_LEN; RFC 9293 says 2 x MSL = 240 s
    delayed_ack: float = 0.040  # Linux's TCP_DELACK_MIN; RFC 9293 3.8.6.3 allows up to 0.5 s
    syn_retries: int = 6  # Linux's net.ipv4.tcp_syn_retries: then the connect() fails
    data_retries: int = 15  # Linux's net.ipv4.tcp_retries2 (RFC 9293 3.8.3's R2)
    ttl: int = 64


@dataclass(frozen=True)
class Sent:
    """A packet leaves the endpoint: the bytes of an IPv4/TCP packet and why it was sent."""

    raw: bytes
    note: str = ""
    retransmission: bool = False


@dataclass(frozen=True)
class Moved:
    """The endpoint changed state because of `cause` (the table row's label)."""

    old: State
    new: State
    cause: str


Output = Sent | Moved


@dataclass
class _Unacked:
    """A segment that occupies sequence space and waits for its acknowledgement."""

    seq: int
    flags: str
    payload: bytes
    options: tuple[tuple[str, object], ...]
    sent_at: float
    retransmitted: int = 0

    @property
    def end(self) -> int:
        return sg.seq_add(self.seq, len(self.payload) + ("S" in self.flags) + ("F" in self.flags))


class ProtocolError(Exception):
    """A user call the RFC answers with an error ("connection does not exist", ...)."""


@dataclass
class Endpoint:
    """A TCP endpoint at `ip`:`port`, named `name` in the events ("client", "server", ...)."""

    name: str
    ip: str
    port: int
    rng: random.Random
    config: Config = field(default_factory=Config)

    def __post_init__(self) -> None:
        self.state = State.CLOSED
        self.passive = False  # how SYN-RECEIVED was reached (RFC 9293 MUST-11)
        self.remote: tuple[str, int] | None = None
        self.iss: int | None = None
        self.irs = 0
        self.snd_una = self.snd_nxt = 0
        self.snd_wnd = 0
        self.rcv_nxt = 0
        self.rcv_edge: int | None = None  # RCV.NXT + RCV.WND as last offered
        self.peer_mss = 536  # RFC 9293 section 3.7.1: the default when no MSS option came
        self.fin_seq: int | None = None
        self.outbox = bytearray()  # written by the program, not yet sent
        self.unread = bytearray()  # received in order, not yet read by the program
        self.delivered = bytearray()  # everything the program has read
        self.queue: list[_Unacked] = []  # the retransmission queue
        self.rto = self.config.initial_rto
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.syn_timed_out = False
        self.unacked_segments = 0  # data segments received since our last ACK
        self.timers: dict[Input, float] = {}
        self.ip_id = self.rng.getrandbits(16)
        self.history: list[Transition] = []
        self._now = 0.0
        self._seg: sg.Parsed | None = None
        self._out: list[Output] = []
        self._note = ""

    # ------------------------------------------------------------------ user calls

    def open_passive(self, now: float) -> list[Output]:
        """The program listens (socket, bind, listen): CLOSED -> LISTEN."""
        self.passive = True
        return self._fire(Input.PASSIVE_OPEN, now)

    def open_active(self, remote_ip: str, remote_port: int, now: float) -> list[Output]:
        """The program connects: CLOSED -> SYN-SENT, and a SYN goes out."""
        self.passive = False
        self.remote = (remote_ip, remote_port)
        return self._fire(Input.ACTIVE_OPEN, now)

    def send(self, data: bytes, now: float) -> list[Output]:
        """The program writes `data`; it goes out in segments of at most the peer's MSS."""
        if self.state not in (State.ESTABLISHED, State.CLOSE_WAIT):
            raise ProtocolError(f"{self.name}: cannot send in {self.state.value}")
        self.outbox += data
        return self._fire(Input.SEND, now)

    def read(self, now: float) -> list[Output]:
        """The program reads everything received so far, which frees its receive buffer.

        A window update goes out only when the window can move right by at least
        min(buffer / 2, MSS): the receiver's silly-window avoidance (RFC 9293 3.8.6.2.2).
        """
        self.delivered += self.unread
        self.unread.clear()
        self._now, self._out = now, []
        if self.state in SYNCHRONIZED and self._window_opens():
            self._emit("A", note="window update: the program read its data, the buffer is free")
        return self._out

    def close(self, now: float) -> list[Output]:
        """The program closes: it has no more to send (RFC 9293 section 3.10.4)."""
        if self.state is State.CLOSED:
            raise ProtocolError(f"{self.name}: connection does not exist")
        return self._fire(Input.CLOSE, now)

    # ------------------------------------------------------------------ the network side

    def receive(self, raw: bytes, now: float) -> list[Output]:
        """A packet arrived: check it, classify it, and take the table's row for it."""
        self._now, self._out = now, []
        if not sg.checksums_ok(raw):
            return []  # a damaged segment is dropped without a word (RFC 9293 section 2.2)
        seg = sg.parse(raw)
        if (seg.dst, seg.dport) != (self.ip, self.port):
            return []
        event = self._classify(seg)
        if event is None:
            return self._out
        early = self._out
        outputs = self._fire(event, now, seg)
        return early + outputs

    def next_timer(self) -> tuple[float, Input] | None:
        """The earliest pending timer: (deadline, which), or None."""
        if not self.timers:
            return None
        which = min(self.timers, key=lambda k: (self.timers[k], k.value))
        return self.timers[which], which

    def on_timer(self, which: Input, now: float) -> list[Output]:
        """A timer's deadline passed."""
        self.timers.pop(which, None)
        if which is Input.RTO and self.queue:
            first = self.queue[0]
            limit = self.config.syn_retries if "S" in first.flags else self.config.data_retries
            if first.retransmitted >= limit:
                which = Input.GIVE_UP
        return self._fire(which, now)

    # ------------------------------------------------------------------ views

    @property
    def rcv_wnd(self) -> int:
        """RCV.WND, the window we offer (no window scaling, so at most 65535).

        RFC 9293 section 3.8.6.2.2: the right edge RCV.NXT + RCV.WND stays where it was until
        the buffer space not yet offered reaches min(RCV.BUFF / 2, Eff.snd.MSS); then the
        window becomes all the free space.
        """
        free = max(0, min(65535, self.config.rcv_buf - len(self.unread)))
        if self.rcv_edge is None or self._window_opens():
            return free
        return min(free, (self.rcv_edge - self.rcv_nxt) % 2**32)

    def _window_opens(self) -> bool:
        if self.rcv_edge is None:
            return True
        free = max(0, min(65535, self.config.rcv_buf - len(self.unread)))
        offered = (self.rcv_edge - self.rcv_nxt) % 2**32
        mss = min(self.peer_mss, self.config.mss)
        return free - offered >= min(self.config.rcv_buf // 2, mss)

    # ------------------------------------------------------------------ classification

    def _classify(self, seg: sg.Parsed) -> Input | None:
        """Which table input an arriving segment is, after RFC 9293 section 3.10.7's checks."""
        f = seg.flags
        if self.state in (State.CLOSED, State.LISTEN):
            if "R" in f:
                return Input.RCV_RST
            if "S" in f:
                return Input.RCV_SYN_ACK if "A" in f else Input.RCV_SYN
            if "F" in f:
                return Input.RCV_FIN
            return Input.RCV_DATA if seg.payload else Input.RCV_ACK
        if self.state is State.SYN_SENT:
            assert self.iss is not None
            if "A" in f and not (sg.seq_lt(self.iss, seg.ack) and sg.seq_le(seg.ack, self.snd_nxt)):
                if "R" not in f:
                    self._seg = seg
                    self._reset_for(seg)
                return None
            if "R" in f:
                return Input.RCV_RST if "A" in f else None
            if "S" in f:
                return Input.RCV_SYN_ACK if "A" in f else Input.RCV_SYN
            return None
        # SYN-RECEIVED and the synchronized states (section 3.10.7.4).
        if "S" in f and seg.seq == self.irs:
            # A copy of the SYN we already took (the peer's SYN,ACK in a simultaneous open):
            # trim the SYN off, as section 3.10.7.4 allows, and keep the rest.
            seg = replace(seg, seq=sg.seq_add(seg.seq, 1), flags=f.replace("S", ""))
            f = seg.flags
        if not self._acceptable(seg):
            if "R" not in f:
                self._seg = seg
                self._emit("A", note="unacceptable segment: answered with an ACK")
            return None
        if "R" in f:
            return Input.RCV_RST
        if "S" in f:
            self._seg = seg
            self._emit("A", note="challenge ACK for an unexpected SYN (RFC 5961)")
            return None
        if "A" not in f:
            return None
        self._seg = seg
        acks_fin = self.fin_seq is not None and seg.ack == sg.seq_add(self.fin_seq, 1)
        if "F" in f:
            if acks_fin and self.state is State.FIN_WAIT_1:
                return Input.RCV_FIN_ACK_OF_FIN
            return Input.RCV_FIN
        if self.state is State.SYN_RECEIVED:
            if sg.seq_lt(self.snd_una, seg.ack) and sg.seq_le(seg.ack, self.snd_nxt):
                return Input.RCV_ACK_OF_SYN
            self._reset_for(seg)
            return None
        if acks_fin and sg.seq_lt(self.snd_una, seg.ack):
            return Input.RCV_ACK_OF_FIN
        return Input.RCV_DATA if seg.payload else Input.RCV_ACK

    def _acceptable(self, seg: sg.Parsed) -> bool:
        """The four cases of RFC 9293 section 3.10.7.4's acceptability test (Table 6)."""
        wnd, length = self.rcv_wnd, seg.seg_len
        nxt = self.rcv_nxt

        def in_window(x: int) -> bool:
            return sg.seq_le(nxt, x) and sg.seq_lt(x, sg.seq_add(nxt, wnd))

        if length == 0:
            return seg.seq == nxt if wnd == 0 else in_window(seg.seq)
        if wnd == 0:
            return False
        return in_window(seg.seq) or in_window(sg.seq_add(seg.seq, length - 1))

    # ------------------------------------------------------------------ the table

    def _fire(self, event: Input, now: float, seg: sg.Parsed | None = None) -> list[Output]:
        guard = None
        if self.state is State.SYN_RECEIVED:
            guard = "passive" if self.passive else "active"
        row = lookup(self.state, event, guard)
        self._now, self._out = now, []
        self._seg = seg
        self.history.append(row)
        takes_syn = event in (Input.RCV_SYN, Input.RCV_SYN_ACK)
        if seg is not None and takes_syn and row.actions and Act.SND_RST not in row.actions:
            self._take_syn(seg)
        if row.target is not row.source:
            self._out.append(Moved(row.source, row.target, row.label))
            self.state = row.target
        if seg is not None and event in (Input.RCV_FIN, Input.RCV_FIN_ACK_OF_FIN):
            self._take_fin(seg)
        for act in row.actions:
            getattr(self, "_do_" + act.name.lower())()
        if row.target is State.ESTABLISHED and row.source is not State.ESTABLISHED:
            self._established()
        return self._out

    # ------------------------------------------------------------------ actions

    def _do_create_tcb(self) -> None:
        pass  # the attributes of this object are the TCB

    def _do_delete_tcb(self) -> None:
        self.timers.clear()
        self.queue.clear()

    def _do_drop(self) -> None:
        pass

    def _choose_iss(self) -> int:
        if self.iss is None:
            # A real stack computes ISN = M + F(addresses, ports, secret) (RFC 9293 3.4.1):
            # unpredictable from outside. Here it comes from the seeded random generator.
            self.iss = self.rng.getrandbits(32)
            self.snd_una = self.iss
            self.snd_nxt = sg.seq_add(self.iss, 1)
        return self.iss

    def _do_snd_syn(self) -> None:
        iss = self._choose_iss()
        self._queue_and_emit(
            iss,
            "S",
            options=sg.SYN_OPTIONS,
            note="SYN: a random initial sequence number (ISN); the SYN uses up one number",
        )

    def _do_snd_syn_ack(self) -> None:
        if self.iss is None:
            note = "SYN,ACK: its own random ISN; ACK = peer's ISN + 1, the peer's SYN arrived"
        else:
            note = "SYN,ACK: its SYN again (same ISN), now with ACK = peer's ISN + 1"
        iss = self._choose_iss()
        self.queue = [u for u in self.queue if "S" not in u.flags]  # the SYN,ACK replaces it
        self._queue_and_emit(iss, "SA", options=sg.SYN_OPTIONS, note=note)

    def _do_snd_ack(self) -> None:
        seg = self._seg
        if seg is not None and "F" in seg.flags:
            note = "ACK of the FIN: the FIN used one sequence number, so ACK = its seq + 1"
        elif seg is not None and "S" in seg.flags:
            note = "ACK = peer's ISN + 1: the handshake is complete; an ACK uses no number"
        elif seg is not None and seg.payload and self.unacked_segments >= 2:
            note = "ACK = next byte expected: one cumulative ACK covers both segments"
        elif seg is not None and seg.payload:
            note = "ACK = next byte expected (seq + length); window = buffer space left"
        else:
            note = "delayed ACK: the timer ran out before a second segment came"
        self._emit("A", note=note)

    def _do_snd_data(self) -> None:
        mss = min(self.peer_mss, self.config.mss)
        while self.outbox:
            usable = (self.snd_una + self.snd_wnd - self.snd_nxt) % 2**32
            size = min(mss, len(self.outbox), usable)
            if size <= 0:
                break  # the peer's window is full; the rest waits for an ACK
            chunk = bytes(self.outbox[:size])
            del self.outbox[:size]
            last = not self.outbox
            flags = "PA" if last else "A"
            note = f"{size} bytes of data: seq advances by {size}"
            if last:
                note += "; PSH: pass them to the program now"
            self._queue_and_emit(self.snd_nxt, flags, payload=chunk, note=note)
            self.snd_nxt = sg.seq_add(self.snd_nxt, size)

    def _do_snd_fin(self) -> None:
        self.fin_seq = self.snd_nxt
        self._queue_and_emit(
            self.snd_nxt, "FA", note="FIN: no more data from this side; the FIN uses one number"
        )
        self.snd_nxt = sg.seq_add(self.snd_nxt, 1)

    def _do_snd_rst(self) -> None:
        assert self._seg is not None
        self._reset_for(self._seg)

    def _reset_for(self, seg: sg.Parsed) -> None:
        """A reset the sender of `seg` will accept (RFC 9293 sections 3.5.2 and 3.10.7.1)."""
        if "A" in seg.flags:
            seq, ack, flags = seg.ack, 0, "R"
            note = "RST: seq = the ACK number it carried, so the reset is believed"
        else:
            seq, ack, flags = 0, sg.seq_add(seg.seq, seg.seg_len), "RA"
            note = "RST,ACK: nobody listens on this port; seq 0, ACK = SYN's seq + 1"
        raw = sg.build(
            src=seg.dst,
            dst=seg.src,
            sport=seg.dport,
            dport=seg.sport,
            seq=seq,
            ack=ack,
            flags=flags,
            window=0,
            ip_id=self._next_id(),
            ttl=self.config.ttl,
        )
        self._out.append(Sent(raw, note))

    def _do_accept_ack(self) -> None:
        """Process the ACK field (RFC 9293 3.10.7.4 fifth step; RTT per RFC 6298)."""
        seg = self._seg
        if seg is None or "A" not in seg.flags:
            return
        if sg.seq_lt(self.snd_una, seg.ack) and sg.seq_le(seg.ack, self.snd_nxt):
            acked = [u for u in self.queue if sg.seq_le(u.end, seg.ack)]
            if acked and not any(u.retransmitted for u in acked):
                self._rtt_sample(self._now - acked[0].sent_at)  # Karn: never from a resend
            self.queue = [u for u in self.queue if not sg.seq_le(u.end, seg.ack)]
            self.snd_una = seg.ack
            if self.queue:
                self.timers[Input.RTO] = self._now + self.rto  # RFC 6298 section 5.3
            else:
                self.timers.pop(Input.RTO, None)  # RFC 6298 section 5.2
        if sg.seq_le(self.snd_una, seg.ack):
            self.snd_wnd = seg.window

    def _do_deliver(self) -> None:
        """Take the segment's data, then acknowledge it: at once or after a short delay."""
        seg = self._seg
        if seg is None or not seg.payload:
            return
        if seg.seq != self.rcv_nxt:
            # Out of order or a duplicate: say again which byte comes next (a duplicate ACK).
            self._emit("A", note="duplicate ACK: this is not the byte expected next")
            return
        self.unread += seg.payload
        self.rcv_nxt = sg.seq_add(self.rcv_nxt, len(seg.payload))
        self.unacked_segments += 1
        # RFC 9293 3.8.6.3: ACK at least every second full-sized segment, and within 0.5 s.
        # PSH says the sender has nothing more for now: no reason to wait.
        if "P" in seg.flags or self.unacked_segments >= 2:
            self._do_snd_ack()
        elif Input.DELAYED_ACK not in self.timers:
            self.timers[Input.DELAYED_ACK] = self._now + self.config.delayed_ack

    def _do_retransmit(self) -> None:
        """The RTO expired: send the oldest unacknowledged segment again, RTO x 2 (RFC 6298 5.5)."""
        if not self.queue:
            return
        first = self.queue[0]
        first.retransmitted += 1
        waited = self.rto
        self.rto = min(self.rto * 2, self.config.max_rto)
        if "S" in first.flags:
            self.syn_timed_out = True
        what = "SYN,ACK" if first.flags == "SA" else "SYN" if "S" in first.flags else "segment"
        note = (
            f"retransmission {first.retransmitted}: no answer within the RTO of {waited:g} s, "
            f"so the same {what} again; the RTO doubles to {self.rto:g} s"
        )
        self._emit(
            first.flags,
            seq=first.seq,
            payload=first.payload,
            options=first.options,
            note=note,
            retransmission=True,
        )
        self.timers[Input.RTO] = self._now + self.rto

    def _do_start_time_wait(self) -> None:
        self.timers.clear()
        self.queue.clear()
        self.timers[Input.TIME_WAIT_TIMEOUT] = self._now + self.config.time_wait

    # ------------------------------------------------------------------ helpers

    def _take_syn(self, seg: sg.Parsed) -> None:
        """Learn the peer's ISN (IRS) and its MSS from a SYN."""
        self.irs = seg.seq
        self.rcv_nxt = sg.seq_add(seg.seq, 1)
        self.remote = (seg.src, seg.sport)
        self.snd_wnd = seg.window
        for name, value in seg.options:
            if name == "MSS":
                self.peer_mss = int(value)

    def _take_fin(self, seg: sg.Parsed) -> None:
        """Data before the FIN, then the FIN itself, which uses one sequence number."""
        if seg.payload:
            self.unread += seg.payload
        self.rcv_nxt = sg.seq_add(seg.seq, len(seg.payload) + 1)
        # The FIN takes a sequence number but no buffer space, and nothing can follow it, so
        # there is no silly window to avoid: offer the free space again.
        self.rcv_edge = None

    def _established(self) -> None:
        if self.syn_timed_out:
            # RFC 6298 section 5.7: the SYN timed out with an RTO under 3 s, so the RTO is
            # set to 3 s when data transmission begins (no RTT sample came: Karn's rule).
            self.rto = 3.0

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 sections 2.2 to 2.4: smoothed RTT, its variation, and the RTO."""
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - r)
            self.srtt = 0.875 * self.srtt + 0.125 * r
        self.rto = min(max(1.0, self.srtt + max(0.001, 4 * self.rttvar)), self.config.max_rto)

    def _next_id(self) -> int:
        self.ip_id = (self.ip_id + 1) % 2**16
        return self.ip_id

    def _queue_and_emit(
        self,
        seq: int,
        flags: str,
        *,
        payload: bytes = b"",
        options: tuple[tuple[str, object], ...] = (),
        note: str = "",
    ) -> None:
        self.queue.append(_Unacked(seq, flags, payload, options, self._now))
        if Input.RTO not in self.timers:
            self.timers[Input.RTO] = self._now + self.rto  # RFC 6298 section 5.1
        self._emit(flags, seq=seq, payload=payload, options=options, note=note)

    def _emit(
        self,
        flags: str,
        *,
        seq: int | None = None,
        payload: bytes = b"",
        options: tuple[tuple[str, object], ...] = (),
        note: str = "",
        retransmission: bool = False,
    ) -> None:
        assert self.remote is not None
        if "A" in flags and "S" not in flags:
            # Every segment that carries an ACK acknowledges all received so far.
            self.unacked_segments = 0
            self.timers.pop(Input.DELAYED_ACK, None)
        window = self.rcv_wnd
        self.rcv_edge = sg.seq_add(self.rcv_nxt, window)
        raw = sg.build(
            src=self.ip,
            dst=self.remote[0],
            sport=self.port,
            dport=self.remote[1],
            seq=self.snd_nxt if seq is None else seq,
            ack=self.rcv_nxt,
            flags=flags,
            window=window,
            payload=payload,
            options=options,
            ip_id=self._next_id(),
            ttl=self.config.ttl,
        )
        self._out.append(Sent(raw, note, retransmission))
