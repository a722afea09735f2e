"""The ladder (sequence) diagram of a TCP connection: two lifelines, one arrow per segment.

It is drawn from events alone (`Peers`, `Segment`, `StateChange`), never from the simulator, so
a captured connection draws exactly like a simulated one. `LadderState` turns one event at a
time into lines (a live stream animates row by row); `Ladder` draws a whole list of events.

    time          client                                     server
               192.0.2.10:37170                        198.51.100.20:80
                LISTEN│ passive OPEN / create TCB                 │
      0.000s  SYN-SENT│ active OPEN / create TCB, snd SYN         │
                      │           [SYN] seq=0                     │
      0.000s          ├────── win=64240 len=0 MSS=1460 ──────────▶│

Numbers are relative (counted from each side's first sequence number, as Wireshark shows them)
unless `absolute` is set.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.events import Event, Segment, StateChange

FLAG_LETTERS = "FSRPAUECN"
FLAG_NAMES = {
    "F": "FIN",
    "S": "SYN",
    "R": "RST",
    "P": "PSH",
    "A": "ACK",
    "U": "URG",
    "E": "ECE",
    "C": "CWR",
    "N": "AE",
}
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


def flag_names(flags: str) -> list[str]:
    """Scapy's flag letters ("SA") as Wireshark's names, lowest bit first: ["SYN", "ACK"]."""
    return [FLAG_NAMES[c] for c in FLAG_LETTERS if c in flags]


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
        self.left: str | None = None
        self.right: str | None = None
        self.left_addr = ""
        self.right_addr = ""
        self.states: dict[str, str] = {}
        self._seen: set[tuple[str, int, str, int]] = set()

    # ------------------------------------------------------------------ feeding

    def feed(self, event: Event, width: int) -> list[Text]:
        from netlearn.tcp.events import Peers

        lay = Layout(max(40, min(width, 100)))
        if isinstance(event, Peers):
            self.absolute = event.numbers == "absolute"
            self._start(event.left, event.right, event.left_addr, event.right_addr)
            return self.header(lay)
        if isinstance(event, StateChange):
            self.states[event.side] = event.new
            if event.side not in (self.left, self.right):
                return [Text(f"{event.side}: {event.old} → {event.new}  ({event.cause})")]
            return [self.state_line(event, lay)]
        if isinstance(event, Segment):
            out: list[Text] = []
            if {event.src, event.dst} != {self.left, self.right}:
                src_addr, dst_addr = "", ""
                self._start(event.src, event.dst, src_addr, dst_addr)
                out += self.header(lay)
            out += self.segment_lines(event, lay)
            return out
        return []

    def _start(self, left: str, right: str, left_addr: str, right_addr: str) -> None:
        self.left, self.right = left, right
        self.left_addr, self.right_addr = left_addr, right_addr
        self._seen.clear()

    # ------------------------------------------------------------------ drawing

    def header(self, lay: Layout) -> list[Text]:
        names = Text(" " * lay.width)
        self._center(names, lay.left, self.left or "", "bold")
        self._center(names, lay.right, self.right or "", "bold")
        if lay.time_w:
            names = Text.assemble(Text(" time", style="dim"), names[5:])
        lines = [names]
        if self.left_addr or self.right_addr:
            addrs = Text(" " * lay.width)
            self._center(addrs, lay.left, self.left_addr, "dim")
            self._center(addrs, lay.right, self.right_addr, "dim")
            lines.append(addrs)
        known = [s for s in (self.left, self.right) if s in self.states]
        if known:
            row = self._blank(lay)
            for side in known:
                self._put_state(row, lay, side, self.states[side])
            lines.append(row)
        return [line.copy() for line in lines]

    def state_line(self, event: StateChange, lay: Layout) -> Text:
        row = self._blank(lay, t=event.t)
        self._put_state(row, lay, event.side, event.new)
        cause = _fit(event.cause, lay.mid - 2)
        if event.side == self.left:
            self._put(row, lay.left + 2, cause, "dim")
        else:
            self._put(row, lay.right - 1 - len(cause), cause, "dim")
        return row

    def segment_lines(self, seg: Segment, lay: Layout, progress: float = 1.0) -> list[Text]:
        """The label line, the arrow line (drawn `progress` of the way) and the note lines."""
        rightward = seg.src == self.left
        key = (seg.src, seg.seq, seg.flags, seg.payload_len)
        resent = seg_len(seg) > 0 and key in self._seen
        if progress >= 1.0 and seg_len(seg) > 0:
            self._seen.add(key)

        label = Text()
        label.append("[")
        for i, name in enumerate(flag_names(seg.flags)):
            if i:
                label.append(", ")
            label.append(name, style=FLAG_STYLE.get(name, "bold"))
        label.append("] ")
        label.append(numbers_text(seg, self.absolute))
        if resent:
            label.append("  retransmission", style="bold red")
        if len(label) > lay.mid - 2:
            label.truncate(lay.mid - 2)
        top = self._blank(lay)
        start = lay.left + 1 + max(0, (lay.mid - len(label)) // 2)
        top = Text.assemble(top[:start], label, top[start + len(label) :])

        sub = f"win={seg.window} len={seg.payload_len}"
        opts = option_text(seg.options)
        if opts and len(sub) + len(opts) + 1 <= lay.mid - 8:
            sub += " " + opts
        arrow = self._arrow(lay, rightward, sub, seg.lost, progress)
        line = self._blank(lay, t=seg.t)
        line = Text.assemble(line[: lay.left], arrow, line[lay.right + 1 :])
        lines = [top, line]
        if seg.note and progress >= 1.0:
            for chunk in textwrap.wrap(seg.note, width=max(10, lay.mid - 2)):
                row = self._blank(lay)
                self._put(row, lay.left + 2, chunk, "dim italic")
                lines.append(row)
        return lines

    def _arrow(self, lay: Layout, rightward: bool, sub: str, lost: bool, progress: float) -> Text:
        """The arrow from lifeline to lifeline, inclusive, with `sub` written into its shaft."""
        span = lay.mid + 2
        style = "red" if lost else ("cyan" if rightward else "yellow")
        body = ["─"] * span
        if len(sub) + 4 <= span - 4:
            at = (span - len(sub)) // 2
            body[at - 1 : at + len(sub) + 1] = [" ", *sub, " "]
        if rightward:
            body[0], body[-1] = "├", "▶"
        else:
            body[0], body[-1] = "◀", "┤"
        reach = span if not lost else int(span * 0.6)
        reach = max(2, int(reach * max(0.0, min(progress, 1.0))))
        text = Text()
        if rightward:
            shown = body[:reach]
            if lost and progress >= 1.0:
                shown[-1] = "✕"
            elif reach < span:
                shown[-1] = "▶"
            text.append("".join(shown), style=style)
            pad = span - reach
            if lost and progress >= 1.0:
                tail = _fit(" lost", pad - 1)
                text.append(tail, style="bold red")
                pad -= len(tail)
            text.append(" " * max(0, pad - 1))
            text.append("│" if pad else "", style="dim")
        else:
            shown = body[span - reach :]
            if lost and progress >= 1.0:
                shown[0] = "✕"
            elif reach < span:
                shown[0] = "◀"
            pad = span - reach
            lead = Text("│" if pad else "", style="dim")
            if lost and progress >= 1.0:
                tail = _fit("lost ", pad - 1)
                lead.append(" " * max(0, pad - 1 - len(tail)))
                lead.append(tail, style="bold red")
            else:
                lead.append(" " * max(0, pad - 1))
            text = lead
            text.append("".join(shown), style=style)
        return text

    # ------------------------------------------------------------------ primitives

    def _blank(self, lay: Layout, t: float | None = None) -> Text:
        row = Text(" " * lay.width)
        if t is not None and lay.time_w:
            self._put(row, 0, f"{t:8.3f}s"[-lay.time_w :], "dim")
        self._put(row, lay.left, "│", "dim")
        self._put(row, lay.right, "│", "dim")
        return row

    def _put_state(self, row: Text, lay: Layout, side: str, state: str) -> None:
        style = STATE_STYLE.get(state, "magenta")
        name = _fit(state, lay.state_w - 1)
        if side == self.left:
            self._put(row, lay.left - len(name), name, style)
        else:
            self._put(row, lay.right + 1 + 1, name, style)

    @staticmethod
    def _put(row: Text, col: int, text: str, style: str = "") -> None:
        """Write `text` over `row` at `col` (the row keeps its length)."""
        if not text or col >= len(row):
            return
        text = text[: len(row) - col]
        new = Text.assemble(row[:col], Text(text, style=style), row[col + len(text) :])
        row.plain = new.plain
        row.spans[:] = new.spans

    @staticmethod
    def _center(row: Text, col: int, text: str, style: str) -> None:
        start = max(0, min(col - len(text) // 2, len(row) - len(text)))
        LadderState._put(row, start, text, style)


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
        from netlearn.tcp.events import Peers

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
    import random

    from netlearn.tcp.scenarios import close

    trace = close(random.Random(1))
    Console().print(Ladder(trace.events))
