"""The annotated ladder of one captured connection: what each segment is, in a newcomer's words.

The same telling serves the live demo, the bundled replay and `--read FILE --stream N`: every
segment becomes the simulator's `Segment` event (with a short note), its state changes follow,
and the first time something happens (the SYN, the agreement on options, the first data, the
first FIN...) a `Note` explains it with the numbers of this very capture.
"""

from __future__ import annotations

from netlearn.content.words import items, say, table
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
    segment = "SYN-ACK" if pkt.flags & ACK else "SYN"
    return Table(
        title=say("capture.story.options.title", side=side, segment=segment),
        columns=tuple(items("capture.story.options.columns")),
        rows=tuple(rows),
        caption=say("capture.story.options.caption", size=size, options=len(pkt.options)),
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
            return tag + say("capture.story.short.refused")
        if "RST" in what:
            return tag + say("capture.story.short.reset")
        if "SYN" in what:
            again = say("capture.story.short.again") if "retransmission" in what else ""
            return tag + say("capture.story.short.syn", again=again, isn=pkt.seq)
        if "SYN-ACK" in what:
            return tag + say("capture.story.short.synack", isn=pkt.seq)
        if "handshake-ack" in what and not pkt.payload_len:
            rtt = conn.irtt
            took = say("capture.story.short.took", time=duration(rtt)) if rtt is not None else ""
            return tag + say("capture.story.short.established", took=took)
        parts = []
        if pkt.payload_len:
            shown = _show_bytes(pkt.payload, 16)
            parts.append(say("capture.story.short.data", n=pkt.payload_len, shown=shown))
        if "FIN" in what:
            parts.append(say("capture.story.short.fin"))
        if not parts and pkt.flags & ACK:
            rel = self.tracker.rel(conn, obs.dst, pkt.ack)
            parts.append(say("capture.story.short.ack", ack=rel))
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
            out.append(Note(text=say("capture.story.notes.refused", server=conn.endpoint(SERVER))))
        elif "RST" in what and self._once("rst"):
            out.append(Note(text=say("capture.story.notes.reset", src=src, peer=other(src))))
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
            rel = self.tracker.rel(conn, src, pkt.seq)
            text = say("capture.story.notes.first-fin", src=src, peer=other(src), rel=rel)
            out.append(Note(text=text))
        elif "FIN" in what and "first-fin" not in what and self._once("fin2"):
            acked = (
                say(
                    "capture.story.notes.second-fin-acks",
                    peer=other(src),
                    ack=self.tracker.rel(conn, other(src), pkt.ack),
                )
                if "ack-of-fin" in what
                else ""
            )
            text = say("capture.story.notes.second-fin", src=src, peer=other(src), acked=acked)
            out.append(Note(text=text))
        return out

    def _syn(self, conn: Conn, pkt: TcpPacket) -> list[Event]:
        opts = decode(pkt.options, syn=True)
        self.syn_options[CLIENT] = opts
        text = say(
            "capture.story.notes.syn",
            client=conn.endpoint(CLIENT),
            server=conn.endpoint(SERVER),
            isn=pkt.seq,
            window=pkt.window,
            options=say("capture.story.notes.syn-options") if opts else "",
        )
        return [Note(text=text)]

    def _synack(self, conn: Conn, pkt: TcpPacket) -> list[Event]:
        opts = decode(pkt.options, syn=True, has_ack=True)
        self.syn_options[SERVER] = opts
        isn_c = conn.isn[CLIENT]
        ack_line = (
            say("capture.story.notes.synack-ack", ack=pkt.ack, isn=isn_c)
            if isn_c is not None
            else say("capture.story.notes.synack-ack-only", ack=pkt.ack)
        )
        text = say("capture.story.notes.synack", isn=pkt.seq, ack_line=ack_line)
        events: list[Event] = [Note(text=text)]
        events.append(self.agreement())
        return events

    def agreement(self) -> Table:
        c = self.syn_options.get(CLIENT, [])
        s = self.syn_options.get(SERVER, [])

        def find(opts: list[TcpOption], kind: int) -> TcpOption | None:
            return next((o for o in opts if o.kind == kind), None)

        words = table("capture.story.agreement")
        rows = []
        mss_c, mss_s = find(c, 2), find(s, 2)
        default = words["mss-default"]
        result = say(
            "capture.story.agreement.mss-result",
            to_client=mss_c.value.split()[0] if mss_c else default,
            to_server=mss_s.value.split()[0] if mss_s else default,
        )
        rows.append((words["mss"], result, words["mss-rule"]))
        ws_c, ws_s = window_scale(c), window_scale(s)
        if ws_c is not None and ws_s is not None:
            ws = say("capture.story.agreement.window-scale-on", client=1 << ws_c, server=1 << ws_s)
        else:
            ws = words["window-scale-off"]
        rows.append((words["window-scale"], ws, words["window-scale-rule"]))
        to_client, to_server = find(c, 4) is not None, find(s, 4) is not None
        sack = {
            (True, True): "sack-both",
            (True, False): "sack-server",
            (False, True): "sack-client",
            (False, False): "sack-none",
        }[(to_client, to_server)]
        rows.append((words["sack"], words[sack], words["sack-rule"]))
        ts = "timestamps-on" if find(c, 8) and find(s, 8) else "timestamps-off"
        rows.append((words["timestamps"], words[ts], words["timestamps-rule"]))
        return Table(
            title=words["title"],
            columns=tuple(items("capture.story.agreement.columns")),
            rows=tuple(rows),
        )

    def _established(self, conn: Conn) -> Note:
        rtt = conn.irtt
        took = (
            say("capture.story.notes.established-took", time=duration(rtt))
            if rtt is not None
            else ""
        )
        return Note(text=say("capture.story.notes.established", took=took))

    def _data(self, obs: Observation) -> Note:
        pkt, conn, src = obs.pkt, obs.conn, obs.src
        rel = self.tracker.rel(conn, src, pkt.seq)
        last = rel + pkt.payload_len - 1
        psh = say("capture.story.notes.data-psh") if pkt.flags & 0x08 else ""
        text = say(
            "capture.story.notes.data",
            src=src,
            n=pkt.payload_len,
            shown=_show_bytes(pkt.payload, 40),
            rel=rel,
            last=last,
            first_abs=pkt.seq,
            last_abs=(pkt.seq + pkt.payload_len - 1) % (1 << 32),
            psh=psh,
        )
        return Note(text=text)

    def _ack(self, obs: Observation) -> Note:
        pkt, conn, src = obs.pkt, obs.conn, obs.src
        rel = self.tracker.rel(conn, obs.dst, pkt.ack)
        shift = window_scale(self.syn_options.get(src, []))
        both = all(window_scale(self.syn_options.get(s, [])) is not None for s in (CLIENT, SERVER))
        if shift is not None and both:
            window = say(
                "capture.story.notes.ack-window-scaled",
                window=pkt.window,
                src=src,
                shift=shift,
                unit=1 << shift,
                bytes=pkt.window << shift,
            )
        else:
            window = say("capture.story.notes.ack-window", window=pkt.window)
        return Note(text=say("capture.story.notes.ack", rel=rel, src=src, window=window))

    # ------------------------------------------------------------------ after the close

    def time_wait(
        self, conn: Conn, entries: list[SockEntry], recorded: str | None = None
    ) -> list[Event]:
        """The kernel's socket table for the connection, and what TIME-WAIT is for."""
        ends = {conn.endpoint(CLIENT): CLIENT, conn.endpoint(SERVER): SERVER}
        mine = [e for e in entries if e.local_text() in ends and e.remote_text() in ends]
        source = (
            say("capture.story.time-wait.recorded", when=recorded)
            if recorded
            else say("capture.story.time-wait.now")
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
                title=say("capture.story.time-wait.title", source=source),
                columns=tuple(items("capture.story.time-wait.columns")),
                rows=rows or (("-", "-", "-", say("capture.story.time-wait.no-socket"), "-"),),
                caption=say("capture.story.time-wait.caption"),
            )
        ]
        first = conn.first_fin
        waiting = [e for e in mine if e.state == "TIME-WAIT"]
        if first and waiting:
            entry = waiting[0]
            left = (
                f"{entry.timer_left:.0f}"
                if entry.timer_left is not None
                else say("capture.story.time-wait.some")
            )
            now = (
                say("capture.story.time-wait.was-waiting", left=left)
                if recorded
                else say("capture.story.time-wait.is-waiting", left=left)
            )
            side = ends[entry.local_text()]
            out.append(
                Note(
                    text=say("capture.story.time-wait.why", side=side, now=now, peer=other(side)),
                    tone="rfc",
                )
            )
        elif first:
            out.append(Note(text=say("capture.story.time-wait.gone", side=first)))
        return out
