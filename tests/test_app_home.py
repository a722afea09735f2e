"""The home screen driven headless: the menu, its keys, continue, and the way back."""

from __future__ import annotations

import asyncio
from io import StringIO
from pathlib import Path

from textual.widgets import OptionList

from netlearn.app.home import HomeScreen
from netlearn.app.lesson import LessonScreen
from netlearn.app.shell import NetlearnApp
from netlearn.env import Env
from netlearn.home import survey
from netlearn.progress.store import ProgressStore


def _app(tmp_path: Path, store: ProgressStore) -> NetlearnApp:
    env = Env.build("rich", stdout=StringIO(), width=80, seed=1, speed=50, data_dir=tmp_path)
    return NetlearnApp(env, HomeScreen(survey(), store))


def _text(app: NetlearnApp) -> str:
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


async def _press(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.pause()


def test_menu_keys_open_a_lesson_where_it_stopped_and_come_back(tmp_path: Path) -> None:
    store = ProgressStore.open(tmp_path, print)
    store.save_step("tcp", "x-not-a-step", 0, 31)  # in progress: c goes there
    app = _app(tmp_path, store)
    lessons = survey().lessons

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            menu = app.screen.query_one(OptionList)
            text = _text(app)
            assert "The OSI model" in text and "min" in text and "new" in text
            assert "step 1 of 31" in text  # the status of the lesson in progress
            assert menu.highlighted == 1  # the suggested lesson is highlighted
            await _press(pilot, "k")
            assert menu.highlighted == 0
            await _press(pilot, "j", "j")
            assert menu.highlighted == 2
            await _press(pilot, "up", "up")
            assert menu.highlighted == 0
            await _press(pilot, "enter")
            assert isinstance(app.screen, LessonScreen)
            assert app.screen.info.id == lessons[0].id and app.screen.index == 0
            await _press(pilot, "enter", "enter")
            await _press(pilot, "q")
            assert isinstance(app.screen, HomeScreen)
            assert "step 3 of" in _text(app)  # the menu shows where osi stopped
            await _press(pilot, "enter")  # reopens osi at step 3
            assert isinstance(app.screen, LessonScreen) and app.screen.index == 2
            await _press(pilot, "q", "c")  # c: the lesson in progress (osi, the first one)
            assert isinstance(app.screen, LessonScreen) and app.screen.info.id == "osi"
            await _press(pilot, "q", "q")
        assert app.return_code == 0

    asyncio.run(run())
    saved = store.get("osi")
    assert saved is not None and saved.step_index == 2


def test_questions_due_show_on_the_home_screen(tmp_path: Path) -> None:
    from netlearn.quiz.store import QuizStore

    now = [1_700_000_000.0]
    store = ProgressStore.open(tmp_path, print, clock=lambda: now[0])
    QuizStore(store).record(
        session="s",
        mode="quiz",
        question_id="osi-seven-layers",
        lesson_id="osi",
        given="b",
        correct=False,
        right_answer="a",
    )
    now[0] += 3600
    app = _app(tmp_path, store)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "1 quiz question is due for review" in _text(app)

    asyncio.run(run())


def test_the_home_screen_fits_80x24_with_its_keys(tmp_path: Path) -> None:
    store = ProgressStore.open(tmp_path, print)
    app = _app(tmp_path, store)

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            menu = app.screen.query_one(OptionList)
            assert menu.region.bottom <= 22  # the whole menu shows, above the keys
            text = _text(app)
            assert "continue" in text and "quit" in text and "open" in text

    asyncio.run(run())
