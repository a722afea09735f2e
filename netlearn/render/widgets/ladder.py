"""The ladder (sequence) diagram of a TCP connection: two lifelines, one arrow per segment.

It is drawn from events alone (`Peers`, `Segment`, `StateChange`), never from the simulator, so
a captured connection draws exactly like a simulated one. `LadderState` turns one event at a
time into lines (a live stream animates row by row); `Ladder` draws a whole list of events.

     time              client                                      server
                  192.0.2.10:37170                            198.51.100.20:80
       0.000s             │                 passive OPEN / create TCB │ LISTEN
       0.000s     SYN-SENT│ active OPEN / create TCB, snd SYN         │
                          │                [SYN] seq=0                │
       0.000s             ├─── win=64240 len=0 MSS=1460 SACK_PERM ────▶

Numbers are relative (counted from each side's first sequence number, as Wireshark shows them)
unless `absolute` is set.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.content.words import say
from netlearn.events import Event, Segment, StateChange
from netlearn.packets.tcp import flag_names

FLAG_STYLE = {
    "SYN": "bold green",
    "ACK": "bold blue",
    "FIN": "bold yellow",
    "RST": "bold red",
    "PSH": "bold magenta",
}
STATE_STYLE = {
    "CLOSED": "dim",
    "LISTEN": "blue",
    "SYN-SENT": "yellow",
    "SYN-RECEIVED": "yellow",
    "ESTABLISHED": "bold green",
    "TIME-WAIT": "cyan",
}
OPTION_NAMES = {"SAckOK": "SACK_PERM", "WScale": "WS", "Timestamp": "TS", "SAck": "SACK"}


def option_text(options: Iterable[tuple[str, str]]) -> str:
    """Options as Wireshark lists them: "MSS=1460 SACK_PERM" (padding NOPs left out)."""
    parts = []
    for name, value in options:
        if name in ("NOP", "EOL"):
            continue
        label = OPTION_NAMES.get(name, name)
        parts.append(f"{label}={value}" if value else label)
    return " ".join(parts)


def seg_len(seg: Segment) -> int:
    """Sequence space the segment uses: its data, plus one for SYN and one for FIN."""
    return seg.payload_len + ("S" in seg.flags) + ("F" in seg.flags)


def numbers_text(seg: Segment, absolute: bool) -> str:
    """'seq=0 ack=1' in the chosen numbering (no ack when the ACK bit is off)."""
    seq = seg.seq if absolute else seg.rel_seq
    text = f"seq={seq}"
    if "A" in seg.flags:
        text += f" ack={seg.ack if absolute else seg.rel_ack}"
    return text


@dataclass(frozen=True)
class Layout:
    """Where the columns go at a given width."""

    width: int

    @property
    def time_w(self) -> int:
        return 9 if self.width >= 64 else 0

    @property
    def state_w(self) -> int:
        return 13

    @property
    def left(self) -> int:
        """Column of the left lifeline."""
        return self.time_w + self.state_w

    @property
    def right(self) -> int:
        """Column of the right lifeline."""
        return self.width - self.state_w - 1

    @property
    def mid(self) -> int:
        """Characters between the two lifelines."""
        return self.right - self.left - 1


class LadderState:
    """What a ladder remembers between events: its columns, each side's state, the numbering.

    `feed(event, width)` returns the lines that event adds, with a header first when a new
    ladder starts (a `Peers` event, or a segment between two sides not on the current one).
    """

    def __init__(self, absolute: bool = False) -> None:
        self.absolute = absolute
        self.plain_count = 0  # segments written so far as plain lines ("#3 ...")
        self.left: str | None = None
        self.right: str | None = None
        self.left_addr = ""
        self.right_addr = ""
        self.states: dict[str, str] = {}
        self._seen: set[tuple[str, int, str, int]] = set()

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Event, width: int) -> list[Text]:
        from netlearn.events import Peers

        lay = Layout(max(40, min(width, 100)))
        if isinstance(event, Peers):
            self.absolute = event.numbers == "absolute"
            self._start(event.left, event.right, event.left_addr, event.right_addr)
            return self.header(lay)
        if isinstance(event, StateChange):
            self.states[event.side] = event.new
            if event.side not in (self.left, self.right):
                cause = f"  ({event.cause})" if event.cause else ""
                return [Text(f"{event.side}: {event.old} → {event.new}{cause}")]
            return [self.state_line(event, lay)]
        if isinstance(event, Segment):
            out: list[Text] = []
            if {event.src, event.dst} != {self.left, self.right}:
                src_ip, dst_ip = _addresses(event.raw)
                self._start(
                    event.src,
                    event.dst,
                    f"{src_ip}:{event.sport}" if src_ip else "",
                    f"{dst_ip}:{event.dport}" if dst_ip else "",
                )
                out += self.header(lay)
            out += self.segment_lines(event, lay)
            if seg_len(event) > 0:
                self._seen.add(_key(event))
            return out
        return []

    def _start(self, left: str, right: str, left_addr: str, right_addr: str) -> None:
        self.left, self.right = left, right
        self.left_addr, self.right_addr = left_addr, right_addr
        self._seen.clear()

    # ------------------------------------------------------------------ drawing

    def header(self, lay: Layout) -> list[Text]:
        names = Row(lay.width)
        if lay.time_w:
            names.put(1, say("core.render.tcp.time"), "dim")
        names.center(lay.left, self.left or "", "bold")
        names.center(lay.right, self.right or "", "bold")
        lines = [names.text()]
        if self.left_addr or self.right_addr:
            addrs = Row(lay.width)
            addrs.center(lay.left, self.left_addr, "dim")
            addrs.center(lay.right, self.right_addr, "dim")
            lines.append(addrs.text())
        known = [s for s in (self.left, self.right) if s in self.states]
        if known:
            row = self._blank(lay)
            for side in known:
                self._put_state(row, lay, side, self.states[side])
            lines.append(row.text())
        return lines

    def state_line(self, event: StateChange, lay: Layout) -> Text:
        row = self._blank(lay, t=event.t)
        self._put_state(row, lay, event.side, event.new)
        cause = _fit(event.cause, lay.mid - 2)
        if event.side == self.left:
            row.put(lay.left + 2, cause, "dim")
        else:
            row.put(lay.right - 1 - len(cause), cause, "dim")
        return row.text()

    def segment_lines(self, seg: Segment, lay: Layout, progress: float = 1.0) -> list[Text]:
        """The label line, the arrow line (drawn `progress` of the way) and the note lines."""
        rightward = seg.src == self.left
        resent = seg_len(seg) > 0 and _key(seg) in self._seen

        parts: list[tuple[str, str]] = [("[", "")]
        for i, name in enumerate(flag_names(seg.flags)):
            if i:
                parts.append((", ", ""))
            parts.append((name, FLAG_STYLE.get(name, "bold")))
        parts.append(("] " + numbers_text(seg, self.absolute), ""))
        if resent:
            parts.append(("  " + say("core.render.tcp.retransmission"), "bold red"))
        width = sum(len(p) for p, _ in parts)
        top = self._blank(lay)
        col = lay.left + 1 + max(0, (lay.mid - width) // 2)
        for piece, style in parts:
            piece = _fit(piece, lay.right - 1 - col)
            top.put(col, piece, style)
            col += len(piece)

        sub = f"win={seg.window} len={seg.payload_len}"
        opts = option_text(seg.options)
        if opts and len(sub) + len(opts) + 1 <= lay.mid - 8:
            sub += " " + opts
        line = self._blank(lay, t=seg.t)
        self._arrow(line, lay, rightward, sub, seg.lost, progress)
        lines = [top.text(), line.text()]
        if seg.note and progress >= 1.0:
            for chunk in textwrap.wrap(seg.note, width=max(10, lay.mid - 2)):
                row = self._blank(lay)
                row.put(lay.left + 2, chunk, "dim italic")
                lines.append(row.text())
        return lines

    def _arrow(
        self, row: Row, lay: Layout, rightward: bool, sub: str, lost: bool, progress: float
    ) -> None:
        """Draw the arrow from lifeline to lifeline over `row`, `sub` written into its shaft."""
        span = lay.mid + 2
        full = int(span * 0.6) if lost else span
        if lost:
            sub = sub.split(" ")[0] + " " + sub.split(" ")[1] if " " in sub else sub
        shaft = ["─"] * span
        if len(sub) + 8 <= full:
            at = (full - len(sub)) // 2 + (0 if rightward else span - full)
            shaft[at - 1 : at + len(sub) + 1] = [" ", *sub, " "]
        reach = max(2, round(full * max(0.0, min(progress, 1.0))))
        done = progress >= 1.0
        style = "red" if lost else ("cyan" if rightward else "yellow")
        drawn = shaft[:reach] if rightward else shaft[span - reach :]
        if rightward:
            drawn[0] = "├"
            drawn[-1] = "✕" if lost and done else "▶"
            row.put(lay.left, "".join(drawn), style)
            if lost and done:
                row.put(lay.left + reach + 1, say("core.render.tcp.arrow-lost"), "bold red")
        else:
            drawn[-1] = "┤"
            drawn[0] = "✕" if lost and done else "◀"
            row.put(lay.right + 1 - reach, "".join(drawn), style)
            if lost and done:
                lost_word = say("core.render.tcp.arrow-lost")
                row.put(lay.right - reach - 1 - len(lost_word), lost_word, "bold red")

    # ------------------------------------------------------------------ primitives

    def _blank(self, lay: Layout, t: float | None = None) -> Row:
        row = Row(lay.width)
        if t is not None and lay.time_w:
            row.put(0, f"{t:8.3f}s"[-lay.time_w :], "dim")
        row.put(lay.left, "│", "dim")
        row.put(lay.right, "│", "dim")
        return row

    def _put_state(self, row: Row, lay: Layout, side: str, state: str) -> None:
        style = STATE_STYLE.get(state, "magenta")
        name = _fit(state, lay.state_w - 1)
        if side == self.left:
            row.put(lay.left - len(name), name, style)
        else:
            row.put(lay.right + 2, name, style)


class Row:
    """A line of `width` cells, each a character and a style, written over like a canvas."""

    def __init__(self, width: int) -> None:
        self.chars = [" "] * width
        self.styles = [""] * width

    def put(self, col: int, text: str, style: str = "") -> None:
        for i, ch in enumerate(text):
            if 0 <= col + i < len(self.chars):
                self.chars[col + i] = ch
                self.styles[col + i] = style

    def center(self, col: int, text: str, style: str = "") -> None:
        start = max(0, min(col - len(text) // 2, len(self.chars) - len(text)))
        self.put(start, text, style)

    def text(self) -> Text:
        out = Text(no_wrap=True, overflow="crop")
        end = len(self.chars)
        while end and self.chars[end - 1] == " " and not self.styles[end - 1]:
            end -= 1
        i = 0
        while i < end:
            j = i
            while j < end and self.styles[j] == self.styles[i]:
                j += 1
            out.append("".join(self.chars[i:j]), style=self.styles[i] or None)
            i = j
        return out


def _addresses(raw: bytes) -> tuple[str, str]:
    """The source and destination addresses of an IPv4 or IPv6 packet's bytes ("" if none)."""
    import ipaddress

    if len(raw) >= 20 and raw[0] >> 4 == 4:
        return str(ipaddress.IPv4Address(raw[12:16])), str(ipaddress.IPv4Address(raw[16:20]))
    if len(raw) >= 40 and raw[0] >> 4 == 6:
        src, dst = ipaddress.IPv6Address(raw[8:24]), ipaddress.IPv6Address(raw[24:40])
        return f"[{src}]", f"[{dst}]"
    return "", ""


def _key(seg: Segment) -> tuple[str, int, str, int]:
    """Two segments with the same key are the same segment sent again."""
    return (seg.src, seg.seq, seg.flags, seg.payload_len)


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


class Ladder:
    """A whole connection as one diagram (for export, redraws and the interactive view)."""

    def __init__(self, events: Iterable[Event], absolute: bool | None = None) -> None:
        self.events = list(events)
        self.absolute = absolute

    def lines(self, width: int) -> list[Text]:
        from netlearn.events import Peers

        state = LadderState(absolute=bool(self.absolute))
        out: list[Text] = []
        for event in self.events:
            if isinstance(event, Peers) and self.absolute is not None:
                event = Peers(
                    left=event.left,
                    right=event.right,
                    left_addr=event.left_addr,
                    right_addr=event.right_addr,
                    numbers="absolute" if self.absolute else "relative",
                )
            out += state.feed(event, width)
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.lines(options.max_width)


if __name__ == "__main__":
    from netlearn.render.widgets.demo_events import open_and_close

    Console().print(Ladder(open_and_close()))
