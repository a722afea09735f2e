"""The quiz card and the runner's two ways in: a person at a terminal, a script on a pipe."""

from __future__ import annotations

import random
from collections.abc import Callable
from io import StringIO
from pathlib import Path

from rich.console import Console

from netlearn.env import Env
from netlearn.progress.store import ProgressStore
from netlearn.quiz.card import AnswerCard, QuizCard, ScoreCard, marked_hexdump
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.model import Question
from netlearn.quiz.runner import LessonIndex, QuizRun, prepare
from netlearn.quiz.store import QuizStore

MakeEnv = Callable[..., tuple[Env, StringIO]]


def console() -> tuple[Console, StringIO]:
    buf = StringIO()
    return Console(file=buf, width=80, color_system=None), buf


QUESTION = QuizQuestion(
    number=2,
    total=5,
    question_id="osi-gen-hex-layer",
    lesson="osi",
    lesson_title="The OSI model",
    step="inspector",
    answer_kind="choice",
    source="generated",
    prompt="Which header does the highlighted byte, at offset 23 (0x0017), belong to?",
    choices=("Layer 2 Data link: Ethernet header", "Layer 3 Network: IPv4 header"),
    hexdump=bytes(range(40)),
    highlight=23,
    syntax="one letter a-b",
)


def test_the_card_shows_prompt_dump_mark_and_choices_within_80_columns() -> None:
    con, buf = console()
    con.print(QuizCard(QUESTION))
    text = buf.getvalue()
    assert "Question 2 of 5 · The OSI model" in text
    assert "a) Layer 2 Data link: Ethernet header" in text
    assert "0010  10 11 12 13 14 15 16 17 18" in text
    lines = text.splitlines()
    row = next(i for i, line in enumerate(lines) if "0010  10 11" in line)
    caret = lines[row + 1]
    # The ^^ sits under byte 0x17 of the row above, whatever the panel's border adds.
    assert caret.index("^^") == lines[row].index(" 17 ") + 1
    assert "byte 23 (0x0017)" in caret
    assert all(len(line) <= 80 for line in lines)


def test_the_plain_dump_marks_the_byte_on_the_line_below() -> None:
    lines = marked_hexdump(bytes(range(20)), 17)
    assert lines[1].startswith("0010  10 11")
    assert lines[2].index("^^") == lines[1].index("11")
    assert marked_hexdump(b"\x00" * 4) == ["0000  00 00 00 00" + " " * 36 + "  ...."]


def test_the_back_of_the_card_says_right_or_not_and_why() -> None:
    con, buf = console()
    answer = QuizAnswer(
        number=2,
        question_id="q",
        lesson="osi",
        given="a",
        correct=False,
        valid=True,
        right_answer="b",
        right_text="b) `tcp port 8080`",
        explanation="Because the **IPv4** header is bytes 14-33.",
        step="inspector",
        step_ref="lesson 'osi', step 10 (netlearn learn osi --step 10)",
        next_review="in 10 minutes",
    )
    con.print(AnswerCard(answer))
    text = buf.getvalue()
    assert "Not quite" in text and "Your answer: a  not right" in text
    assert "The answer: b) tcp port 8080" in text  # code spans drawn, backticks dropped
    assert "Because the IPv4 header" in text
    assert "netlearn learn osi --step 10" in text and "Asked again in 10 minutes." in text
    con, buf = console()
    con.print(ScoreCard(QuizScore(mode="quiz", right=3, answered=4, total=5, stopped="quit")))
    assert "3 of 4 right (75%)" in buf.getvalue() and "4 of 5 questions" in buf.getvalue()


BANK = [
    Question(
        id="t-choice",
        lesson="demo",
        kind="choice",
        step="one",
        path=Path("x"),
        line=1,
        prompt="Pick b.",
        choices=("no", "yes", "no way"),
        answer=("b",),
        explanation="b is yes.",
    ),
    Question(
        id="t-fill",
        lesson="demo",
        kind="fill",
        step="one",
        path=Path("x"),
        line=1,
        prompt="Say ____.",
        answer=("request",),
        explanation="It is request.",
    ),
]


def right_letter(env: Env) -> str:
    """The letter of the right choice of BANK[0] as `run` shows it (choices are shuffled)."""
    from netlearn.quiz.scoring import right_answer

    return right_answer(prepare(BANK, 0, random.Random(1), env, shuffle=False)[0].asked)


def run(env: Env, qs: list[Question]) -> tuple[QuizScore, list[tuple[str, bool]]]:
    with ProgressStore.open(env.data_dir, env.warn) as store:
        qstore = QuizStore(store)
        prepared = prepare(qs, 0, random.Random(1), env, shuffle=False)
        result = QuizRun(env, qstore, prepared, LessonIndex()).run()
        return result, [(a.question_id, a.correct) for a in qstore.answers()]


def test_at_a_terminal_a_bad_answer_is_asked_again_and_q_stops(make_env: MakeEnv) -> None:
    env, buf = make_env("rich")
    env.is_tty = env.stdin_tty = True  # a person at a terminal (the screen is our buffer)
    env.stdin = StringIO(f"z\n\n{right_letter(env)}\n\nq\n")
    assert env.interactive
    result, saved = run(env, BANK)
    out = buf.getvalue()
    assert "there is no choice 'z'" in out  # asked again, not judged
    assert "Type an answer" in out  # an empty line is not an answer at a terminal
    assert saved == [("t-choice", True)]  # the invalid tries were not recorded
    assert (result.right, result.answered, result.total, result.stopped) == (1, 1, 2, "quit")
    assert "Quiz done" in out and "Enter: next question" in out


def test_at_a_terminal_end_of_input_ends_the_quiz(make_env: MakeEnv) -> None:
    env, buf = make_env("rich")
    env.is_tty = env.stdin_tty = True
    env.stdin = StringIO(f"{right_letter(env)}\n\nrequest\n")
    result, saved = run(env, BANK)
    assert saved == [("t-choice", True), ("t-fill", True)]
    assert (result.right, result.stopped) == (2, "")
    assert "2 of 2 right (100%)" in buf.getvalue()


def test_in_a_pipe_each_line_is_one_answer_and_nothing_waits(make_env: MakeEnv) -> None:
    env, buf = make_env("plain")
    # Not an answer: refused and asked again (never graded), then "?" and the input ends.
    env.stdin = StringIO("z\n?\n")
    assert not env.interactive
    result, saved = run(env, BANK)
    out = buf.getvalue()
    assert saved == [("t-choice", False)]
    assert "'z': Not an answer: there is no choice 'z' (a-c); answer with one letter a-c." in out
    assert "not a valid answer" not in out
    assert f"The answer: {right_letter(env)}) yes" in out
    assert "Answered 1 of 2 questions (input ended)." in out
    assert "Enter" not in out and "\x1b[" not in out
    assert (result.answered, result.stopped) == (1, "eof")


def test_json_prints_each_question_and_judged_answer(make_env: MakeEnv) -> None:
    import json

    env, buf = make_env("json")
    env.stdin = StringIO(f"{right_letter(env)}\nresponse\n")
    run(env, BANK)
    events = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert [e["type"] for e in events] == [
        "quiz.question",
        "quiz.answer",
        "quiz.question",
        "quiz.answer",
        "quiz.score",
    ]
    answers = [e for e in events if e["type"] == "quiz.answer"]
    assert [(a["question_id"], a["given"], a["correct"], a["right_answer"]) for a in answers] == [
        ("t-choice", right_letter(env), True, right_letter(env)),
        ("t-fill", "response", False, "request"),
    ]
