"""The full-screen player (Textual), used on a terminal only; pipes keep the plain renderers.

Nothing outside this package imports Textual at module level: a command imports from here inside
its body, once it knows a learner sits at a terminal.

- `shell`: `NetlearnApp` (the one app every screen runs in), `run_app`, the shared CSS.
- `home`: `HomeScreen`, the lesson menu.
- `lesson`: `LessonScreen`, a lesson step by step: text pane, scene region, keys.
- `scene_view`: `SceneView`, a widget drawing a scene's events one by one, animated.
- `hint`: `HintPanel`, a step's hint over the lesson.
- `quiz`, `inspector`, `live`: the quiz, the layer inspector, the live demos.
"""

from __future__ import annotations

import gc
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.quiz.events import QuizScore
    from netlearn.quiz.runner import QuizRun


def wanted(env: Env) -> bool:
    """True when the full-screen app should run: a learner at a terminal (stdout and stdin),
    format auto or rich, and a terminal that can draw it (not TERM=dumb)."""
    return env.is_tty and env.stdin_tty and env.fmt == "rich" and os.environ.get("TERM") != "dumb"


def play_quiz(run: QuizRun) -> QuizScore:
    """A quiz full screen for a learner at a terminal (single keys), lines of input anywhere else.

    The quiz engine takes this as its `play` (`netlearn.quiz.commands`): it never imports the app.
    """
    if not wanted(run.env):
        return run.run()
    from netlearn.app.quiz import QuizScreen
    from netlearn.app.shell import run_app
    from netlearn.errors import NetlearnError

    screen = QuizScreen(run)
    code = run_app(run.env, screen)
    if screen.error_line:
        raise NetlearnError(screen.error_line)
    if code == 130:
        raise KeyboardInterrupt  # every answer given is saved; the CLI says so and exits 130
    return screen.score or run.final("quit")


_held = False  # True while `hold_gc` has the cyclic garbage collector off


def hold_gc() -> None:
    """Start-up: no cyclic garbage collection until `release_gc` (after the first frame).

    Start-up allocates many objects that live as long as the process (modules, classes, CSS
    rules): the collector would walk them again and again for nothing (about 40 ms before the
    first frame). A collector someone else turned off stays off.
    """
    global _held
    if gc.isenabled():
        gc.disable()
        _held = True


def release_gc(*, freeze: bool = False) -> None:
    """Turn the collector back on if `hold_gc` turned it off; idempotent.

    `freeze` moves everything alive now (the start-up objects) out of the collector's sight
    for good, so later collections, while the app waits for keys, walk only new objects.
    """
    global _held
    if _held:
        _held = False
        if freeze:
            gc.freeze()
        gc.enable()
