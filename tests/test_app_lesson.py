"""The lesson screen driven headless by Textual's pilot: keys, resize, animation, live scenes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest

from netlearn.app.lesson import LessonScreen
from netlearn.app.scene_view import SceneView
from netlearn.app.shell import NetlearnApp
from netlearn.content.lesson import parse
from netlearn.content.manifest import LessonInfo
from netlearn.env import Env
from netlearn.events import Event, Note
from netlearn.progress.store import ProgressStore

LESSON = """\
# Three steps

## One {#one}
First step, with words enough to wrap at eighty columns: the text pane wraps at word
boundaries and never cuts a sentence in the middle of a word.
::: hint Hint one-a.
::: hint Hint one-b.

## Wrap {#wrap}
Watch each layer put its header in front.
::: scene osi.encapsulate packet=http
After the scene.

## Three {#three}
Third.
"""


def lesson(tmp_path: Path, body: str = LESSON) -> tuple[LessonInfo, object]:
    path = tmp_path / "lesson.md"
    path.write_text(body)
    return LessonInfo("demo", 1, "Demo", 5, "demo", path, 1), parse(path)


def make_env(tmp_path: Path, speed: float = 50.0) -> Env:
    return Env.build(
        "rich", stdout=StringIO(), width=80, seed=1, speed=speed, animate=True, data_dir=tmp_path
    )


async def wait_for(pilot, test, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not test():
        if time.monotonic() > end:
            raise AssertionError("condition never became true")
        await pilot.pause(0.05)


async def press(pilot, *keys: str) -> None:  # type: ignore[no-untyped-def]
    """Press keys, then let the screen settle (layout and a refresh)."""
    await pilot.press(*keys)
    await pilot.pause()
    await pilot.pause()


def screen_text(app: NetlearnApp) -> str:
    """What the terminal shows, as text (the SVG screenshot's words)."""
    import html
    import re

    svg = app.export_screenshot()
    return html.unescape(" ".join(re.findall(r">([^<>]*)</text>", svg))).replace("\xa0", " ")


def test_keys_walk_the_lesson_and_save_each_step(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    store = ProgressStore.open(tmp_path, print)
    app = NetlearnApp(make_env(tmp_path), LessonScreen(info, text, store))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            await pilot.pause()
            assert "step 1 of 3" in screen_text(app)
            await press(pilot, "left")
            assert "This is the first step." in screen_text(app)
            await press(pilot, "h")
            await press(pilot, "h")
            await press(pilot, "h")
            shown = screen_text(app)
            assert "Hint one-a." in shown and "Hint one-b." in shown
            assert "No (more) hints" in shown
            await press(pilot, "enter")
            assert screen.index == 1 and "step 2 of 3" in screen_text(app)
            assert "Hint one-a." not in screen_text(app)  # a new step closes the hint
            assert store.get("demo").step_id == "wrap"  # type: ignore[union-attr]
            await press(pilot, "right")
            await press(pilot, "b")
            await press(pilot, "n")
            assert screen.index == 2
            await press(pilot, "q")
        assert app.return_code == 0

    asyncio.run(run())
    saved = store.get("demo")
    assert saved is not None and saved.step_id == "three" and not saved.done
    assert app.farewell == "Stopped at step 3 of 3; `netlearn learn demo` resumes here."


def test_the_animation_reaches_its_last_frame_and_replays_in_place(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    app = NetlearnApp(make_env(tmp_path, speed=5), LessonScreen(info, text, None, start=1))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.screen.query_one(SceneView)
            # it starts with nothing drawn and grows frame by frame
            await wait_for(pilot, lambda: view.shown >= 1)
            await wait_for(pilot, lambda: view.finished)
            assert view.frame_count >= 5 and view.shown == view.frame_count
            last = view.plain()
            assert "1/4" in last and "4/4" in last and "On the wire: 133 bytes" in last
            await press(pilot, "r")
            assert view.shown < view.frame_count  # replay starts over, in place
            await wait_for(pilot, lambda: view.finished)
            assert view.plain() == last

    asyncio.run(run())


def test_space_pauses_the_animation(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    app = NetlearnApp(make_env(tmp_path, speed=2.0), LessonScreen(info, text, None, start=1))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.screen.query_one(SceneView)
            await wait_for(pilot, lambda: view.shown >= 1)
            await press(pilot, "space")
            held = view.shown
            assert "Paused" in screen_text(app)
            await pilot.pause(1.0)  # at speed 2 a beat is under 0.5 s: it would have moved on
            assert view.shown == held and not view.finished
            await press(pilot, "space")
            await wait_for(pilot, lambda: view.shown > held)

    asyncio.run(run())


def test_resize_reflows_at_once_and_goes_side_by_side_when_wide(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    app = NetlearnApp(make_env(tmp_path), LessonScreen(info, text, None, start=1))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            screen = app.screen
            view = screen.query_one(SceneView)
            prose = screen.query_one("#text")
            await wait_for(pilot, lambda: view.finished)
            assert not screen.query_one("#body").has_class("wide")
            assert prose.region.y < view.region.y  # text above, scene below
            narrow = view.plain()
            await pilot.resize_terminal(120, 40)
            await pilot.pause()
            assert screen.query_one("#body").has_class("wide")
            assert prose.region.x < view.region.x and prose.region.y == view.region.y
            assert view.finished and view.plain() != narrow  # redrawn for the new width
            assert "step 2 of 3" in screen_text(app)
            await pilot.resize_terminal(80, 24)
            await pilot.pause()
            assert not screen.query_one("#body").has_class("wide")
            assert view.plain() == narrow
            # every line the scene drew fits its region: nothing cut at the right edge
            assert max(len(line) for line in narrow.splitlines()) <= view.size.width

    asyncio.run(run())


def test_the_text_pane_wraps_words_whole(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    app = NetlearnApp(make_env(tmp_path), LessonScreen(info, text, None))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            await pilot.pause()
            shown = screen_text(app)
            for word in ("boundaries", "sentence", "columns:"):
                assert f" {word} " in f" {shown} ".replace("\n", " ")

    asyncio.run(run())


def test_the_last_step_finishes_the_lesson(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    store = ProgressStore.open(tmp_path, print)
    app = NetlearnApp(make_env(tmp_path), LessonScreen(info, text, store, start=2))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await press(pilot, "enter")
        assert app.return_code == 0

    asyncio.run(run())
    saved = store.get("demo")
    assert saved is not None and saved.done
    assert app.farewell.startswith("You finished Demo.")


def test_ctrl_c_leaves_with_130(tmp_path: Path) -> None:
    info, text = lesson(tmp_path)
    app = NetlearnApp(make_env(tmp_path), LessonScreen(info, text, None))

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await press(pilot, "ctrl+c")

    asyncio.run(run())
    assert app.return_code == 130


LIVE = """\
# Live

## Live step {#live}
A server that is really listening.
::: scene osi.layer n=4

## Next {#next}
Done.
"""


def test_a_live_scene_runs_in_a_thread_and_leaving_the_step_closes_its_socket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scene generator that listens on a real port: its events arrive while it runs, and
    leaving the step closes the generator, so the port is free again within a second."""
    import netlearn.scenes

    ports: list[int] = []

    def live(name: str, env: Env, args: dict[str, str] | None = None) -> Iterator[Event]:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        ports.append(server.getsockname()[1])
        try:
            for i in range(1000):
                yield Note(text=f"tick {i}")
                time.sleep(0.05)
        finally:
            server.close()

    monkeypatch.setattr(netlearn.scenes, "play", live)
    info, text = lesson(tmp_path, LIVE)
    app = NetlearnApp(make_env(tmp_path, speed=100), LessonScreen(info, text, None))

    def refused(port: int) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            view = app.screen.query_one(SceneView)
            await wait_for(pilot, lambda: len(view.events) >= 3)
            assert ports and not refused(ports[0])  # listening while the step shows
            assert not view.complete
            await press(pilot, "enter")
            start = time.monotonic()
            await wait_for(pilot, lambda: refused(ports[0]), timeout=1.0)
            assert time.monotonic() - start < 1.0
            assert app.screen.index == 1  # type: ignore[attr-defined]

    asyncio.run(run())
