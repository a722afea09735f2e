"""The sending half of the TCP machine: the table's actions that put segments on the wire.

`Sending` is mixed into `netlearn.lessons.tcp.protocol.Endpoint`: SYN and SYN-ACK, ACKs, data
within the peer's window and the congestion window, FIN, resets, zero-window probes and
retransmissions on a timeout. Every segment carries a `Why` code, never a sentence.
"""

from __future__ import annotations

from netlearn.lessons.tcp import sack
from netlearn.lessons.tcp.flow import persist_interval, usable_window
from netlearn.lessons.tcp.outputs import Sent
from netlearn.lessons.tcp.why import Why
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_table import Input

# A data segment's reason: (is it the last of what the program wrote, does it fill the window).
DATA_WHY = {
    (False, False): Why.DATA,
    (True, False): Why.DATA_PSH,
    (False, True): Why.DATA_FILLS_WINDOW,
    (True, True): Why.DATA_PSH_FILLS_WINDOW,
}


class Sending:
    """The table's sending actions: a mixin of `protocol.Endpoint`, whose state (the TCB),
    `_emit` and `_queue_and_emit` it uses."""

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
            why=Why.SYN_ISN,
        )

    def _do_snd_syn_ack(self) -> None:
        if self.iss is None:
            why = Why.SYN_ACK
        else:
            why = Why.SYN_ACK_AGAIN
            self._marks.append("retransmission")  # the same sequence number once more
        iss = self._choose_iss()
        self.queue = [u for u in self.queue if "S" not in u.flags]  # the SYN-ACK replaces it
        self._queue_and_emit(iss, "SA", options=self.config.syn_options(), why=why)

    def _do_snd_ack(self) -> None:
        seg = self._seg
        if seg is not None and "F" in seg.flags:
            why = Why.ACK_OF_FIN
        elif seg is not None and "S" in seg.flags:
            why = Why.ACK_OF_SYN
        elif seg is not None and seg.payload and self.unacked_segments >= 2:
            why = Why.ACK_CUMULATIVE
        elif seg is not None and seg.payload:
            why = Why.ACK_DATA
        else:
            why = Why.DELAYED_ACK
        self._emit("A", why=why)

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
                why=Why.GO_BACK_N,
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
            fills = bool(size == room and self.snd_wnd)
            if fills:
                self._marks.append("window-full")
            self._queue_and_emit(
                self.snd_nxt,
                flags,
                payload=chunk,
                why=DATA_WHY[last, fills],
                args=(("size", size), ("window", self.snd_wnd)) if fills else (("size", size),),
            )
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
        self._queue_and_emit(self.snd_nxt, "FA", why=Why.FIN)
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
            why=Why.ZERO_WINDOW_PROBE,
            args=(("probe", self.probes), ("wait", wait)),
        )
        self.timers[Input.PERSIST] = self._now + wait

    def _do_snd_rst(self) -> None:
        assert self._seg is not None
        self._reset_for(self._seg)

    def _reset_for(self, seg: sg.Parsed) -> None:
        """A reset the sender of `seg` will accept (RFC 9293 sections 3.5.2 and 3.10.7.1)."""
        if "A" in seg.flags:
            seq, ack, flags, why = seg.ack, 0, "R", Why.RST_FOR_ACK
        else:
            seq, ack, flags = 0, sg.seq_add(seg.seq, seg.seg_len), "RA"
            why = Why.RST_NO_LISTENER
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
        self._out.append(Sent(raw, why))

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
        args: tuple[tuple[str, int | float], ...] = (
            ("copy", first.retransmitted),
            ("waited", waited),
            ("rto", self.rto),
        )
        if first.flags == "SA":
            why = Why.RTO_SYN_ACK
        elif "S" in first.flags:
            why = Why.RTO_SYN
        else:
            why, args = Why.RTO_DATA, (*args, ("ssthresh", self.cc.ssthresh))
        self._emit(
            first.flags,
            seq=first.seq,
            payload=first.payload,
            options=first.options,
            why=why,
            args=args,
            retransmission=True,
        )
        self.timers[Input.RTO] = self._now + self.rto

    def _do_start_time_wait(self) -> None:
        self.timers.clear()
        self.queue.clear()
        self.timers[Input.TIME_WAIT_TIMEOUT] = self._now + self.config.time_wait
