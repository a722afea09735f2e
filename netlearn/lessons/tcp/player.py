"""Stepping through a scenario on a terminal, one segment per key press.

`View` and `press` are the sans-I/O part: which segment is shown, which numbering, which panel,
after which key. `Player` draws the view on the console and reads keys (from
`netlearn.runner.keys.raw_keys`); it is only used when a person sits at a terminal.

Keys: Enter/Space/→ next segment, b/← back, a absolute/relative numbers, f the segment's TCP
header fields, o the whole packet in the OSI inspector, q/Esc quit.

With an `inspect` function (`cli.app_inspector(env)` on a terminal), o leaves the ladder's key loop,
runs the interactive layer inspector (the full-screen app) on the segment under the cursor, and
comes back to the ladder when the learner leaves it; without one, o draws the printed inspector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note, Segment, Title

if TYPE_CHECKING:
    from rich.console import RenderableType

    from netlearn.events import PacketView
    from netlearn.lessons.tcp.demo import Trace

# Opens a packet in the interactive inspector; returns the app's exit code (130: Ctrl-C).
Inspect = Callable[["PacketView"], int]


@dataclass(frozen=True)
class View:
    """`shown` segments are on the ladder (0 = none yet; total + 1 = the end screen)."""

    shown: int
    total: int
    absolute: bool = False
    panel: str = "ladder"  # "ladder", "fields" or "osi"
    quit: bool = False
    drop: bool = False  # x: "what if this segment were lost?" (the player replays)

    @property
    def finished(self) -> bool:
        return self.shown > self.total


NEXT = {"\r", "\n", " ", "n", "\x1b[C", "\x1bOC"}
BACK = {"b", "p", "\x1b[D", "\x1bOD"}
QUIT = {"q", "Q", "\x1b", "\x03", "\x04"}


def press(view: View, key: str) -> View:
    """The view after one key press."""
    if key in QUIT:
        return replace(view, quit=True)
    if view.panel != "ladder":
        return replace(view, panel="ladder")  # any key closes a panel
    if key in NEXT:
        return replace(view, shown=view.shown + 1)
    if key in BACK:
        return replace(view, shown=max(0, view.shown - 1))
    if key in ("a", "A"):
        return replace(view, absolute=not view.absolute)
    if key in ("x", "X") and 1 <= view.shown <= view.total:
        return replace(view, drop=True)
    if key in ("f", "F", "o", "O") and 1 <= view.shown <= view.total:
        return replace(view, panel="fields" if key in ("f", "F") else "osi")
    return view


def revealed(events: list[Event], shown: int) -> list[Event]:
    """The events up to segment number `shown`, and what follows it before the next one."""
    count = 0
    for i, event in enumerate(events):
        if isinstance(event, Segment):
            count += 1
            if count > shown:
                return events[:i]
    return list(events)


class Player:
    def __init__(
        self,
        env: Env,
        trace: Trace,
        keys: Iterator[str],
        replay: Callable[[int], Trace] | None = None,
        inspect: Inspect | None = None,
    ) -> None:
        self.env = env
        self.trace = trace
        self.keys = keys
        self.segments = trace.segments()
        self.replay = replay  # runs the scenario again with segment n lost
        self.inspect = inspect  # o: the interactive inspector (else the printed one)

    def run(self, absolute: bool = False) -> View:
        view = View(shown=0, total=len(self.segments), absolute=absolute)
        while True:
            self.draw(view)
            try:
                key = next(self.keys)
            except StopIteration:
                return replace(view, quit=True)
            if view.finished and key not in BACK:
                return view  # the end screen: any key but "back" leaves
            view = press(view, key)
            if view.panel == "osi" and self.inspect is not None:
                from netlearn.lessons.tcp.inspect import segment_view

                code = self.inspect(segment_view(self.segments[view.shown - 1]))
                view = replace(view, panel="ladder", quit=code == 130)
            if view.drop:
                view = replace(view, drop=False)
                if self.replay is not None:
                    from netlearn.errors import NetlearnError

                    try:
                        self.trace = self.replay(view.shown)
                    except NetlearnError:
                        continue
                    self.segments = self.trace.segments()
                    view = replace(view, total=len(self.segments))
            if view.quit:
                stopped = say("tcp.player.stopped", shown=view.shown, total=view.total)
                self.env.console().print(f"[dim]{stopped}[/]", highlight=False)
                return view

    # ------------------------------------------------------------------ drawing

    def draw(self, view: View) -> None:
        console = self.env.console()
        console.clear()
        if view.panel == "fields":
            self._fields(view)
        elif view.panel == "osi":
            self._osi(view)
        else:
            self._ladder(view)

    def _title(self) -> str:
        for event in self.trace.events:
            if isinstance(event, Title):
                return event.text
        return self.trace.name

    def _ladder(self, view: View) -> None:
        from rich.console import Group
        from rich.markdown import Markdown
        from rich.rule import Rule
        from rich.text import Text

        from netlearn.render.widgets.ladder import Ladder

        console = self.env.console()
        width, height = console.width, console.height
        shown = revealed(self.trace.events, min(view.shown, view.total + 1))
        notes: list[RenderableType] = []
        if view.shown == 0:
            title = next((e for e in self.trace.events if isinstance(e, Title)), None)
            if title and title.subtitle:
                notes.append(Markdown(title.subtitle))
        elif view.finished:
            notes += [Markdown(e.text) for e in shown if isinstance(e, Note)]
        else:
            seg = self.segments[view.shown - 1]
            notes.append(self._bits(seg))
        numbering = say("tcp.player.absolute") if view.absolute else say("tcp.player.relative")
        if view.finished:
            status = say("tcp.player.the-end")
        else:
            status = say(
                "tcp.player.status",
                shown=view.shown,
                total=view.total,
                numbering=numbering,
                keys=say("tcp.player.keys"),
            )
        below = console.render_lines(Group(*notes), console.options.update(width=width))
        room = max(4, height - 2 - len(below) - 2)
        lines = Ladder(shown, absolute=view.absolute).lines(width)
        header = lines[:2]
        body = lines[2:]
        if len(header) + len(body) > room:
            body = body[-(room - len(header)) :]
        console.print(Rule(self._title(), style="bright_blue"))
        for line in [*header, *body]:
            console.print(line, overflow="crop", no_wrap=True)
        console.print(Group(*notes))
        console.print(Text(status, style="dim"), overflow="ellipsis", no_wrap=True)

    def _bits(self, seg: Segment) -> RenderableType:
        """The segment's control bits as they sit in the header, the set ones lit up (in
        brackets, `[SYN]`, without colour: NO_COLOR keeps which bits are set)."""
        from netlearn.packets.tcp import flag_names
        from netlearn.render.widgets.flag_strip import FlagStrip

        return FlagStrip(flag_names(seg.flags), tail=f"{len(seg.raw)} bytes")

    def _fields(self, view: View) -> None:
        from rich.text import Text

        from netlearn.lessons.tcp.inspect import segment_view
        from netlearn.render.widgets.field_table import FieldTable

        console = self.env.console()
        seg = self.segments[view.shown - 1]
        packet = segment_view(seg)
        console.print(Text(packet.label, style="bold"))
        console.print(self._bits(seg))
        for layer in packet.layers:
            if layer.name == "TCP":
                console.print(FieldTable(layer))
        console.print(Text(say("tcp.player.back"), style="dim"))

    def _osi(self, view: View) -> None:
        from rich.text import Text

        from netlearn.lessons.tcp.inspect import segment_view
        from netlearn.render.registry import draw_rich

        console = self.env.console()
        seg = self.segments[view.shown - 1]
        draw_rich(segment_view(seg), self.env, console)
        console.print(Text(say("tcp.player.back"), style="dim"))
