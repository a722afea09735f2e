"""The player: draws a lesson's steps through the renderer and moves on key presses.

Interactive on a terminal (keys from `raw_keys`), hands-free otherwise: with `auto` it pauses
between steps; off a terminal it plays every step to the end at once and returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netlearn.content.lesson import LessonText, SceneRef
from netlearn.content.manifest import LessonInfo
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note, Progress, Title
from netlearn.progress.store import ProgressStore, StoreWriteError
from netlearn.render import Renderer
from netlearn.runner.pager import Pager
from netlearn.runner.stepper import Action, Key, Stepper, key_of
from netlearn.scenes import play


def help_line() -> str:
    """The keys, on the status line."""
    return say("core.player.keys")


@dataclass(frozen=True)
class Result:
    finished: bool
    index: int
    events: list[Event]


def step_events(
    env: Env, info: LessonInfo, text: LessonText, index: int, hints: bool = False
) -> Iterator[Event]:
    """Every event of one step: its progress line, its prose and its scenes, in order.

    With `hints`, the step's hints follow as notes of tone "hint": where nobody can press h
    (off a terminal, where plain or JSON output goes, or with `--auto`) they would otherwise
    never be seen.
    """
    step = text.steps[index]
    yield Progress(
        lesson=info.id, step_id=step.id, index=index, total=len(text.steps), title=step.title
    )
    for block in step.blocks:
        if isinstance(block, SceneRef):
            yield from play(block.name, env, block.args)
        else:
            yield Note(text=block.markdown)
    if hints:
        for hint in step.hints:
            yield Note(text=hint, tone="hint")


class Player:
    def __init__(
        self,
        env: Env,
        info: LessonInfo,
        text: LessonText,
        renderer: Renderer,
        store: ProgressStore | None,
        keys: Iterator[str] | None = None,
        auto: bool = False,
        step_delay: float = 2.5,
    ) -> None:
        self.env = env
        self.info = info
        self.text = text
        self.renderer = renderer
        self.store = store
        self.keys = keys
        self.auto = auto
        self.step_delay = step_delay
        self.events: list[Event] = []
        self.pager: Pager | None = None

    def _emit(self, event: Event) -> None:
        self.events.append(event)
        self.renderer.emit(event)

    @property
    def _inline_hints(self) -> bool:
        """Hints printed with each step when nobody can press h (off a terminal, `--auto`)."""
        return self.keys is None

    @property
    def _paging(self) -> bool:
        return self.keys is not None and self.env.fmt == "rich"

    def _show(
        self, index: int, clear: bool, replay: bool = False, before: tuple[Event, ...] = ()
    ) -> None:
        self.pager = None
        if not self._paging:
            for event in (
                *before,
                *step_events(self.env, self.info, self.text, index, self._inline_hints),
            ):
                self._emit(event)
        else:
            events = [
                *before,
                *step_events(self.env, self.info, self.text, index, self._inline_hints),
            ]
            lines = self._render_lines(events)
            if clear:
                self.env.console().clear()
            # A page leaves two rows: the status line, and the one the cursor waits on.
            room = self.env.height - 2
            if len(lines) <= room or replay:
                for event in events:  # fits on the screen (or asked to replay): animate it
                    self._emit(event)
                if replay and len(lines) > room:
                    self.pager = Pager(lines, room, page=len(lines))
            else:
                self.events.extend(events)
                self.pager = Pager(lines, room)
                self._draw_page(clear=False)
                self._saved(index)
                return
        self._saved(index)
        if self.keys is not None:
            self._status(help_line())

    def _saved(self, index: int) -> None:
        if self.store is not None:
            step = self.text.steps[index]
            try:
                self.store.save_step(self.info.id, step.id, index, len(self.text.steps))
            except StoreWriteError as exc:
                self._not_saved(exc, say("core.player.place", n=index + 1))

    def _not_saved(self, exc: StoreWriteError, what: str) -> None:
        """Saving failed: say so once, and go on with the lesson without saving."""
        self.store = None
        self.env.warn(exc.in_lesson(what, self.info.id))

    def _render_lines(self, events: list[Event]) -> list[str]:
        """The step as the terminal would show it, drawn without animation and kept aside."""
        from netlearn.render.registry import draw_rich

        console = self.env.console()
        animate, self.env.animate = self.env.animate, False
        try:
            with console.capture() as captured:
                for event in events:
                    draw_rich(event, self.env, console)
        finally:
            self.env.animate = animate
        return captured.get().rstrip("\n").split("\n")

    def _draw_page(self, clear: bool = True) -> None:
        assert self.pager is not None
        console = self.env.console()
        if clear:
            console.clear()
        console.file.write("\n".join(self.pager.visible()) + "\n")
        console.file.flush()
        page = say("core.player.page", n=self.pager.page + 1, pages=self.pager.pages)
        if self.pager.last:
            self._status(say("core.player.page-last", page=page))
        else:
            self._status(say("core.player.page-more", page=page))

    def _status(self, text: str) -> None:
        if self.env.fmt == "rich":
            self.env.console().print(f"[dim]{text}[/]")

    def run(self, start: int = 0) -> Result:
        inline = self._inline_hints  # then h has nothing more to show
        stepper = Stepper([0 if inline else len(s.hints) for s in self.text.steps], start)
        title: tuple[Event, ...] = ()
        if start == 0 or self.keys is None:
            title = (Title(text=self.text.title, subtitle=self.text.intro),)
        outcome = stepper.start()
        self._show(outcome.index, clear=False, before=title)
        while True:
            if self.keys is None:
                if self.auto:
                    self.env.pause(self.step_delay)
                key = Key.NEXT
            else:
                try:
                    key = key_of(next(self.keys))
                except StopIteration:
                    key = Key.QUIT
            if self.pager is not None and self.pager.press(key):
                self._draw_page()
                continue
            outcome = stepper.press(key)
            if outcome.action is Action.SHOW:
                self._show(outcome.index, clear=True)
            elif outcome.action is Action.REPLAY:
                self._show(outcome.index, clear=True, replay=True)
            elif outcome.action is Action.HINT:
                hint = self.text.steps[outcome.index].hints[outcome.hint]
                self._emit(Note(text=hint, tone="tip"))
            elif outcome.action is Action.NO_HINT:
                self._status(say("core.player.no-hint"))
            elif outcome.action is Action.AT_START:
                self._status(say("core.player.first-step"))
            elif outcome.action is Action.FINISH:
                last = self.text.steps[-1]
                if self.store is not None:
                    try:
                        self.store.complete(self.info.id, last.id, len(self.text.steps))
                    except StoreWriteError as exc:
                        self._not_saved(exc, say("core.player.finishing"))
                quiz = ""
                if (self.info.path.parent / "quiz.toml").is_file():
                    quiz = say("core.player.quiz-hint", lesson=self.info.id)
                self._emit(
                    Note(
                        text=say("core.player.finished", title=self.info.title, quiz=quiz),
                        tone="tip",
                    )
                )
                return Result(True, outcome.index, self.events)
            elif outcome.action is Action.QUIT:
                self._status(
                    say(
                        "core.player.stopped",
                        n=outcome.index + 1,
                        steps=len(self.text.steps),
                        lesson=self.info.id,
                    )
                )
                return Result(False, outcome.index, self.events)
