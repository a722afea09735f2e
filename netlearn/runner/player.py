"""The player: draws a lesson's steps through the renderer and moves on key presses.

Interactive on a terminal (keys from `raw_keys`), hands-free otherwise: with `auto` it pauses
between steps; off a terminal it plays every step to the end at once and returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from netlearn.content.lesson import LessonText, SceneRef
from netlearn.content.manifest import LessonInfo
from netlearn.env import Env
from netlearn.events import Event, Note, Progress, Title
from netlearn.progress.store import ProgressStore
from netlearn.render import Renderer
from netlearn.runner.stepper import Action, Key, Stepper, key_of
from netlearn.scenes import play

HELP_LINE = "Enter/Space/→ next · ←/b back · r replay · h hint · q quit"


@dataclass(frozen=True)
class Result:
    finished: bool
    index: int
    events: list[Event]


def step_events(env: Env, info: LessonInfo, text: LessonText, index: int) -> Iterator[Event]:
    """Every event of one step: its progress line, its prose and its scenes, in order."""
    step = text.steps[index]
    yield Progress(
        lesson=info.id, step_id=step.id, index=index, total=len(text.steps), title=step.title
    )
    for block in step.blocks:
        if isinstance(block, SceneRef):
            yield from play(block.name, env, block.args)
        else:
            yield Note(text=block.markdown)


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

    def _emit(self, event: Event) -> None:
        self.events.append(event)
        self.renderer.emit(event)

    def _show(self, index: int, clear: bool) -> None:
        if clear and self.env.fmt == "rich" and self.keys is not None:
            self.env.console().clear()
        for event in step_events(self.env, self.info, self.text, index):
            self._emit(event)
        if self.store is not None:
            step = self.text.steps[index]
            self.store.save_step(self.info.id, step.id, index, len(self.text.steps))
        if self.keys is not None:
            self._status(HELP_LINE)

    def _status(self, text: str) -> None:
        if self.env.fmt == "rich":
            self.env.console().print(f"[dim]{text}[/]")

    def run(self, start: int = 0) -> Result:
        stepper = Stepper([len(s.hints) for s in self.text.steps], start)
        if start == 0 or self.keys is None:
            self._emit(Title(text=self.text.title, subtitle=self.text.intro))
        outcome = stepper.start()
        self._show(outcome.index, clear=False)
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
            outcome = stepper.press(key)
            if outcome.action is Action.SHOW or outcome.action is Action.REPLAY:
                self._show(outcome.index, clear=True)
            elif outcome.action is Action.HINT:
                hint = self.text.steps[outcome.index].hints[outcome.hint]
                self._emit(Note(text=hint, tone="tip"))
            elif outcome.action is Action.NO_HINT:
                self._status("No (more) hints for this step.")
            elif outcome.action is Action.AT_START:
                self._status("This is the first step.")
            elif outcome.action is Action.FINISH:
                last = self.text.steps[-1]
                if self.store is not None:
                    self.store.complete(self.info.id, last.id, len(self.text.steps))
                self._emit(
                    Note(
                        text=f"You finished **{self.info.title}**. Run `netlearn` to see what is "
                        "next.",
                        tone="tip",
                    )
                )
                return Result(True, outcome.index, self.events)
            elif outcome.action is Action.QUIT:
                self._status(
                    f"Stopped at step {outcome.index + 1} of {len(self.text.steps)}; "
                    f"`netlearn learn {self.info.id}` resumes here."
                )
                return Result(False, outcome.index, self.events)
