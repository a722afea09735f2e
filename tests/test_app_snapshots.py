"""Snapshot tests (pytest-textual-snapshot) of the home screen and one lesson step at 80x24.

Deterministic: a fixed seed, an empty progress store, a fixed lesson text, no clock on screen,
and the scene's animation run to its last frame before the picture is taken.
Update after an intended change: `pytest tests/test_app_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

import time
from io import StringIO
from pathlib import Path

from netlearn.app.home import HomeScreen
from netlearn.app.lesson import LessonScreen
from netlearn.app.scene_view import SceneView
from netlearn.app.shell import NetlearnApp
from netlearn.content.lesson import parse
from netlearn.content.manifest import LessonInfo
from netlearn.env import Env
from netlearn.home import survey
from netlearn.progress.store import ProgressStore

STEP = """\
# Encapsulation

## Wrapping a real request {#wrap}
A program sends `GET / HTTP/1.1` to 127.0.0.1 port 8080. Watch each layer put its header
in front of what it got from above: TCP, then IP, then Ethernet.
::: scene osi.encapsulate packet=http
::: hint The header added last is the first on the wire.

## Next {#next}
The end.
"""


def _env(tmp_path: Path) -> Env:
    return Env.build(
        "rich", stdout=StringIO(), width=80, seed=1, speed=100, animate=True, data_dir=tmp_path
    )


def test_home_screen_80x24(snap_compare, tmp_path: Path) -> None:
    store = ProgressStore.open(tmp_path, print)
    app = NetlearnApp(_env(tmp_path), HomeScreen(survey(), store))
    assert snap_compare(app, terminal_size=(80, 24))


def test_lesson_step_80x24(snap_compare, tmp_path: Path) -> None:
    path = tmp_path / "lesson.md"
    path.write_text(STEP)
    info = LessonInfo("enc", 1, "Encapsulation", 5, "", path, 1)
    app = NetlearnApp(_env(tmp_path), LessonScreen(info, parse(path), None))

    async def finished(pilot) -> None:  # type: ignore[no-untyped-def]
        view = app.screen.query_one(SceneView)
        end = time.monotonic() + 10
        while not view.finished and time.monotonic() < end:
            await pilot.pause(0.05)
        assert view.finished
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=finished)
