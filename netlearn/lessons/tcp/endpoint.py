"""One TCP endpoint, sans-I/O: user calls and packet bytes in, packet bytes and state changes out.

Like h11 and wsproto, the endpoint never touches a socket or a clock of its own. The caller
passes the time with every call and gets back a list of outputs: `Sent` (the bytes of a real
IPv4/TCP packet, to be put on a wire) and `Moved` (a state change). Timers are deadlines the
caller asks for with `next_timer()` and fires with `on_timer()`.

Which state follows which is not decided here: `netlearn.packets.tcp_table` holds every legal move of
RFC 9293 as a row. This module classifies what happened into one of the table's inputs (section
3.10.7's checks: acceptable sequence number, RST, SYN, ACK, FIN), looks the row up and carries
out the row's actions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from netlearn.lessons.tcp import sack
from netlearn.packets import tcp as sg
from netlearn.lessons.tcp.congestion import Congestion
from netlearn.lessons.tcp.flow import persist_interval, usable_window
from netlearn.lessons.tcp.rto import RtoTimer
from netlearn.packets.tcp_states import SYNCHRONIZED, State
from netlearn.packets.tcp_table import Act, Input, Transition, lookup


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
    min_rto: float = 1.0  # RFC 6298 section 2.4; Linux's TCP_RTO_MIN is 0.2 s
    sack: bool = True  # offer SACK_PERM (RFC 2018); used when both sides offer it
    delayed_acks: bool = True  # RFC 9293 3.8.6.3 / RFC 1122 4.2.3.2; off: ACK every segment
    iw_segments: int = 0  # initial cwnd: 0 = RFC 5681's formula (3 x 1460); Linux: 10
    reads_at_once: bool = False  # the program reads each byte as soon as it arrives

    def syn_options(self) -> tuple[tuple[str, object], ...]:
        if self.mss == 1460 and self.sack:
            return sg.SYN_OPTIONS
        opts: tuple[tuple[str, object], ...] = (("MSS", self.mss),)
        return opts + ((("NOP", None), ("NOP", None), ("SAckOK", b"")) if self.sack else ())


@dataclass(frozen=True)
class Sent:
    """A packet leaves the endpoint: the bytes of an IPv4/TCP packet and why it was sent."""

    raw: bytes
    note: str = ""
    retransmission: bool = False
    # What this segment is, in Wireshark's words where it has them: "retransmission",
    # "fast-retransmission", "dup-ack", "zero-window", "zero-window-probe", "window-update"...
    marks: tuple[str, ...] = ()


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
        self.timer = RtoTimer(
            initial=self.config.initial_rto,
            min_rto=self.config.min_rto,
            max_rto=self.config.max_rto,
        )
        self.cc = Congestion(smss=self.config.mss, iw_segments=self.config.iw_segments)
        self.snd_max = 0  # the highest sequence number sent (go-back-N after a timeout)
        self.sack_ok = False  # both SYNs offered SACK_PERM
        self.received = sack.Receiver()  # out-of-order data we hold, and our SACK blocks
        self.scoreboard: list[tuple[int, int]] = []  # what the peer's SACK blocks say it holds
        self.fin_pending = False  # CLOSE came with data still to send: FIN after it
        self.probes = 0  # zero-window probes since the window closed
        self.rtt_samples: list[float] = []
        self._last_ack: tuple[int, int] | None = None  # (ack, window) of our last pure ACK
        self._marks: list[str] = []
        self._rexmit_in_recovery: set[int] = set()
        self.reads_paused = False  # with reads_at_once: the program is busy for now
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

    def resume_reading(self, now: float) -> list[Output]:
        """The program, busy until now, reads what waits and from now on reads at once."""
        self.reads_paused = False
        return self.read(now)

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
    def rto(self) -> float:
        return self.timer.rto

    @rto.setter
    def rto(self, value: float) -> None:
        self.timer.rto = value

    @property
    def srtt(self) -> float | None:
        return self.timer.srtt

    @property
    def rttvar(self) -> float:
        return self.timer.rttvar

    @property
    def smss(self) -> int:
        """The sender's maximum segment size: the smaller of the peer's MSS and ours."""
        return min(self.peer_mss, self.config.mss)

    @property
    def flight_size(self) -> int:
        """RFC 5681's FlightSize: sent and not yet cumulatively acknowledged."""
        return (self.snd_max - self.snd_una) % 2**32 if self.snd_max else 0

    @property
    def in_flight(self) -> int:
        """Bytes between SND.UNA and SND.NXT: what the window rule counts when sending."""
        return (self.snd_nxt - self.snd_una) % 2**32

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
        if "S" in f and seg.seq == self.irs and self.state is State.SYN_RECEIVED:
            # A copy of the SYN we already took (the peer's SYN-ACK in a simultaneous open):
            # trim the SYN off, as section 3.10.7.4 allows, and keep the rest.
            seg = replace(seg, seq=sg.seq_add(seg.seq, 1), flags=f.replace("S", ""))
            f = seg.flags
        if not self._acceptable(seg):
            if "R" not in f:
                self._seg = seg
                note = "unacceptable segment: answered with an ACK"
                if self.rcv_wnd == 0 and seg.seq == self.rcv_nxt and len(seg.payload) == 1:
                    self._marks.append("zero-window-probe-ack")
                    note = "the window is still zero: the probe's byte is refused, and the ACK "
                    note += "says so again"
                elif seg.payload and sg.seq_le(sg.seq_add(seg.seq, seg.seg_len), self.rcv_nxt):
                    note = "these bytes arrived before: a duplicate, answered with an ACK"
                self._emit("A", note=note)
            return None
        if "R" in f:
            return Input.RCV_RST
        if "S" in f:
            self._seg = seg
            self._emit("A", note="challenge ACK for an unexpected SYN (RFC 5961)")
            return None
        if "A" not in f:
            return None
        if "F" in f and seg.seq != self.rcv_nxt and sg.seq_lt(self.rcv_nxt, seg.seq):
            # A FIN beyond a hole: only its data can be held; the FIN counts once in order
            # (RFC 9293 3.10.7.4, eighth step), and the peer will send it again.
            seg = replace(seg, flags=f.replace("F", ""))
            f = seg.flags
        self._seg = seg
        acks_fin = self.fin_seq is not None and seg.ack == sg.seq_add(self.fin_seq, 1)
        if "F" in f and self.state is State.SYN_RECEIVED:
            if sg.seq_lt(self.snd_una, seg.ack) and sg.seq_le(seg.ack, self.snd_nxt):
                # The ACK of our SYN rides with the FIN: ESTABLISHED first, then the FIN.
                self._out += self._fire(
                    Input.RCV_ACK_OF_SYN, self._now, replace(seg, flags=f.replace("F", ""))
                )
                self._seg = seg
                return Input.RCV_FIN
            return None
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
            self.snd_max = self.snd_nxt
        return self.iss

    def _do_snd_syn(self) -> None:
        iss = self._choose_iss()
        self._queue_and_emit(
            iss,
            "S",
            options=self.config.syn_options(),
            note="SYN: its initial sequence number (ISN), from the seeded generator here; the SYN "
            "uses up one number",
        )

    def _do_snd_syn_ack(self) -> None:
        if self.iss is None:
            note = "SYN-ACK: its own ISN; ACK = peer's ISN + 1, the peer's SYN arrived"
        else:
            note = "SYN-ACK: its SYN again (same ISN), now with ACK = peer's ISN + 1"
            self._marks.append("retransmission")  # the same sequence number once more
        iss = self._choose_iss()
        self.queue = [u for u in self.queue if "S" not in u.flags]  # the SYN-ACK replaces it
        self._queue_and_emit(iss, "SA", options=self.config.syn_options(), note=note)

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
        self._transmit()

    def _transmit(self) -> None:
        """Send what the windows allow: first segments to send again after a timeout (go-back-N
        from SND.NXT up to the highest sent), then new data, then a pending FIN.

        The limit is the smaller of the peer's window (flow control, RFC 9293 3.8.6) and the
        congestion window (RFC 5681 section 3.1); a segment must fit the cwnd whole.
        """
        while sg.seq_lt(self.snd_nxt, self.snd_max):
            entry = next((u for u in self.queue if u.seq == self.snd_nxt), None)
            if entry is None:
                self.snd_nxt = self.snd_max
                break
            if self.sack_ok and sack.covered(self.scoreboard, entry.seq, entry.end):
                self.snd_nxt = entry.end  # the peer holds it (its SACK said so): skip it
                continue
            size = max(1, len(entry.payload))
            if self.in_flight + size > self.cc.cwnd:
                return
            entry.retransmitted += 1
            entry.sent_at = self._now
            self._emit(
                entry.flags,
                seq=entry.seq,
                payload=entry.payload,
                note="sent again after the timeout (go-back-N): the ACK moved past the "
                "retransmitted segment but not past this one",
                retransmission=True,
            )
            self.snd_nxt = entry.end
        mss = self.smss
        while self.outbox:
            room = usable_window(self.snd_una, self.snd_wnd, self.snd_nxt)
            size = min(mss, len(self.outbox), room)
            if size <= 0:
                break  # the peer's window is full; the rest waits for an ACK
            if self.in_flight + size > self.cc.cwnd:
                break  # the congestion window is full: wait for an ACK
            chunk = bytes(self.outbox[:size])
            del self.outbox[:size]
            last = not self.outbox
            flags = "PA" if last else "A"
            note = f"{size} bytes of data: seq advances by {size}"
            if last:
                note += "; PSH: pass them to the program now"
            if size == room and self.snd_wnd:
                self._marks.append("window-full")
                note += f"; this fills the {self.snd_wnd}-byte window the receiver offered"
            self._queue_and_emit(self.snd_nxt, flags, payload=chunk, note=note)
            self.snd_nxt = sg.seq_add(self.snd_nxt, size)
            self.snd_max = self.snd_nxt
        if self.outbox and self.snd_wnd == 0 and not self.queue:
            if Input.PERSIST not in self.timers:
                wait = persist_interval(self.rto, self.probes, self.config.max_rto)
                self.timers[Input.PERSIST] = self._now + wait
        elif self.fin_pending and not self.outbox:
            self.fin_pending = False
            self._send_fin()

    def _do_snd_fin(self) -> None:
        if self.outbox:
            self.fin_pending = True  # RFC 9293 3.10.4: the FIN follows the queued data
            return
        self._send_fin()

    def _send_fin(self) -> None:
        self.fin_seq = self.snd_nxt
        self._queue_and_emit(
            self.snd_nxt, "FA", note="FIN: no more data from this side; the FIN uses one number"
        )
        self.snd_nxt = sg.seq_add(self.snd_nxt, 1)
        self.snd_max = self.snd_nxt

    def _do_probe(self) -> None:
        """The persist timer ran out while the window is zero: one byte of new data as a
        probe (RFC 9293 3.8.6.1; RFC 1122 4.2.2.17). It is not queued: if the window is still
        closed the receiver drops it and answers with an ACK that shows the window."""
        if not self.outbox:
            return
        if self.snd_wnd > 0:
            self._transmit()
            return
        self.probes += 1
        wait = persist_interval(self.rto, self.probes, self.config.max_rto)
        self._marks.append("zero-window-probe")
        self._emit(
            "A",
            seq=self.snd_nxt,
            payload=bytes(self.outbox[:1]),
            note=f"zero-window probe {self.probes}: one byte of new data, to learn whether the "
            f"window opened; the next probe waits {wait:g} s",
        )
        self.timers[Input.PERSIST] = self._now + wait

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
        """Process the ACK field (RFC 9293 3.10.7.4 fifth step): RTT per RFC 6298, the
        congestion window and duplicate ACKs per RFC 5681, SACK blocks per RFC 2018."""
        seg = self._seg
        if seg is None or "A" not in seg.flags:
            return
        if self.sack_ok:
            blocks = sack.blocks_of(seg.options)
            if blocks:
                self.scoreboard = sack.merge(self.scoreboard + blocks)
        top = self.snd_max if self.snd_max else self.snd_nxt
        if self.probes and self.outbox and seg.ack == sg.seq_add(top, 1):
            # The window had opened: the receiver took the probe's byte. It counts as sent.
            del self.outbox[:1]
            self.snd_nxt = self.snd_max = top = seg.ack
        if sg.seq_lt(self.snd_una, seg.ack) and sg.seq_le(seg.ack, top):
            self._new_ack(seg)
        elif self._is_dupack(seg):
            self._dupack(seg)
        if sg.seq_le(self.snd_una, seg.ack):
            if seg.window and not self.snd_wnd:
                self.probes = 0
                self.timers.pop(Input.PERSIST, None)
            self.snd_wnd = seg.window
        if self.state in SYNCHRONIZED and (
            self.outbox or self.fin_pending or sg.seq_lt(self.snd_nxt, self.snd_max)
        ):
            self._transmit()

    def _new_ack(self, seg: sg.Parsed) -> None:
        acked = [u for u in self.queue if sg.seq_le(u.end, seg.ack)]
        if acked and not any(u.retransmitted for u in acked):
            self._rtt_sample(self._now - acked[0].sent_at)  # Karn: never from a resend
        data_acked = any(u.payload or "F" in u.flags for u in acked)
        self.queue = [u for u in self.queue if not sg.seq_le(u.end, seg.ack)]
        n = (seg.ack - self.snd_una) % 2**32
        self.snd_una = seg.ack
        if sg.seq_lt(self.snd_nxt, self.snd_una):
            self.snd_nxt = self.snd_una
        self.scoreboard = [b for b in self.scoreboard if sg.seq_lt(self.snd_una, b[1])]
        if data_acked:
            self.cc.on_new_ack(n)
            self._rexmit_in_recovery.clear()
        if self.queue:
            self.timers[Input.RTO] = self._now + self.rto  # RFC 6298 section 5.3
        else:
            self.timers.pop(Input.RTO, None)  # RFC 6298 section 5.2

    def _is_dupack(self, seg: sg.Parsed) -> bool:
        """RFC 5681 section 2: data outstanding, no data, no SYN or FIN, ACK = SND.UNA and the
        same window as before."""
        return (
            bool(self.queue)
            and self.flight_size > 0
            and not seg.payload
            and not ("S" in seg.flags or "F" in seg.flags)
            and seg.ack == self.snd_una
            and seg.window == self.snd_wnd
            and self.state in SYNCHRONIZED
        )

    def _dupack(self, seg: sg.Parsed) -> None:
        what = self.cc.on_dupack(self.flight_size, self.snd_max)
        if what == "fast retransmit":
            first = self.queue[0]
            first.retransmitted += 1
            self._rexmit_in_recovery = {first.seq}
            self._marks += ["retransmission", "fast-retransmission"]
            self._emit(
                first.flags,
                seq=first.seq,
                payload=first.payload,
                note=f"fast retransmit: the third duplicate ACK (RFC 5681 3.2); ssthresh = "
                f"max(FlightSize/2, 2*SMSS) = {self.cc.ssthresh}, cwnd = ssthresh + 3*SMSS "
                f"= {self.cc.cwnd}",
                retransmission=True,
            )
            self.timers[Input.RTO] = self._now + self.rto
        elif what == "inflate" and self.sack_ok and self.scoreboard:
            # The SACK blocks show another hole below the highest block: fill it now.
            high = self.scoreboard[-1][1]
            for u in self.queue:
                if not sg.seq_lt(u.seq, high) or u.seq in self._rexmit_in_recovery:
                    continue
                if sack.covered(self.scoreboard, u.seq, u.end):
                    continue
                u.retransmitted += 1
                self._rexmit_in_recovery.add(u.seq)
                self._emit(
                    u.flags,
                    seq=u.seq,
                    payload=u.payload,
                    note="a second hole, seen in the SACK blocks: sent again without waiting",
                    retransmission=True,
                )
                break

    def _do_deliver(self) -> None:
        """Take the segment's data, then acknowledge it: at once or after a short delay.

        Out-of-order data is held and answered at once with a duplicate ACK (RFC 5681 4.2),
        with SACK blocks when both sides allow them (RFC 2018); a segment that fills a hole is
        acknowledged at once too.
        """
        seg = self._seg
        if seg is None or not seg.payload:
            return
        start, payload = seg.seq, seg.payload
        if sg.seq_lt(start, self.rcv_nxt):
            skip = (self.rcv_nxt - start) % 2**32
            start, payload = self.rcv_nxt, payload[skip:]
        if start != self.rcv_nxt:
            self.received.hold(start, payload)
            self._emit(
                "A",
                note="duplicate ACK: a later segment came first; ACK = the byte "
                "still missing" + ("; SACK names what did arrive" if self.sack_ok else ""),
            )
            return
        filled = bool(self.received.held)
        self.unread += payload
        self.rcv_nxt = sg.seq_add(self.rcv_nxt, len(payload))
        if filled:
            more, self.rcv_nxt = self.received.take(self.rcv_nxt)
            self.unread += more
        if self.config.reads_at_once and not self.reads_paused:
            self.delivered += self.unread
            self.unread.clear()
        self.unacked_segments += 1
        # RFC 9293 3.8.6.3: ACK at least every second full-sized segment, and within 0.5 s.
        # PSH says the sender has nothing more for now: no reason to wait.
        if filled:
            self._emit(
                "A",
                note="the missing segment arrived: one ACK now covers it and "
                "everything held behind it",
            )
        elif not self.config.delayed_acks or "P" in seg.flags or self.unacked_segments >= 2:
            self._do_snd_ack()
        elif Input.DELAYED_ACK not in self.timers:
            self.timers[Input.DELAYED_ACK] = self._now + self.config.delayed_ack

    def _do_retransmit(self) -> None:
        """The RTO expired: send the oldest unacknowledged segment again, RTO x 2 (RFC 6298
        5.4-5.6); for data also cwnd = 1 segment and ssthresh halved (RFC 5681 3.1)."""
        if not self.queue:
            return
        first = self.queue[0]
        first.retransmitted += 1
        waited = self.rto
        self.timer.backoff()
        if "S" in first.flags:
            self.syn_timed_out = True
        else:
            self.cc.on_timeout(self.flight_size)
            self.snd_nxt = first.end  # go-back-N: the rest follows as ACKs allow
        what = "SYN-ACK" if first.flags == "SA" else "SYN" if "S" in first.flags else "segment"
        note = (
            f"retransmission {first.retransmitted}: no answer within the RTO of {waited:g} s, "
            f"so the same {what} again; the RTO doubles to {self.rto:g} s"
        )
        if "S" not in first.flags:
            note += f"; cwnd = 1 segment, ssthresh = {self.cc.ssthresh}"
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
        offered = False
        for name, value in seg.options:
            if name == "MSS":
                self.peer_mss = int(value)
            if name == "SAckOK":
                offered = True
        self.sack_ok = offered and self.config.sack  # RFC 2018 section 2: both must offer
        self.cc.smss = self.smss
        if not self.cc.iw_segments:
            from netlearn.lessons.tcp.congestion import initial_window

            self.cc.cwnd = initial_window(self.smss)

    def _take_fin(self, seg: sg.Parsed) -> None:
        """Data before the FIN, then the FIN itself, which uses one sequence number."""
        if seg.payload:
            self.unread += seg.payload
        self.rcv_nxt = sg.seq_add(seg.seq, len(seg.payload) + 1)
        # The FIN takes a sequence number but no buffer space, and nothing can follow it, so
        # there is no silly window to avoid: offer the free space again.
        self.rcv_edge = None

    def _established(self) -> None:
        if self.outbox:
            self._transmit()  # SENDs queued before the connection was open
        if self.syn_timed_out:
            # RFC 6298 section 5.7: the SYN timed out with an RTO under 3 s, so the RTO is
            # set to 3 s when data transmission begins (no RTT sample came: Karn's rule).
            self.rto = 3.0

    def _rtt_sample(self, r: float) -> None:
        """RFC 6298 sections 2.2 to 2.4: smoothed RTT, its variation, and the RTO."""
        self.rtt_samples.append(r)
        self.timer.sample(r)

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
        marks = self._marks
        self._marks = []
        if "A" in flags and "S" not in flags:
            # Every segment that carries an ACK acknowledges all received so far.
            self.unacked_segments = 0
            self.timers.pop(Input.DELAYED_ACK, None)
        window = self.rcv_wnd
        self.rcv_edge = sg.seq_add(self.rcv_nxt, window)
        if self.sack_ok and "A" in flags and "S" not in flags and not options:
            options = sack.option(self.received.blocks())
        if window == 0 and not any(c in flags for c in "SFR"):
            marks.append("zero-window")
        if flags == "A" and not payload:
            key = (self.rcv_nxt, window)
            if self._last_ack is not None and key == self._last_ack and window:
                if "dup-ack" not in marks:
                    marks.append("dup-ack")
            elif self._last_ack is not None and self._last_ack[0] == self.rcv_nxt and window:
                marks.append("window-update")
            self._last_ack = key
        elif "A" in flags and "S" not in flags:
            self._last_ack = (self.rcv_nxt, window)
        if retransmission and "retransmission" not in marks:
            marks.insert(0, "retransmission")
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
        self._out.append(Sent(raw, note, retransmission, tuple(dict.fromkeys(marks))))
