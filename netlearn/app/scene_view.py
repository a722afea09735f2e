"""`SceneView`: a scene's events drawn one frame at a time inside their own scrolling region.

Every event is drawn with the renderers netlearn already has (`draw_rich`), on a console the width
of the region. A drawing's own animation beats (`env.pause` between a packet's field tables, after
each wrapped header, after each ladder row) cut it into frames; the view shows one more frame per
tick, so an encapsulation wraps header by header and a ladder grows segment by segment, for every
scene type, with no per-scene code. The view owns its state: the events, the frames drawn at the
current width, how many are shown, paused or not. A new width redraws every frame at once.

Idle costs nothing: a timer exists only while frames are waiting to be shown.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from io import StringIO
from typing import TYPE_CHECKING

from rich.console import Console, Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static

from netlearn.env import Env

if TYPE_CHECKING:
    from netlearn.events import Event

DEFAULT_BEAT = 0.5  # seconds after a frame that ends without a beat of its own


@dataclass
class _DrawEnv(Env):
    """An environment whose animation beats mark frame boundaries instead of sleeping."""

    marks: list[tuple[int, float]] = field(default_factory=list)

    def pause(self, seconds: float) -> None:
        out = self.stdout.getvalue()  # type: ignore[attr-defined]
        self.marks.append((len(out), seconds))


class Frames:
    """Draws events in order at one width, cutting each drawing into frames (stateful drawings
    such as a TCP ladder continue from one event to the next)."""

    def __init__(self, width: int) -> None:
        self.width = max(20, width)
        self.out = StringIO()
        self.env = _DrawEnv.build("rich", stdout=self.out, width=self.width, animate=False)
        self.env.color = not os.environ.get("NO_COLOR")
        self.console = Console(
            file=self.out,
            width=self.width,
            force_terminal=True,
            color_system="truecolor",
            highlight=False,
            emoji=False,
            legacy_windows=False,
        )

    def draw(self, event: Event) -> list[tuple[Text, float]]:
        """The frames of one event: (what appears, seconds to wait after it)."""
        from netlearn.render.registry import draw_rich

        start = len(self.out.getvalue())
        self.env.marks.clear()
        try:
            draw_rich(event, self.env, self.console)
        except Exception as exc:  # a drawing bug must not take the player down
            self.console.print(f"[red]could not draw {event.kind}: {exc}[/]")
        text = self.out.getvalue()
        cuts = [(pos, beat) for pos, beat in self.env.marks if pos > start]
        frames: list[tuple[Text, float]] = []
        for pos, beat in cuts:
            if pos > start:
                frames.append((_text(text[start:pos]), beat))
                start = pos
        if len(text) > start:
            frames.append((_text(text[start:]), DEFAULT_BEAT))
        return frames


def _text(ansi: str) -> Text:
    return Text.from_ansi(ansi.removesuffix("\n"), no_wrap=True, end="\n")


class SceneView(VerticalScroll):
    """A list of events, drawn and animated one frame per tick, with pause and replay."""

    DEFAULT_CSS = """
    SceneView {
        height: 1fr;
        padding: 0 0 0 1;
        scrollbar-gutter: stable;
        scrollbar-size-vertical: 1;
    }
    SceneView > Static {
        width: auto;
    }
    """

    class Finished(Message):
        """The last frame is shown and the producer has nothing more to give."""

    def __init__(
        self,
        events: list[Event] | None = None,
        *,
        speed: float = 1.0,
        animate: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.can_focus = False
        self.events: list[Event] = list(events or ())
        self.speed = speed
        self.animate = animate
        self.paused = False
        self.complete = events is not None  # no more events will come
        self._frames: Frames | None = None
        self._drawn: list[tuple[Text, float]] = []
        self._per_event: list[int] = []  # frames of each drawn event
        self._shown = 0
        self._timer: Timer | None = None
        self._body = Static("", expand=False)
        self._said_finished = False

    def compose(self):  # type: ignore[no-untyped-def]
        yield self._body

    # ---------------------------------------------------------------- state

    @property
    def frame_count(self) -> int:
        return len(self._drawn)

    @property
    def shown(self) -> int:
        return self._shown

    @property
    def finished(self) -> bool:
        """Every event is in and every frame is shown."""
        return self.complete and self._shown >= len(self._drawn) and self._ready

    @property
    def _ready(self) -> bool:
        return self._frames is not None and len(self._per_event) == len(self.events)

    def plain(self) -> str:
        """What the view shows, as text (for tests and screen readers)."""
        return "\n".join(t.plain for t, _ in self._drawn[: self._shown])

    # ---------------------------------------------------------------- input

    def reset(self, events: list[Event] | None = None) -> None:
        """Start over with new events (a new step); None: a producer will `add` them."""
        self._stop_timer()
        self.events = list(events or ())
        self.complete = events is not None
        self.paused = False
        self._drawn, self._per_event, self._shown = [], [], 0
        self._said_finished = False
        if self._frames is not None:
            self._frames = Frames(self._frames.width)
        self._catch_up()

    def add(self, event: Event) -> None:
        """One more event from a running producer."""
        self.events.append(event)
        self._catch_up()

    def end(self) -> None:
        """The producer is done."""
        self.complete = True
        self._check_finished()

    def replay(self) -> None:
        """Play the scene again from its first frame, in place."""
        self._stop_timer()
        self.paused = False
        self._shown = 0
        self._said_finished = False
        self._refresh_body()
        self._schedule()

    def toggle_pause(self) -> bool:
        """Pause or resume the animation; True when now paused."""
        self.paused = not self.paused
        if self.paused:
            self._stop_timer()
        else:
            self._schedule()
        return self.paused

    def show_all(self) -> None:
        """Skip the animation: every frame drawn so far, at once."""
        self._stop_timer()
        self._shown = len(self._drawn)
        self._refresh_body()
        self._check_finished()

    # ---------------------------------------------------------------- drawing

    def _width(self) -> int:
        return max(20, self.scrollable_content_region.width)

    def on_resize(self) -> None:
        width = self._width()
        if self._frames is not None and self._frames.width == max(20, width):
            return
        # Redraw everything at the new width; keep the same events shown.
        shown_events = 0
        total = 0
        for count in self._per_event:
            if total + count > self._shown:
                break
            total += count
            shown_events += 1
        self._frames = Frames(width)
        self._drawn, self._per_event = [], []
        self._catch_up(quiet=True)
        self._shown = sum(self._per_event[:shown_events])
        if not self.animate:
            self._shown = len(self._drawn)
        self._refresh_body(follow=False)
        self._schedule()

    def _catch_up(self, quiet: bool = False) -> None:
        """Draw the events not drawn yet; show them at once when not animating."""
        if self._frames is None:
            return
        while len(self._per_event) < len(self.events):
            frames = self._frames.draw(self.events[len(self._per_event)])
            self._drawn.extend(frames)
            self._per_event.append(len(frames))
        if quiet:
            return
        if not self.animate:
            self._shown = len(self._drawn)
            self._refresh_body()
            self._check_finished()
        else:
            self._schedule()
            self._check_finished()

    def _schedule(self) -> None:
        if not self.animate:
            self._shown = len(self._drawn)
            self._check_finished()
            return
        if self.paused or self._timer is not None or self._shown >= len(self._drawn):
            self._check_finished()
            return
        delay = 0.0 if self._shown == 0 else self._drawn[self._shown - 1][1] / self.speed
        self._timer = self.set_timer(max(0.02, delay), self._tick)

    def _tick(self) -> None:
        self._timer = None
        if self.paused or self._shown >= len(self._drawn):
            return
        self._shown += 1
        self._refresh_body()
        self._schedule()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _check_finished(self) -> None:
        if self.finished and not self._said_finished:
            self._said_finished = True
            self.post_message(self.Finished())

    def _refresh_body(self, follow: bool = True) -> None:
        texts = [t for t, _ in self._drawn[: self._shown]]
        self._body.update(Group(*texts))
        if not follow or not texts:
            return
        # Keep the newest frame in view: its top, when it is taller than the region.
        top = sum(len(t.plain.split("\n")) for t in texts[:-1])
        newest = len(texts[-1].plain.split("\n"))
        if newest > self.scrollable_content_region.height:
            self.call_after_refresh(self.scroll_to, y=top, animate=False)
        else:
            self.call_after_refresh(self.scroll_end, animate=False)


if __name__ == "__main__":  # a demo: the OSI encapsulation, animated
    from textual.app import App

    from netlearn.scenes import play

    class Demo(App[None]):
        BINDINGS = [("space", "pause", "pause"), ("r", "replay", "replay"), ("q", "quit")]

        def compose(self):  # type: ignore[no-untyped-def]
            env = Env.build("rich", stdout=StringIO(), animate=False)
            yield SceneView(list(play("osi.encapsulate", env, {"packet": "http"})))

        def action_pause(self) -> None:
            self.query_one(SceneView).toggle_pause()

        def action_replay(self) -> None:
            self.query_one(SceneView).replay()

    Demo().run()
