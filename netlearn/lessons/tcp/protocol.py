"""One TCP endpoint, sans-I/O: user calls and packet bytes in, packet bytes and state changes out.

Like h11 and wsproto, the endpoint never touches a socket or a clock of its own. The caller
passes the time with every call and gets back a list of outputs: `Sent` (the bytes of a real
IPv4/TCP packet, to be put on a wire, and a `Why` code saying why) and `Moved` (a state change).
Timers are deadlines the caller asks for with `next_timer()` and fires with `on_timer()`.

Which state follows which is not decided here: `netlearn.packets.tcp_table` holds every legal move
of RFC 9293 as a row. The endpoint classifies what happened into one of the table's inputs
(`receiving`), looks the row up and carries out the row's actions (`sending`, `receiving`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from netlearn.lessons.tcp import sack
from netlearn.lessons.tcp.congestion import Congestion
from netlearn.lessons.tcp.outputs import (
    Config,
    Moved,
    Output,
    ProtocolError,
    Sent,
    Unacked,
    reason_args,
)
from netlearn.lessons.tcp.receiving import Receiving
from netlearn.lessons.tcp.rto import RtoTimer
from netlearn.lessons.tcp.sending import Sending
from netlearn.lessons.tcp.why import Why
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_states import SYNCHRONIZED, State
from netlearn.packets.tcp_table import Act, Input, Transition, lookup

__all__ = [
    "Config",
    "Endpoint",
    "Moved",
    "Output",
    "ProtocolError",
    "Sent",
    "Why",
    "reason_args",
]


@dataclass
class Endpoint(Receiving, Sending):
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
        self.queue: list[Unacked] = []  # the retransmission queue
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
            raise ProtocolError(self.name, "send", self.state)
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
            self._emit("A", why=Why.WINDOW_UPDATE)
        return self._out

    def resume_reading(self, now: float) -> list[Output]:
        """The program, busy until now, reads what waits and from now on reads at once."""
        self.reads_paused = False
        return self.read(now)

    def close(self, now: float) -> list[Output]:
        """The program closes: it has no more to send (RFC 9293 section 3.10.4)."""
        if self.state is State.CLOSED:
            raise ProtocolError(self.name, "close", self.state)  # connection does not exist
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
        why: Why,
        args: tuple[tuple[str, int | float], ...] = (),
    ) -> None:
        self.queue.append(Unacked(seq, flags, payload, options, self._now))
        if Input.RTO not in self.timers:
            self.timers[Input.RTO] = self._now + self.rto  # RFC 6298 section 5.1
        self._emit(flags, seq=seq, payload=payload, options=options, why=why, args=args)

    def _emit(
        self,
        flags: str,
        *,
        seq: int | None = None,
        payload: bytes = b"",
        options: tuple[tuple[str, object], ...] = (),
        why: Why,
        args: tuple[tuple[str, int | float], ...] = (),
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
        self._out.append(Sent(raw, why, args, retransmission, tuple(dict.fromkeys(marks))))
