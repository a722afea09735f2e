"""The full-screen quiz, driven headless by single keys through Textual's pilot; and the quiz's
rules in the plain modes (shuffled choices, refused input) on stdin lines."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest
from textual.app import App

from netlearn.app.quiz import QuizScreen
from netlearn.env import Env
from netlearn.progress.store import ProgressStore
from netlearn.quiz.answering import AnswerPad
from netlearn.quiz.ask import ask
from netlearn.quiz.model import Question, letter
from netlearn.quiz.runner import LessonIndex, QuizRun, prepare
from netlearn.quiz.scoring import right_answer
from netlearn.quiz.store import QuizStore

MakeEnv = Callable[..., tuple[Env, StringIO]]


def q(id: str, kind: str, **kw: object) -> Question:
    return Question(id=id, lesson="demo", kind=kind, step="one", path=Path("x"), line=1, **kw)  # type: ignore[arg-type]


CHOICE = q(
    "t-choice",
    "choice",
    prompt="Which layer routes packets between networks?",
    choices=("Physical", "Network", "Session", "Presentation"),
    answer=("b",),
    explanation="The network layer (IP) routes; the others (a) do not.",
)
MULTI = q(
    "t-multi",
    "multi",
    prompt="Which flags does a SYN-ACK carry?",
    choices=("SYN", "ACK", "FIN", "RST", "PSH"),
    answer=("a", "b"),
    explanation="SYN and ACK.",
)
ORDER = q(
    "t-order",
    "order",
    prompt="Put the handshake in order.",
    items=("SYN", "SYN-ACK", "ACK"),
    explanation="SYN, SYN-ACK, ACK.",
)
NUMBER = q(
    "t-number",
    "fill",
    prompt="How many bits in an IPv4 address?",
    answer=("32",),
    numeric=True,
    explanation="32 bits.",
)


class Host(App[object]):
    """A tiny app that shows one quiz screen."""

    def __init__(self, screen: QuizScreen) -> None:
        super().__init__()
        self.quiz = screen

    def on_mount(self) -> None:
        self.push_screen(self.quiz)


def screen_text(app: App[object]) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


@pytest.fixture
def store(make_env: MakeEnv) -> Iterator[tuple[Env, QuizStore]]:
    env, _buf = make_env("rich")
    with ProgressStore.open(env.data_dir, env.warn) as s:
        yield env, QuizStore(s)


def make_run(env: Env, qstore: QuizStore, questions: list[Question], seed: int = 1) -> QuizRun:
    prepared = prepare(questions, 0, random.Random(seed), env, shuffle=False)
    return QuizRun(env, qstore, prepared, LessonIndex(), mode="quiz")


def drive(
    run: QuizRun, keys: list[str], size: tuple[int, int] = (80, 24)
) -> tuple[QuizScreen, str]:
    """Press `keys` on a quiz screen at `size`; the screen and its text at the end."""
    screen = QuizScreen(run)

    async def go() -> str:
        app = Host(screen)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            return screen_text(app)

    return screen, asyncio.run(go())


def saved(qstore: QuizStore) -> list[tuple[str, str, bool]]:
    return [(a.question_id, a.given, a.correct) for a in qstore.answers()]


def test_a_letter_answers_at_once_and_the_explanation_follows(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE, MULTI])
    right = right_answer(run.prepared[0].asked)
    screen, text = drive(run, [right])
    assert "Question 1 of 2" in text and "Which layer routes" in text
    assert "Right" in text and f"Your answer: {right}  right" in text
    assert "The network layer (IP) routes" in text
    assert "Enter: next question" in text
    assert saved(qstore) == [("t-choice", right, True)]
    assert screen.phase == "answered" and screen.number == 1


def test_a_wrong_letter_is_graded_wrong_with_the_right_answer(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE])
    asked = run.prepared[0].asked
    wrong = letter(next(i for i in range(4) if i not in asked.correct))
    _screen, text = drive(run, [wrong])
    assert "Not quite" in text and "not right" in text
    assert f"The answer: {right_answer(asked)}) Network" in text
    assert saved(qstore) == [("t-choice", wrong, False)]


def test_digits_answer_too_and_the_cursor_answers_with_enter(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE, CHOICE])
    right = run.prepared[0].asked.correct[0]
    keys = [str(right + 1), "enter"]  # the digit answers; Enter moves on
    keys += ["down"] * right + ["enter"]  # the cursor starts on a); Enter answers under it
    screen, _text = drive(run, keys)
    assert [c for _q, _g, c in saved(qstore)] == [True, True]
    assert screen.number == 2 and screen.phase == "answered"


def test_multi_answers_tick_with_space_and_submit_with_enter(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [MULTI])
    correct = run.prepared[0].asked.correct
    keys: list[str] = []
    at = 0
    for i in correct:
        keys += ["down"] * (i - at) + ["space"]
        at = i
    # Before Enter the ticks are shown, nothing is graded.
    screen, text = drive(run, keys)
    assert saved(qstore) == [] and screen.phase == "asking"
    assert text.count("[x]") == len(correct) and text.count("[ ]") == 5 - len(correct)
    screen, text = drive(make_run(env, qstore, [MULTI]), [*keys, "enter"])
    assert saved(qstore) == [("t-multi", ",".join(letter(i) for i in correct), True)]
    assert "Right" in text


def test_multi_with_nothing_ticked_is_refused_not_graded(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    screen, text = drive(make_run(env, qstore, [MULTI]), ["enter"])
    assert "Not an answer yet: tick at least one choice" in text
    assert saved(qstore) == [] and screen.phase == "asking"


def test_ordering_takes_numbers_backspace_and_refuses_an_incomplete_order(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [ORDER])
    digits = right_answer(run.prepared[0].asked).split()
    keys = [digits[0], digits[1], "enter"]  # two of three: refused
    screen, text = drive(run, keys)
    assert "Not an answer yet: place every item" in text
    assert f"Your order: {digits[0]} {digits[1]} _" in text
    assert saved(qstore) == [] and screen.phase == "asking"
    run = make_run(env, qstore, [ORDER])
    keys = [digits[1], "backspace", *digits, "enter"]
    _screen, text = drive(run, keys)
    assert saved(qstore) == [("t-order", " ".join(digits), True)]
    assert "Right" in text


def test_a_number_typo_is_refused_and_asked_again(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [NUMBER])
    screen, text = drive(run, [*"3z", "enter"])
    assert "Not an answer: '3z' is not a number" in text
    assert saved(qstore) == [] and screen.phase == "asking"
    run = make_run(env, qstore, [NUMBER])
    _screen, text = drive(run, [*"3z", "enter", "backspace", "backspace", *"0x20", "enter"])
    assert saved(qstore) == [("t-number", "0x20", True)]
    assert "32 bits." in text


def test_question_mark_reveals_the_answer_as_a_miss(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE])
    _screen, text = drive(run, ["question_mark"])
    assert "Your answer: ?" in text and "The answer:" in text and "Network" in text
    assert saved(qstore) == [("t-choice", "?", False)]


def test_q_stops_with_the_score_no_enter_needed(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE, MULTI, ORDER])
    right = right_answer(run.prepared[0].asked)
    screen, text = drive(run, [right, "q"])
    assert screen.phase == "done"
    assert screen.score is not None
    assert (screen.score.right, screen.score.answered, screen.score.stopped) == (1, 1, "quit")
    assert "Quiz done" in text and "1 of 1 right (100%)" in text
    assert "1 of 3 questions answered" in text
    # And q again closes the screen (the app ends with the score).
    screen = QuizScreen(make_run(env, qstore, [CHOICE]))

    async def go() -> object:
        app = Host(screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("q", "q")
            await pilot.pause()
        return app.return_value

    assert asyncio.run(go()) is screen.score


def test_the_whole_quiz_to_the_score_at_80x24(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    run = make_run(env, qstore, [CHOICE, MULTI, ORDER, NUMBER])
    keys = [right_answer(run.prepared[0].asked), "enter", "question_mark", "enter"]
    keys += [*right_answer(run.prepared[2].asked).split(), "enter", "enter"]
    keys += [*"32", "enter", "enter"]
    screen, text = drive(run, keys)
    assert screen.phase == "done" and screen.score is not None
    assert (screen.score.right, screen.score.answered, screen.score.stopped) == (3, 4, "")
    assert "3 of 4 right (75%)" in text
    assert [c for _q, _g, c in saved(qstore)] == [True, False, True, True]


# ------------------------------------------------------------------ shuffling


def test_choices_are_shuffled_reproducibly_and_differently_across_askings() -> None:
    orders = {ask(CHOICE, random.Random(seed)).choices for seed in range(12)}
    assert len(orders) > 3  # different across askings
    assert ask(CHOICE, random.Random(5)) == ask(CHOICE, random.Random(5))  # the seed repeats
    for seed in range(12):
        asked = ask(CHOICE, random.Random(seed))
        assert asked.choices[asked.correct[0]] == "Network"
        # The explanation's "(a)" follows "Physical" to wherever it is shown.
        shown = letter(asked.choices.index("Physical"))
        assert f"the others ({shown}) do not" in asked.explanation
        multi = ask(MULTI, random.Random(seed))
        assert {multi.choices[i] for i in multi.correct} == {"SYN", "ACK"}


def test_the_screen_shows_the_seeded_order(store) -> None:  # type: ignore[no-untyped-def]
    env, qstore = store
    shown = []
    for seed in (1, 1, 2, 3, 4):
        run = make_run(env, qstore, [CHOICE], seed=seed)
        _screen, text = drive(run, [])
        lines = [line.strip(" │›") for line in text.splitlines() if ") " in line]
        shown.append(tuple(line.split(") ", 1)[1].strip() for line in lines[:4]))
    assert shown[0] == shown[1]
    assert len(set(shown)) > 1


def test_pad_keys_map_to_the_answer_a_script_would_type() -> None:
    asked = ask(MULTI, random.Random(3))
    pad = AnswerPad(asked)
    assert pad.key("a").action == "" and pad.key("c").action == ""
    assert pad.key("c").action == ""  # untick
    assert pad.line() == "a"
    assert pad.key("z").action == "refuse"
    assert pad.key("enter").action == "submit"


# ------------------------------------------------------------------ plain mode (stdin lines)


def quiet_env() -> Env:
    return Env.build("plain", stdout=StringIO(), stderr=StringIO(), stdin=StringIO())


def plain_run(make_env: MakeEnv, questions: list[Question], lines: str, seed: int = 1):  # type: ignore[no-untyped-def]
    env, buf = make_env("plain", seed=seed)
    env.stdin = StringIO(lines)
    with ProgressStore.open(env.data_dir, env.warn) as s:
        qstore = QuizStore(s)
        prepared = prepare(questions, 0, random.Random(seed), env, shuffle=False)
        result = QuizRun(env, qstore, prepared, LessonIndex()).run()
        return result, saved(qstore), buf.getvalue(), prepared


def test_plain_mode_refuses_a_number_typo_and_asks_again(make_env: MakeEnv) -> None:
    result, rows, out, _ = plain_run(make_env, [NUMBER, CHOICE], "3z\n32\n")
    assert rows == [("t-number", "32", True)]  # the typo was not graded
    assert "'3z': Not an answer: '3z' is not a number" in out and "Try again." in out
    assert (result.answered, result.stopped) == (1, "eof")


def test_plain_mode_refuses_every_kind_alike(make_env: MakeEnv) -> None:
    plan = prepare([CHOICE, MULTI, ORDER], 0, random.Random(1), quiet_env(), shuffle=False)
    lines = "e\n" + right_answer(plan[0].asked) + "\n"  # a letter beyond a-d
    lines += "a,z\n?\n"  # multi: z refused
    lines += "1 2\n1 1 2\n" + right_answer(plan[2].asked) + "\n"  # order: two refused
    result, rows, out, _ = plain_run(make_env, [CHOICE, MULTI, ORDER], lines)
    assert [c for _q, _g, c in rows] == [True, False, True]
    assert out.count("Not an answer") == 4
    assert "not a valid answer" not in out
    assert (result.right, result.answered) == (2, 3)


def test_plain_mode_letters_name_the_shuffled_order_shown(make_env: MakeEnv) -> None:
    outs = []
    for seed in (7, 7, 8, 9, 10):
        _result, rows, out, prepared = plain_run(make_env, [CHOICE], "", seed=seed)
        asked = prepared[0].asked
        for i, choice in enumerate(asked.choices):
            assert f"{letter(i)}) {choice}" in out  # the letters shown are the order graded
        outs.append(asked.choices)
    assert outs[0] == outs[1] and len(set(outs)) > 1
    right = right_answer(prepare([CHOICE], 0, random.Random(7), quiet_env(), False)[0].asked)
    _result, rows, _out, _p = plain_run(make_env, [CHOICE], right + "\n", seed=7)
    assert rows[-1] == ("t-choice", right, True)


def test_json_mode_reports_a_refusal_as_its_own_event(make_env: MakeEnv) -> None:
    import json

    env, buf = make_env("json")
    env.stdin = StringIO("lots\n32\n")
    with ProgressStore.open(env.data_dir, env.warn) as s:
        prepared = prepare([NUMBER], 0, random.Random(1), env, shuffle=False)
        QuizRun(env, QuizStore(s), prepared, LessonIndex()).run()
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    kinds = [e["type"] for e in events]
    assert kinds == ["quiz.question", "quiz.refused", "quiz.answer", "quiz.score"]
    assert events[1]["given"] == "lots" and "not a number" in events[1]["message"]
