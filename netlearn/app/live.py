"""`LiveScreen`: a live demo (WebSocket, Socket.IO) in the full-screen player.

The producer (a generator of events that yields a `Progress` as each part begins) runs in a
worker thread (`netlearn.runner.gate.Feeder`) and posts each event here. Narration (titles,
notes, tables) goes to one pane, the wire (frames, packets, segments) to another; both scroll on
their own. Heartbeats and long-poll requests fold into one updating line (`live_fold`), which
`e` expands. Enter runs the next part; q or Ctrl-C stop at once: the worker closes the producer,
which closes its servers and sockets.

Each event is drawn with the existing Rich drawing (`draw_rich`) at the pane's width and kept,
so a resize redraws everything at the new width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from io import StringIO

from rich.console import Console
from rich.text import Text
from textual import events as tevents
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import RichLog, Static

from netlearn.app.live_fold import Folder, is_narration
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Progress
from netlearn.runner.gate import Feeder

WIDE = 110  # from this many columns the narration sits beside the wire, else above it

CSS = """
LiveScreen #live-body { layout: vertical; height: 1fr; }
LiveScreen #live-body.wide { layout: horizontal; }
LiveScreen #narration { height: 2fr; border-bottom: solid $primary-darken-2; }
LiveScreen #live-body.wide #narration { height: 1fr; width: 2fr; border-bottom: none;
    border-right: solid $primary-darken-2; }
LiveScreen #wire-col { height: 3fr; }
LiveScreen #live-body.wide #wire-col { height: 1fr; width: 3fr; }
LiveScreen #wire { height: 1fr; }
LiveScreen #fold { height: auto; max-height: 2; color: $text-muted; padding: 0 1; }
LiveScreen RichLog { scrollbar-size-vertical: 1; background: $background; }
LiveScreen #live-head { dock: top; height: 1; padding: 0 1; text-style: bold;
    background: $primary-background; }
LiveScreen #live-status { dock: bottom; height: 1; padding: 0 1; color: $text-muted; }
LiveScreen.present RichLog { padding: 1 2; }
"""


class LiveEvent(Message):
    """An event from the producer (posted from the worker thread)."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class LiveWaiting(Message):
    """The worker holds the next part until Enter."""

    def __init__(self, progress: Progress) -> None:
        super().__init__()
        self.progress = progress


class LiveDone(Message):
    """The producer ended (or failed, or was stopped)."""

    def __init__(self, error: BaseException | None) -> None:
        super().__init__()
        self.error = error


def no_color() -> bool:
    return os.environ.get("NO_COLOR", "") != ""


def draw_text(event: Event, env: Env, console: Console) -> Text:
    """What `draw_rich` prints for `event` on `console`, as one Text (styles kept)."""
    from netlearn.render.registry import draw_rich

    with console.capture() as cap:
        draw_rich(event, env, console)
    out = cap.get()
    if out.endswith("\n"):
        out = out[:-1]
    return Text.from_ansi(out, no_wrap=True, overflow="crop")


class Pane:
    """One pane's drawing state: its own console and environment (a ladder lives in the env)."""

    def __init__(self, width: int) -> None:
        self.width = max(20, width)
        self.env = Env.build("rich", stdout=StringIO(), animate=False, width=self.width)
        self.console = Console(
            file=StringIO(),
            width=self.width,
            force_terminal=True,
            color_system="truecolor",
            no_color=no_color(),
            highlight=False,
            emoji=False,
            legacy_windows=False,
        )

    def draw(self, event: Event) -> Text:
        return draw_text(event, self.env, self.console)


class LiveScreen(Screen[None]):
    """A live demo: narration beside (or above) the wire, one part per Enter."""

    CSS = CSS
    BINDINGS = [
        Binding("enter,space,right", "next", "next part"),
        Binding("q,escape", "stop", "stop"),
        Binding("e", "expand", "heartbeats"),
    ]

    def __init__(
        self,
        events: Iterator[Event],
        *,
        title: str,
        noun: str = "step",
        auto: bool = False,
        stopped: str | None = None,
    ) -> None:
        super().__init__()
        self.demo_title = title
        self.noun = noun
        self.stopped_text = stopped if stopped is not None else say("core.app.live.stopped")
        self.items: list[tuple[Event, str]] = []  # (event, "shown" | "folded" | "reshown")
        self.folder = Folder()
        self.expanded = False
        self.waiting: Progress | None = None
        self.current: Progress | None = None
        self.done = False
        self.error: BaseException | None = None
        self._part_top = 0  # the narration line where the current part begins
        self._narr: Pane | None = None
        self._wire: Pane | None = None
        self.feeder = Feeder(
            events,
            on_event=lambda e: self.post_message(LiveEvent(e)),
            on_wait=lambda p: self.post_message(LiveWaiting(p)),
            on_done=lambda err: self.post_message(LiveDone(err)),
            auto=auto,
        )

    # ------------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static(self.demo_title, id="live-head")
        with Container(id="live-body"):
            yield RichLog(id="narration", wrap=False, auto_scroll=False, min_width=20)
            with Vertical(id="wire-col"):
                yield RichLog(id="wire", wrap=False, auto_scroll=True, min_width=20)
                yield Static("", id="fold")
        yield Static(say("core.app.live.starting"), id="live-status")

    def on_mount(self) -> None:
        self._arrange(self.size.width)
        self.query_one("#narration", RichLog).focus()  # ↑↓ scroll the text; Tab: the wire
        self.feeder.start()

    def on_unmount(self) -> None:
        self.feeder.stop()

    def on_resize(self, event: tevents.Resize) -> None:
        self._arrange(event.size.width)
        self.call_after_refresh(self._redraw)

    def _arrange(self, width: int) -> None:
        self.query_one("#live-body").set_class(width >= WIDE, "wide")

    def _widths(self) -> tuple[int, int]:
        narr, wire = self.query_one("#narration", RichLog), self.query_one("#wire", RichLog)
        return (narr.scrollable_content_region.width - 1, wire.scrollable_content_region.width - 1)

    def _panes(self) -> tuple[Pane, Pane] | None:
        nw, ww = self._widths()
        if nw < 10 or ww < 10:
            return None
        if self._narr is None or self._narr.width != max(20, nw):
            self._narr = Pane(nw)
        if self._wire is None or self._wire.width != max(20, ww):
            self._wire = Pane(ww)
        return self._narr, self._wire

    def _redraw(self) -> None:
        """Draw every kept event again at the panes' current widths (after a resize)."""
        self._narr = self._wire = None
        panes = self._panes()
        if panes is None:
            return
        narr, wire = self.query_one("#narration", RichLog), self.query_one("#wire", RichLog)
        narr.clear()
        wire.clear()
        for event, state in self.items:
            if self._visible(state):
                self._draw(event)
        self._show_part()
        wire.scroll_end(animate=False)
        self._update_lines()

    def _show_part(self) -> None:
        """Scroll the narration to the start of the current part (once its lines are laid out)."""
        narr = self.query_one("#narration", RichLog)
        self.call_after_refresh(narr.scroll_to, y=self._part_top, animate=False)

    def _visible(self, state: str) -> bool:
        return state == "shown" or state == ("folded" if self.expanded else "reshown")

    def _draw(self, event: Event) -> bool:
        """Draw one event in its pane; True when it went to the narration."""
        panes = self._panes()
        if panes is None:
            return False
        narr_pane, wire_pane = panes
        narr, wire = self.query_one("#narration", RichLog), self.query_one("#wire", RichLog)
        if isinstance(event, Progress):
            self._part_top = len(narr.lines)
            narr.write(narr_pane.draw(event), scroll_end=False)
            wire.write(wire_pane.draw(event))
            return True
        if is_narration(event):
            narr.write(narr_pane.draw(event), scroll_end=False)
            return True
        wire.write(wire_pane.draw(event))
        return False

    # ------------------------------------------------------------------ the producer's messages

    def on_live_event(self, message: LiveEvent) -> None:
        event = message.event
        if isinstance(event, Progress):
            self.current = event
            self.waiting = None
        drawn = self.folder.take(event)
        if not drawn:
            self.items.append((event, "folded"))
            if self.expanded:
                self._draw(event)
        for item in drawn:
            state = "reshown" if item is not event else "shown"
            self.items.append((item, state))
            if self._visible(state) and self._draw(item):
                self._show_part()
        self._update_lines()

    def on_live_waiting(self, message: LiveWaiting) -> None:
        self.waiting = message.progress
        self._update_lines()

    def on_live_done(self, message: LiveDone) -> None:
        self.done = True
        self.error = message.error
        if message.error is not None and not isinstance(message.error, GeneratorExit):
            self.app.exit(1)
            return
        self._update_lines()

    # ------------------------------------------------------------------ keys

    def action_next(self) -> None:
        if self.done:
            self.app.exit(0)
        elif self.waiting is not None:
            self.waiting = None
            self.feeder.release()
            self._update_lines()

    def action_stop(self) -> None:
        self.feeder.stop()
        if not self.done:
            self._farewell(self.stopped_text)
        self.app.exit(0)

    def action_expand(self) -> None:
        self.expanded = not self.expanded
        self._redraw()

    def _farewell(self, text: str) -> None:
        if hasattr(self.app, "farewell"):
            self.app.farewell = text  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ status lines

    def _update_lines(self) -> None:
        part = self.current
        head = self.demo_title
        if part is not None:
            head += say(
                "core.app.live.part",
                noun=self.noun,
                n=part.index + 1,
                total=part.total,
                title=part.title,
            )
        self.query_one("#live-head", Static).update(Text(head, no_wrap=True, overflow="ellipsis"))
        self.query_one("#fold", Static).update(Text(self.folder.line(self.expanded)))
        if self.waiting is not None:
            nxt = self.waiting
            status = say(
                "core.app.live.next",
                noun=self.noun,
                n=nxt.index + 1,
                total=nxt.total,
                title=nxt.title,
            )
        elif self.done:
            status = say("core.app.live.the-end")
        else:
            status = say("core.app.live.running")
        self.query_one("#live-status", Static).update(
            Text(status, no_wrap=True, overflow="ellipsis")
        )


def run_live(
    env: Env,
    events: Iterator[Event],
    *,
    title: str,
    noun: str = "step",
    auto: bool = False,
    present: bool = False,
    stopped: str | None = None,
) -> None:
    """Run a live demo full-screen until the learner leaves; raise what the producer raised.

    After the app has gone (q, Ctrl-C, the end), the worker is asked to stop and given a moment
    to close the producer; a producer stuck in a wait ends with the process (its threads are
    daemons and the kernel frees its ports)."""
    from netlearn.app.shell import run_app

    screen = LiveScreen(events, title=title, noun=noun, auto=auto, stopped=stopped)
    if present:
        screen.add_class("present")
    try:
        code = run_app(env, screen)
    finally:
        screen.feeder.stop()
        screen.feeder.join(0.4)
    error = screen.feeder.error
    if error is not None and not isinstance(error, GeneratorExit | KeyboardInterrupt):
        raise error
    if code == 130:
        raise KeyboardInterrupt
