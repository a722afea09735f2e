"""The receiving half of the TCP machine: what an arriving segment is, and what its ACK says.

`Receiving` is mixed into `netlearn.lessons.tcp.protocol.Endpoint`. It classifies a segment into
one of the table's inputs after RFC 9293 section 3.10.7's checks (acceptable sequence number,
RST, SYN, ACK, FIN), and carries out the two actions every arriving segment gets: processing its
ACK field (RTT per RFC 6298, the congestion window and duplicate ACKs per RFC 5681, SACK per RFC
2018) and taking its data.
"""

from __future__ import annotations

from dataclasses import replace

from netlearn.lessons.tcp import sack
from netlearn.lessons.tcp.why import Why
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_states import SYNCHRONIZED, State
from netlearn.packets.tcp_table import Input


class Receiving:
    """Classification and the ACK and data actions: a mixin of `protocol.Endpoint`, whose
    state (the TCB) and `_emit` it uses."""

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
                why = Why.UNACCEPTABLE
                if self.rcv_wnd == 0 and seg.seq == self.rcv_nxt and len(seg.payload) == 1:
                    self._marks.append("zero-window-probe-ack")
                    why = Why.PROBE_REFUSED
                elif seg.payload and sg.seq_le(sg.seq_add(seg.seq, seg.seg_len), self.rcv_nxt):
                    why = Why.DUPLICATE_DATA
                self._emit("A", why=why)
            return None
        if "R" in f:
            return Input.RCV_RST
        if "S" in f:
            self._seg = seg
            self._emit("A", why=Why.CHALLENGE_ACK)
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
                why=Why.FAST_RETRANSMIT,
                args=(("ssthresh", self.cc.ssthresh), ("cwnd", self.cc.cwnd)),
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
                    why=Why.SACK_HOLE,
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
            self._emit("A", why=Why.DUP_ACK_SACK if self.sack_ok else Why.DUP_ACK)
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
            self._emit("A", why=Why.HOLE_FILLED)
        elif not self.config.delayed_acks or "P" in seg.flags or self.unacked_segments >= 2:
            self._do_snd_ack()
        elif Input.DELAYED_ACK not in self.timers:
            self.timers[Input.DELAYED_ACK] = self._now + self.config.delayed_ack
