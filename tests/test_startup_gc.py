"""Start-up holds the cyclic garbage collector off until the first frame; every way out of
`learn` turns it back on (a refusal, the plain player, the app whether or not it painted)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest

from netlearn.app import hold_gc, release_gc
from netlearn.cli import _run as run_cli_in_process

LESSON = """\
# Tiny

## One {#one}
Just words.

## Two {#two}
More words.
"""

MANIFEST = """\
[[lesson]]
id = "tiny"
title = "Tiny"
minutes = 1
summary = "two steps of words"
file = "tiny/lesson.md"
"""


@pytest.fixture
def collector() -> Iterator[None]:
    """Each test starts with the collector on and leaves it as it found it."""
    assert gc.isenabled()
    yield
    release_gc()
    gc.unfreeze()
    gc.enable()


@pytest.fixture
def lessons(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, netlearn_home: Path) -> Path:
    root = tmp_path / "lessons"
    (root / "tiny").mkdir(parents=True)
    (root / "tiny" / "lesson.md").write_text(LESSON)
    (root / "lessons.toml").write_text(MANIFEST)
    monkeypatch.setenv("NETLEARN_LESSONS", str(root))
    return root


def test_hold_and_release(collector: None) -> None:
    hold_gc()
    assert not gc.isenabled()
    release_gc()
    assert gc.isenabled()
    release_gc()  # idempotent
    assert gc.isenabled()


def test_a_collector_turned_off_by_someone_else_stays_off(collector: None) -> None:
    gc.disable()
    hold_gc()
    release_gc()
    assert not gc.isenabled()


def test_refusal_and_plain_run_turn_it_back_on(
    collector: None, lessons: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli_in_process(["learn", "no-such-lesson"]) == 1
    assert gc.isenabled()
    assert run_cli_in_process(["learn", "tiny", "--step", "9"]) == 1
    assert gc.isenabled()
    assert run_cli_in_process(["learn", "tiny", "--format", "plain"]) == 0
    assert gc.isenabled()
    assert "More words." in capsys.readouterr().out
    assert run_cli_in_process(["next", "--format", "plain"]) == 0
    assert gc.isenabled()
    assert run_cli_in_process([]) == 0  # the home screen, piped
    assert gc.isenabled()
    assert "Tiny" in capsys.readouterr().out
    (lessons / "tiny" / "lesson.md").write_text("# Broken\n\n## One\n::: scene no.such\n")
    assert run_cli_in_process(["learn", "tiny"]) == 1
    assert gc.isenabled()
    assert "unknown scene" in capsys.readouterr().err


def test_other_commands_get_it_back_before_they_run(
    collector: None, lessons: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The entry point holds it from its first import (as `hold_gc()` here); the app callback
    gives it back to every command but the full-screen ones."""
    seen: list[bool] = []
    hold_gc()
    assert run_cli_in_process(["lessons"]) == 0
    seen.append(gc.isenabled())
    hold_gc()
    assert run_cli_in_process(["check", str(lessons)]) == 0
    seen.append(gc.isenabled())
    assert seen == [True, True]
    assert "tiny" in capsys.readouterr().out


def test_the_app_turns_it_back_on_after_its_first_frame(collector: None, tmp_path: Path) -> None:
    from netlearn.app.lesson import LessonScreen
    from netlearn.app.shell import NetlearnApp
    from netlearn.content.lesson import parse
    from netlearn.content.manifest import LessonInfo
    from netlearn.env import Env

    path = tmp_path / "lesson.md"
    path.write_text(LESSON)
    info = LessonInfo("tiny", 1, "Tiny", 1, "tiny", path, 1)
    env = Env.build("rich", stdout=StringIO(), width=80, animate=False, data_dir=tmp_path)
    seen: list[bool] = []

    async def go() -> None:
        hold_gc()
        app = NetlearnApp(env, LessonScreen(info, parse(path), None))
        async with app.run_test(size=(80, 24)) as pilot:
            for _ in range(100):  # bounded: a few frames at most
                if gc.isenabled():
                    break
                await pilot.pause(0.02)
            seen.append(gc.isenabled())
            header = str(app.screen.query_one("#header").render())
            seen.append("step 1 of 2" in header)

    asyncio.run(go())
    assert seen == [True, True]
