"""The annotated ladder of one captured connection: what each segment is, in a newcomer's words.

The same telling serves the live demo, the bundled replay and `--read FILE --stream N`: every
segment becomes the simulator's `Segment` event (with a short note), its state changes follow,
and the first time something happens (the SYN, the agreement on options, the first data, the
first FIN...) a `Note` explains it with the numbers of this very capture.
"""

from __future__ import annotations

from netlearn.events import Event, Note, Table
from netlearn.lessons.capture.socktable import SockEntry
from netlearn.packets.capture_options import TcpOption, decode, window_scale
from netlearn.packets.headers import ACK, TcpPacket
from netlearn.packets.tracker import CLIENT, SERVER, Conn, Observation, Tracker, other


def duration(seconds: float) -> str:
    """A short time, in the unit that reads best: 38 µs, 1.25 ms, 2.004 s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def _show_bytes(data: bytes, limit: int = 24) -> str:
    text = repr(data[:limit])[1:]
    return text + (" ..." if len(data) > limit else "")


def options_table(side: str, pkt: TcpPacket) -> Table:
    """Every option of a SYN, byte by byte, read from the packet."""
    opts = decode(pkt.options, syn=True, has_ack=bool(pkt.flags & ACK))
    rows = []
    for opt in opts:
        start = 20 + opt.offset
        where = f"{start}" if len(opt.raw) == 1 else f"{start}-{start + len(opt.raw) - 1}"
        value = f" {opt.value}" if opt.value else ""
        rows.append((where, opt.raw.hex(" "), f"{opt.name}{value}: {opt_meaning(opt)}"))
    size = 20 + len(pkt.options)
    return Table(
        title=f"The options in the {side}'s {'SYN-ACK' if pkt.flags & ACK else 'SYN'}, read "
        "from its header",
        columns=("bytes", "hex", "option, value: what it means"),
        rows=tuple(rows),
        caption=f"The header is {size} bytes: 20 fixed, {len(pkt.options)} of options "
        "(kind, length, value; RFC 9293 section 3.1). No-operation bytes pad the options to "
        "4-byte boundaries.",
    )


def peers(client: str = "", server: str = "") -> list[Event]:
    """The ladder's two columns, client left and server right (when the TCP lesson is here)."""
    try:
        from netlearn.events import Peers
    except ImportError:
        return []
    return [Peers(left=CLIENT, right=SERVER, left_addr=client, right_addr=server)]


def opt_meaning(opt: TcpOption) -> str:
    return f"{opt.meaning} ({opt.rfc})" if opt.rfc and opt.rfc != "-" else opt.meaning


class Story:
    """Turns observations of one connection into the events of an annotated ladder."""

    def __init__(self, tracker: Tracker, *, explain: bool = True, number: bool = True) -> None:
        self.tracker = tracker
        self.explain = explain
        self.number = number
        self.told: set[str] = set()
        self.syn_options: dict[str, list[TcpOption]] = {}
        self.told_peers = False

    # ------------------------------------------------------------------ per segment

    def short_note(self, obs: Observation) -> str:
        """A few words beside the arrow."""
        pkt, conn, what = obs.pkt, obs.conn, obs.events
        tag = f"#{pkt.number} " if self.number and pkt.number else ""
        if "refused" in what:
            return tag + "RST: nobody listens on this port"
        if "RST" in what:
            return tag + "RST: connection reset"
        if "SYN" in what:
            again = " (again)" if "retransmission" in what else ""
            return tag + f"SYN{again}: the client's ISN is {pkt.seq}"
        if "SYN-ACK" in what:
            return tag + f"SYN-ACK: the server's ISN is {pkt.seq}"
        if "handshake-ack" in what and not pkt.payload_len:
            rtt = conn.irtt
            return tag + "handshake complete" + (f" ({duration(rtt)})" if rtt is not None else "")
        parts = []
        if pkt.payload_len:
            parts.append(f"{pkt.payload_len} bytes {_show_bytes(pkt.payload, 16)}")
        if "FIN" in what:
            parts.append("FIN: no more data from me")
        if not parts and pkt.flags & ACK:
            rel = self.tracker.rel(conn, obs.dst, pkt.ack)
            parts.append(f"ACK: next byte I expect is {rel}")
        return tag + "; ".join(parts)

    def events(self, obs: Observation) -> list[Event]:
        """The segment's events, then what it teaches (the first time)."""
        out: list[Event] = []
        if obs.new_conn and not self.told_peers:
            self.told_peers = True
            out.extend(peers(obs.conn.endpoint(CLIENT), obs.conn.endpoint(SERVER)))
        out.extend(self.tracker.events(obs, self.short_note(obs)))
        if self.explain:
            out.extend(self._explain(obs))
        return out

    def _once(self, key: str) -> bool:
        if key in self.told:
            return False
        self.told.add(key)
        return True

    def _explain(self, obs: Observation) -> list[Event]:
        pkt, conn, what, src = obs.pkt, obs.conn, obs.events, obs.src
        out: list[Event] = []
        if "refused" in what and self._once("refused"):
            out.append(
                Note(
                    text=f"Nobody was listening on {conn.endpoint(SERVER)}, so the kernel "
                    "answered the SYN with a reset (RST): a SYN that matches no connection "
                    "is rejected this way (RFC 9293 section 3.5.2). The program sees "
                    "'connection refused'."
                )
            )
        elif "RST" in what and self._once("rst"):
            out.append(
                Note(
                    text=f"The {src} sent a reset (RST): it abandons the connection at once, "
                    "without the FIN exchange, and data still in flight is lost. The "
                    f"{other(src)} goes to CLOSED on receiving it (RFC 9293 section 3.5.3)."
                )
            )
        if "SYN" in what and "retransmission" not in what and self._once("syn"):
            out.extend(self._syn(conn, pkt))
        if "SYN-ACK" in what and self._once("synack"):
            out.extend(self._synack(conn, pkt))
        if "handshake-ack" in what and self._once("established"):
            out.append(self._established(conn))
        if pkt.payload_len and self._once(f"data-{src}"):
            out.append(self._data(obs))
        elif (
            not pkt.payload_len
            and "ack" in what
            and conn.data_bytes[obs.dst]
            and self._once(f"ack-{src}")
        ):
            out.append(self._ack(obs))
        if "first-fin" in what and self._once("fin1"):
            out.append(
                Note(
                    text=f"The {src} closes first: its program called close(), so its kernel "
                    'sends a **FIN**, "I have no more data to send". A FIN, like a SYN, uses '
                    f"one sequence number (relative {self.tracker.rel(conn, src, pkt.seq)} "
                    f"here). The {src} goes to FIN-WAIT-1; the {other(src)}, on receiving it, "
                    "to CLOSE-WAIT: it may still send until its own program closes "
                    "(RFC 9293 section 3.6)."
                )
            )
        elif "FIN" in what and "first-fin" not in what and self._once("fin2"):
            acked = "ack-of-fin" in what
            out.append(
                Note(
                    text=f"Now the {src} closes too: its FIN"
                    + (
                        f" also acknowledges the {other(src)}'s FIN (ack "
                        f"{self.tracker.rel(conn, other(src), pkt.ack)}), so one segment "
                        "does two jobs"
                        if acked
                        else ""
                    )
                    + f". The {src} waits in LAST-ACK for the ACK of its FIN; the "
                    f"{other(src)}, having closed first, will end in TIME-WAIT "
                    "(RFC 9293 section 3.6, Figure 12)."
                )
            )
        return out

    def _syn(self, conn: Conn, pkt: TcpPacket) -> list[Event]:
        opts = decode(pkt.options, syn=True)
        self.syn_options[CLIENT] = opts
        events: list[Event] = [
            Note(
                text=f"**SYN**: the client ({conn.endpoint(CLIENT)}) asks the server "
                f"({conn.endpoint(SERVER)}) to open a connection. Its sequence number, "
                f"**{pkt.seq}**, is the client's *initial sequence number* (ISN). RFC 9293 "
                "section 3.4.1 has the kernel compute it as a clock that ticks every 4 "
                "microseconds plus a keyed hash of the two addresses and ports (RFC 6528): the "
                "clock keeps the numbers of successive connections between the same ports "
                "apart, and the secret key stops an attacker who cannot see the packets from "
                "guessing it: it looks random, but it is computed. Relative to the ISN it is 0; "
                "the SYN itself uses up that one number, so the first byte of data will be "
                f"number 1. The window field, {pkt.window}, is how many bytes the client can "
                "receive right now (never scaled in a SYN, RFC 7323 section 2.2)."
                + (
                    " Its options, on the arrow's second line, are read together with the "
                    "server's in the table after the SYN-ACK."
                    if opts
                    else ""
                )
            )
        ]
        return events

    def _synack(self, conn: Conn, pkt: TcpPacket) -> list[Event]:
        opts = decode(pkt.options, syn=True, has_ack=True)
        self.syn_options[SERVER] = opts
        isn_c = conn.isn[CLIENT]
        ack_line = (
            f"Its acknowledgement number, {pkt.ack}, is the client's ISN {isn_c} + 1: the next "
            "sequence number the server expects, since the SYN used one up."
            if isn_c is not None
            else f"Its acknowledgement number is {pkt.ack}."
        )
        events: list[Event] = [
            Note(
                text=f"**SYN-ACK**: the server agrees. It sends its own SYN, with its own ISN "
                f"**{pkt.seq}**, computed the same way (relative 0 again: each direction counts "
                f"its own bytes), and the ACK of the client's SYN in the same segment. "
                f"{ack_line}"
            )
        ]
        events.append(self.agreement())
        return events

    def agreement(self) -> Table:
        c = self.syn_options.get(CLIENT, [])
        s = self.syn_options.get(SERVER, [])

        def find(opts: list[TcpOption], kind: int) -> TcpOption | None:
            return next((o for o in opts if o.kind == kind), None)

        rows = []
        mss_c, mss_s = find(c, 2), find(s, 2)
        rows.append(
            (
                "MSS",
                f"server sends at most {mss_c.value.split()[0] if mss_c else '536 (default)'} "
                f"data bytes per segment, client at most "
                f"{mss_s.value.split()[0] if mss_s else '536 (default)'}",
                "each side announces what it can receive; without the option 536 is assumed "
                "for IPv4 (RFC 9293 section 3.7.1)",
            )
        )
        ws_c, ws_s = window_scale(c), window_scale(s)
        if ws_c is not None and ws_s is not None:
            ws = (
                f"in use: the client's window fields count in units of {1 << ws_c} bytes, the "
                f"server's in units of {1 << ws_s}"
            )
        else:
            ws = "not in use: a window field is a plain byte count (at most 65535)"
        rows.append(("Window scale", ws, "only if both SYNs carry it (RFC 7323 section 2.2)"))
        to_client, to_server = find(c, 4) is not None, find(s, 4) is not None
        sack = {
            (True, True): "permitted both ways",
            (True, False): "only the server may send SACK blocks (to the client)",
            (False, True): "only the client may send SACK blocks (to the server)",
            (False, False): "not used",
        }[(to_client, to_server)]
        rows.append(
            (
                "SACK",
                sack,
                "a side sends SACK blocks only to a peer whose SYN said 'SACK permitted' "
                "(RFC 2018 section 2)",
            )
        )
        ts = "on: every later segment carries them" if find(c, 8) and find(s, 8) else "off"
        rows.append(("Timestamps", ts, "only if both SYNs carry them (RFC 7323 section 3.2)"))
        return Table(
            title="The options the two SYNs agreed on, read from both",
            columns=("option", "result", "rule"),
            rows=tuple(rows),
        )

    def _established(self, conn: Conn) -> Note:
        rtt = conn.irtt
        took = (
            f" From the SYN to this ACK took **{duration(rtt)}**: the connection's initial "
            "round-trip time (Wireshark calls it iRTT). On loopback nothing crosses a cable; "
            "this is the time the kernel needs to hand packets to itself."
            if rtt is not None
            else ""
        )
        return Note(
            text="**ACK**: the client acknowledges the server's SYN (ack relative 1). Three "
            "segments, SYN, SYN-ACK, ACK: the three-way handshake is complete and both sides "
            f"are ESTABLISHED (RFC 9293 section 3.5).{took}"
        )

    def _data(self, obs: Observation) -> Note:
        pkt, conn, src = obs.pkt, obs.conn, obs.src
        rel = self.tracker.rel(conn, src, pkt.seq)
        last = rel + pkt.payload_len - 1
        psh = (
            " The P flag (PSH) asks the receiver to pass the data to its program now "
            "(RFC 9293 section 3.9.1)."
            if pkt.flags & 0x08
            else ""
        )
        return Note(
            text=f"**Data**: the {src} sends {pkt.payload_len} bytes, "
            f"`{_show_bytes(pkt.payload, 40)}`. Its sequence number, relative {rel}, is the "
            f"number of the first of them; they are bytes {rel} to {last} of the {src}'s "
            f"stream (absolute {pkt.seq} to {(pkt.seq + pkt.payload_len - 1) % (1 << 32)})." + psh
        )

    def _ack(self, obs: Observation) -> Note:
        pkt, conn, src = obs.pkt, obs.conn, obs.src
        rel = self.tracker.rel(conn, obs.dst, pkt.ack)
        shift = window_scale(self.syn_options.get(src, []))
        both = all(window_scale(self.syn_options.get(s, [])) is not None for s in (CLIENT, SERVER))
        if shift is not None and both:
            window = (
                f" The window field says {pkt.window}; with the {src}'s window scale of "
                f"{shift} that is {pkt.window} x {1 << shift} = {pkt.window << shift} bytes of "
                "free receive buffer (RFC 7323 section 2.3)."
            )
        else:
            window = f" The window field says {pkt.window} bytes of free receive buffer."
        return Note(
            text=f"**ACK** {rel}: the {src} has received every byte before number {rel} and "
            "expects that one next; one number acknowledges everything before it "
            f"(cumulative acknowledgement, RFC 9293 section 3.4).{window}"
        )

    # ------------------------------------------------------------------ after the close

    def time_wait(
        self, conn: Conn, entries: list[SockEntry], recorded: str | None = None
    ) -> list[Event]:
        """The kernel's socket table for the connection, and what TIME-WAIT is for."""
        ends = {conn.endpoint(CLIENT): CLIENT, conn.endpoint(SERVER): SERVER}
        mine = [e for e in entries if e.local_text() in ends and e.remote_text() in ends]
        source = (
            f"as recorded right after the close ({recorded})"
            if recorded
            else "read now from /proc/net/tcp"
        )
        rows = tuple(
            (
                ends[e.local_text()],
                e.local_text(),
                e.remote_text(),
                e.state,
                f"{e.timer_left:.1f} s" if e.timer_left is not None else "-",
            )
            for e in mine
        )
        out: list[Event] = [
            Table(
                title=f"The kernel's TCP socket table for this connection, {source}",
                columns=("side", "local address", "remote address", "state", "timer"),
                rows=rows or (("-", "-", "-", "no socket left", "-"),),
                caption="The same table `ss -tan` prints. A socket that closed normally "
                "after the other side's FIN is gone.",
            )
        ]
        first = conn.first_fin
        waiting = [e for e in mine if e.state == "TIME-WAIT"]
        if first and waiting:
            entry = waiting[0]
            left = f"{entry.timer_left:.0f}" if entry.timer_left is not None else "some"
            now = (
                f"was still in **TIME-WAIT** then, with {left} seconds to go"
                if recorded
                else f"is still in **TIME-WAIT**, for {left} more seconds"
            )
            out.append(
                Note(
                    text=f"The {ends[entry.local_text()]}, which closed first, {now}. "
                    "A side that closes actively must "
                    "linger there for twice the Maximum Segment Lifetime (2 x MSL, RFC 9293 "
                    "section 3.6.1; the MSL is the longest a segment may wander in the "
                    "network): if its last ACK was lost, the other side's FIN comes again and "
                    "can still be answered, and stray old segments of this connection die out "
                    "before a new one between the same two addresses and ports could take "
                    "them for its own (a new SYN with a higher sequence number may still "
                    "reopen the pair early, section 3.6.1). RFC 9293 takes the MSL to be 2 "
                    "minutes (section 3.4.2), which "
                    "makes 4; Linux waits 60 seconds in all (its TCP_TIMEWAIT_LEN), as the "
                    f"timer column shows. The {other(ends[entry.local_text()])} went from "
                    "LAST-ACK to "
                    "CLOSED as soon as that ACK arrived, and has no socket left.",
                    tone="rfc",
                )
            )
        elif first:
            out.append(
                Note(
                    text=f"The {first} closed first, so its end should be in TIME-WAIT, but "
                    "the table no longer shows it: the wait had ended, or the socket table "
                    "was read in another network namespace."
                )
            )
        return out
