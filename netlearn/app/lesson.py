"""`LessonScreen`: a lesson step by step, the text in one pane and the scene in its own region.

The step header (step 3 of 14 · title) stays at the top and the keys at the foot. The text is a
Rich Markdown renderable that wraps at word boundaries and scrolls (up/down, PgUp/PgDn); the scene
is a `SceneView` that animates frame by frame. Below 120 columns they sit one above the other, from
120 side by side; a resize reflows both at once.

A step's scenes run in a worker thread, so a live scene (real sockets) posts its events as they
happen; leaving the step stops the worker and closes the generator (and its sockets). Progress is
saved only when `store` is given: the CLI gives it for a learner at a terminal.
"""

from __future__ import annotations

import contextlib
import dataclasses
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import RenderableType
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from netlearn.app.hint import HintPanel
from netlearn.app.scene_view import SceneView
from netlearn.content.lesson import LessonText, SceneRef
from netlearn.content.manifest import LessonInfo
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.progress.store import ProgressStore, StoreWriteError

if TYPE_CHECKING:
    from netlearn.events import Event

WIDE = 120  # columns from which text and scene sit side by side


def step_markdown(text: LessonText, index: int) -> str:
    """A step's prose, in order; where a scene sits between paragraphs, a pointer to it."""
    parts: list[str] = []
    for block in text.steps[index].blocks:
        if isinstance(block, SceneRef):
            if parts and not parts[-1].startswith("▶"):
                parts.append("▶ *The scene plays in its own panel.*")
        else:
            parts.append(block.markdown)
    while parts and parts[-1].startswith("▶"):
        parts.pop()
    return "\n\n".join(parts) or " "


class LessonScreen(Screen[None]):
    """One lesson, step by step, with the learner in control."""

    BINDINGS = [
        Binding("enter,right,n", "next", "next", priority=True),
        Binding("left,b,p", "back", "back", priority=True),
        Binding("space", "pause", "pause", priority=True),
        Binding("r", "replay", "replay"),
        Binding("h,question_mark", "hint", "hint"),
        Binding("q,escape", "leave", "quit", priority=True),
    ]

    DEFAULT_CSS = """
    LessonScreen #body {
        layout: vertical;
        height: 1fr;
    }
    LessonScreen #body.wide {
        layout: horizontal;
    }
    LessonScreen #text {
        height: 2fr;
        padding: 0 1;
    }
    LessonScreen #scene {
        height: 3fr;
        border-top: solid $primary;
    }
    LessonScreen #body.wide #text {
        width: 2fr;
        height: 1fr;
    }
    LessonScreen #body.wide #scene {
        width: 3fr;
        height: 1fr;
        border-top: none;
        border-left: solid $primary;
    }
    LessonScreen #body.no-scene #text {
        height: 1fr;
        width: 1fr;
    }
    LessonScreen #body.no-scene #scene {
        display: none;
    }
    """

    def __init__(
        self,
        info: LessonInfo,
        text: LessonText,
        store: ProgressStore | None,
        start: int = 0,
        *,
        from_home: bool = False,
    ) -> None:
        super().__init__()
        self.info = info
        self.text = text
        self.store = store
        self.index = min(max(start, 0), len(text.steps) - 1)
        self.from_home = from_home
        self.finished = False
        self._hints_shown = 0
        self._token = 0  # which step a worker's events belong to

    # ---------------------------------------------------------------- layout

    def compose(self) -> ComposeResult:
        # The first step is composed in place (text, classes), so the first frame needs no
        # second layout and restyle; `show` fills in the rest.
        body = ["wide"] if self.app.size.width >= WIDE else []
        if not self._scene_refs(self.index):
            body.append("no-scene")
        yield Static(self._header(self.index), id="header", classes="step-header")
        with Container(id="body", classes=" ".join(body)):
            with VerticalScroll(id="text"):
                yield Static(self._prose(self.index), id="prose")
            env = self._env()
            yield SceneView(speed=env.speed, animate=env.animate, id="scene")
        yield HintPanel(id="hint")
        yield Static("", id="status", classes="status-line")
        yield Footer()

    def _env(self) -> Env:
        return self.app.env  # type: ignore[attr-defined,no-any-return]

    def on_mount(self) -> None:
        self._layout(self.size.width)
        self.query_one("#text").focus()
        self.show(self.index, composed=True)

    def on_resize(self) -> None:
        self._layout(self.size.width)

    def _layout(self, width: int) -> None:
        self.query_one("#body").set_class(width >= WIDE, "wide")

    # ---------------------------------------------------------------- steps

    def _header(self, index: int) -> str:
        step = self.text.steps[index]
        return f"{self.text.title} · step {index + 1} of {len(self.text.steps)} · {step.title}"

    def _prose(self, index: int) -> RenderableType:
        from rich.markdown import Markdown

        # One Rich Markdown renderable: it wraps at word boundaries and keeps hanging indents.
        return Markdown(step_markdown(self.text, index))

    def _scene_refs(self, index: int) -> list[SceneRef]:
        return [b for b in self.text.steps[index].blocks if isinstance(b, SceneRef)]

    def show(self, index: int, *, composed: bool = False) -> None:
        """Show step `index`: header, text, the scene from its first frame, progress saved.

        `composed`: the screen was composed showing this step (no hint, no status yet).
        """
        self.index = index
        if not composed:
            self.query_one("#header", Static).update(self._header(index))
            self.query_one("#prose", Static).update(self._prose(index))
            self.query_one("#text", VerticalScroll).scroll_home(animate=False)
            self.query_one(HintPanel).clear()
            self._status("")
        self._hints_shown = 0
        refs = self._scene_refs(index)
        self.query_one("#body").set_class(not refs, "no-scene")
        view = self.query_one(SceneView)
        self.workers.cancel_group(self, "scene")
        self._token += 1
        view.reset(None if refs else [])
        if refs:
            self._produce(self._token, refs)
        self._save(index)

    def _scene_env(self) -> Env:
        env = self._env()
        rng = random.Random(env.seed) if env.seed is not None else random.Random()
        return dataclasses.replace(env, animate=False, rng=rng, _console=None)

    @work(thread=True, group="scene", exit_on_error=False)
    def _produce(self, token: int, refs: list[SceneRef]) -> None:
        """Run the step's scenes in a thread; post each event to the view as it comes."""
        from netlearn.errors import NetlearnError
        from netlearn.events import Note
        from netlearn.scenes import play

        worker = get_current_worker()
        env = self._scene_env()
        for ref in refs:
            events: Iterator[Event] | None = None
            try:
                events = play(ref.name, env, ref.args)
                for event in events:
                    if worker.is_cancelled:
                        return
                    self._post(token, event)
            except NetlearnError as exc:
                self._post(token, Note(text=str(exc), tone="warn"))
            finally:
                close = getattr(events, "close", None)
                if close is not None:
                    close()  # a live scene's sockets close here
            if worker.is_cancelled:
                return
        self._post(token, None)

    def _post(self, token: int, event: Event | None) -> None:
        with contextlib.suppress(RuntimeError):  # the app is closing
            self.app.call_from_thread(self._deliver, token, event)

    def _deliver(self, token: int, event: Event | None) -> None:
        if token != self._token:
            return  # the learner left that step
        view = self.query_one(SceneView)
        if event is None:
            view.end()
        else:
            view.add(event)

    def _save(self, index: int) -> None:
        if self.store is None:
            return
        step = self.text.steps[index]
        try:
            self.store.save_step(self.info.id, step.id, index, len(self.text.steps))
        except StoreWriteError as exc:
            self._not_saved(exc, say("core.player.place", n=index + 1))

    def _not_saved(self, exc: StoreWriteError, what: str) -> None:
        self.store = None
        self.notify(
            exc.in_lesson(what, self.info.id),
            severity="error",
            timeout=10,
        )

    def _status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    # ---------------------------------------------------------------- keys

    def action_next(self) -> None:
        if self.index + 1 < len(self.text.steps):
            self.show(self.index + 1)
        else:
            self._finish()

    def action_back(self) -> None:
        if self.index == 0:
            self._status(say("core.player.first-step"))
        else:
            self.show(self.index - 1)

    def action_pause(self) -> None:
        paused = self.query_one(SceneView).toggle_pause()
        self._status(say("core.player.paused") if paused else "")

    def action_replay(self) -> None:
        self.query_one(SceneView).replay()
        self._status("")

    def action_hint(self) -> None:
        hints = self.text.steps[self.index].hints
        if self._hints_shown >= len(hints):
            self._status(say("core.player.no-hint"))
            return
        self.query_one(HintPanel).add(hints[self._hints_shown])
        self._hints_shown += 1

    def action_leave(self) -> None:
        self.stopping()
        self._close()

    def stopping(self) -> None:
        """The learner leaves (q, or Ctrl-C): stop the scene, say where the lesson stopped."""
        from netlearn.home import stopped_message

        self.workers.cancel_group(self, "scene")
        self.app.farewell = stopped_message(  # type: ignore[attr-defined]
            self.info, self.text, self.index, self.store
        )

    def _finish(self) -> None:
        self.workers.cancel_group(self, "scene")
        self.finished = True
        if self.store is not None:
            last = self.text.steps[-1]
            try:
                self.store.complete(self.info.id, last.id, len(self.text.steps))
            except StoreWriteError as exc:
                self._not_saved(exc, say("core.player.finishing"))
        quiz = ""
        if (self.info.path.parent / "quiz.toml").is_file():
            quiz = say("core.player.quiz-hint", lesson=self.info.id)
        done = say("core.player.finished-plain", title=self.info.title, quiz=quiz)
        self.app.farewell = done  # type: ignore[attr-defined]
        if self.from_home:
            self.app.notify(done, timeout=8)
        self._close()

    def _close(self) -> None:
        if self.from_home:
            self.dismiss()
        else:
            self.app.exit(0)
