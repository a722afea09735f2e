"""The stepper's keys, driven without a terminal, and the player that follows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlearn.content.lesson import parse
from netlearn.content.manifest import LessonInfo
from netlearn.events import Note, Progress
from netlearn.progress.store import ProgressStore
from netlearn.render import make_renderer
from netlearn.runner.player import Player
from netlearn.runner.stepper import Action, Key, Stepper, key_of

LESSON = """\
# Three steps

## One {#one}
First.
::: hint Hint one-a.
::: hint Hint one-b.

## Two {#two}
Second.
::: scene osi.layer n=4

## Three {#three}
Third.
"""


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("\r", Key.NEXT),
        ("\n", Key.NEXT),
        (" ", Key.NEXT),
        ("\x1b[C", Key.NEXT),
        ("\x1bOC", Key.NEXT),
        ("\x1b[D", Key.BACK),
        ("b", Key.BACK),
        ("B", Key.BACK),
        ("r", Key.REPLAY),
        ("h", Key.HINT),
        ("q", Key.QUIT),
        ("\x03", Key.QUIT),
        ("x", Key.OTHER),
        ("\x1b[A", Key.OTHER),
    ],
)
def test_key_meanings(raw: str, key: Key) -> None:
    assert key_of(raw) is key


def test_stepper_walks_forward_back_and_finishes() -> None:
    s = Stepper([2, 0, 0])
    assert s.start().index == 0
    assert s.press(Key.BACK).action is Action.AT_START
    assert s.press(Key.NEXT).index == 1
    assert s.press(Key.BACK).index == 0
    assert s.press(Key.REPLAY) == s.press(Key.REPLAY)
    assert s.press(Key.REPLAY).action is Action.REPLAY
    assert s.press(Key.OTHER).action is Action.IGNORE
    s.press(Key.NEXT)
    s.press(Key.NEXT)
    out = s.press(Key.NEXT)
    assert out.action is Action.FINISH and s.finished


def test_hints_in_turn_then_none() -> None:
    s = Stepper([2, 0])
    assert s.press(Key.HINT).hint == 0
    assert s.press(Key.HINT).hint == 1
    assert s.press(Key.HINT).action is Action.NO_HINT
    s.press(Key.NEXT)
    assert s.press(Key.HINT).action is Action.NO_HINT
    s.press(Key.BACK)
    assert s.press(Key.HINT).hint == 0  # hints start over on a revisited step


def test_start_is_clamped() -> None:
    assert Stepper([0, 0], start=9).index == 1
    with pytest.raises(ValueError):
        Stepper([])


def _player(tmp_path: Path, make_env, keys, fmt="json"):  # type: ignore[no-untyped-def]
    path = tmp_path / "lesson.md"
    path.write_text(LESSON)
    info = LessonInfo("demo", 1, "Demo", 5, "demo", path, 1)
    env, buf = make_env(fmt)
    store = ProgressStore.open(env.data_dir, env.warn)
    player = Player(env, info, parse(path), make_renderer(env), store, keys=keys)
    return player, store, buf


def test_player_follows_keys(tmp_path: Path, make_env) -> None:
    keys = iter(["h", "h", "h", "\r", "r", "\x1b[D", "b", " ", "\x1b[C", "q"])
    player, store, buf = _player(tmp_path, make_env, keys)
    result = player.run()
    assert not result.finished and result.index == 2
    shown = [e.index for e in result.events if isinstance(e, Progress)]
    # start, next, replay, back, (back at start: nothing), next, next
    assert shown == [0, 1, 1, 0, 1, 2]
    tips = [e.text for e in result.events if isinstance(e, Note) and e.tone == "tip"]
    assert tips == ["Hint one-a.", "Hint one-b."]
    saved = store.get("demo")
    assert saved is not None and saved.step_id == "three" and not saved.done
    assert saved.furthest == 2
    lines = [json.loads(x) for x in buf.getvalue().splitlines()]
    assert lines[0]["type"] == "title"
    assert any(x["type"] == "table" and x["title"] == "Layer 4: Transport" for x in lines)


def test_player_finishes_and_marks_done(tmp_path: Path, make_env) -> None:
    player, store, _ = _player(tmp_path, make_env, iter(["\r"] * 3))
    result = player.run()
    assert result.finished
    saved = store.get("demo")
    assert saved is not None and saved.done


def test_keys_running_out_quits_cleanly(tmp_path: Path, make_env) -> None:
    player, store, _ = _player(tmp_path, make_env, iter(["\r"]))
    result = player.run()
    assert not result.finished and result.index == 1


def test_without_keys_it_plays_to_the_end(tmp_path: Path, make_env) -> None:
    player, store, buf = _player(tmp_path, make_env, None, fmt="plain")
    result = player.run()
    assert result.finished
    out = buf.getvalue()
    assert "Step 1 of 3" in out and "Step 3 of 3" in out and "You finished" in out
    assert "Hint: Hint one-a." in out  # nobody can press h off a terminal: hints follow the step


def test_resume_where_the_learner_stopped(tmp_path: Path, make_env) -> None:
    player, store, _ = _player(tmp_path, make_env, iter(["\r", "q"]))
    player.run()
    saved = store.get("demo")
    assert saved is not None and saved.step_index == 1
    player2, _, _ = _player(tmp_path, make_env, iter(["q"]))
    result = player2.run(start=saved.step_index)
    assert [e.index for e in result.events if isinstance(e, Progress)] == [1]


def test_pager_pages_then_hands_keys_to_the_stepper() -> None:
    from netlearn.runner.pager import Pager

    lines = [f"line {i}" for i in range(50)]
    pager = Pager(lines, 20)
    assert pager.pages == 3 and pager.visible()[0] == "line 0"
    assert pager.press(Key.NEXT) and pager.visible()[0] == "line 20"
    assert pager.press(Key.NEXT) and pager.last
    assert pager.visible() == lines[30:]  # the last page is a full screen ending at the end
    assert not pager.press(Key.NEXT)  # now the stepper moves on
    assert pager.press(Key.BACK) and pager.page == 1
    assert not Pager(lines, 20, page=0).press(Key.BACK)


def test_a_tall_step_is_paged_on_a_terminal(tmp_path: Path, make_env) -> None:
    tall = "# Tall\n\n## Long {#long}\n" + "\n\n".join(f"Paragraph {i}." for i in range(40))
    tall += "\n\n## Short {#short}\nEnd.\n"
    path = tmp_path / "lesson.md"
    path.write_text(tall)
    info = LessonInfo("tall", 1, "Tall", 5, "tall", path, 1)
    env, buf = make_env("rich")
    env.height = 24
    keys = iter(["\r", "\r", "\r", "\r", "b", "q"])
    player = Player(env, info, parse(path), make_renderer(env), None, keys=keys)
    result = player.run()
    out = buf.getvalue()
    assert "page 1/4" in out and "page 4/4" in out
    shown = [e.index for e in result.events if isinstance(e, Progress)]
    assert shown == [0, 1, 0]  # three page turns, the next step, then back to the first
    assert result.index == 0


def test_home_screen_points_to_questions_due(tmp_path: Path) -> None:
    from netlearn.home import home_events
    from netlearn.quiz.store import QuizStore

    now = [1_700_000_000.0]
    with ProgressStore.open(tmp_path, print, clock=lambda: now[0]) as store:
        QuizStore(store).record(
            session="s",
            mode="quiz",
            question_id="osi-seven-layers",
            lesson_id="osi",
            given="b",
            correct=False,
            right_answer="a",
        )
        assert "due for review" not in str(list(home_events(store)))
        now[0] += 3600  # a missed question comes back after ten minutes
        notes = [e.text for e in home_events(store) if isinstance(e, Note)]
        assert "1 quiz question is due for review: `netlearn review`." in notes[-1]


def test_the_last_step_points_to_the_quiz(tmp_path: Path, make_env) -> None:
    player, _, _ = _player(tmp_path, make_env, iter(["\r"] * 3))
    (tmp_path / "quiz.toml").write_text("")
    result = player.run()
    assert "`netlearn quiz demo`" in [e for e in result.events if isinstance(e, Note)][-1].text
