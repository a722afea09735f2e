"""The shipped question bank, and the content checker that guards it."""

from __future__ import annotations

import random
import re
import textwrap
from pathlib import Path

import pytest

from netlearn.content.checker import check
from netlearn.content.manifest import load
from netlearn.paths import lessons_dir
from netlearn.quiz.ask import ask
from netlearn.quiz.bank import load_all
from netlearn.quiz.check import check_quizzes
from netlearn.quiz.model import QuestionUnavailable
from netlearn.quiz.scoring import right_answer, right_text, score

LESSONS = ("osi", "tcp", "capture", "websocket", "socketio")

# The questions of the learner's notes, word for word (lessons/../learner-notes), and words the
# right answer and explanation must contain between them.
NOTES: dict[str, tuple[str, ...]] = {
    "What is a WebSocket?": ("RFC 6455", "TCP", "Upgrade", "either side"),
    "Describe the WebSocket request/response handshake and what happens once the connection "
    "is established.": (
        "Upgrade: websocket",
        "Sec-WebSocket-Key",
        "101 Switching Protocols",
        "Sec-WebSocket-Accept",
        "frames",
        "both",
    ),
    "WebSockets provide a standardized way for the server to send content to a client without "
    "first receiving a ____ from that client.": ("request",),
    "What does the event handler io.on() do?": (
        "'connection'",
        "socket.on(",
        "that client",
    ),
    "Describe some possible proof of life, or proof that the code works as expected.": (
        "a user connected",
        "101 Switching Protocols",
        "another tab",
    ),
    "What does socket.emit() do?": ("to that one client", "to the server"),
    "What is the difference between WebSocket and Socket.IO? (think Git and GitHub, or OAuth "
    "and Auth0)": ("RFC 6455", "library", "long-polling", "Git"),
    "When would you use Socket.IO? When would you use WebSockets?": (
        "Socket.IO when",
        "plain WebSocket when",
    ),
    "What are the seven layers of the OSI model?": (
        "Physical",
        "Data link",
        "Network",
        "Transport",
        "Session",
        "Presentation",
        "Application",
    ),
    "Explain the TCP handshake to a non-technical friend.": ("SYN", "SYN-ACK", "ACK", "three"),
}


def test_the_shipped_bank_has_no_problems() -> None:
    assert check_quizzes(lessons_dir(), load()) == []


def test_netlearn_check_includes_the_quiz_check() -> None:
    # `netlearn check` (and its function) report what the quiz checker reports.
    assert [str(p) for p in check()] == []


def test_each_lesson_has_at_least_fifteen_questions_of_several_kinds() -> None:
    questions, problems = load_all()
    assert problems == []
    for lesson in LESSONS:
        mine = [q for q in questions if q.lesson == lesson]
        assert len(mine) >= 15, lesson
        assert any(q.kind in ("generated", "capture") for q in mine), lesson
    kinds = {q.kind for q in questions}
    assert kinds == {"choice", "multi", "fill", "order", "generated", "capture"}


def test_the_ten_questions_of_the_notes_are_answered_fully() -> None:
    questions, _ = load_all()
    by_note = {q.from_notes: q for q in questions if q.from_notes}
    assert set(by_note) == set(NOTES)
    for note, words in NOTES.items():
        q = by_note[note]
        asked = ask(q, random.Random(0))
        full = right_text(asked) + " " + q.explanation
        for word in words:
            assert word in full, (q.id, word)
        assert len(q.explanation.split()) >= 40, q.id  # an explanation, not a one-liner


def test_the_fill_in_the_blank_of_the_notes_takes_request() -> None:
    questions, _ = load_all()
    (q,) = [q for q in questions if q.from_notes and "____" in q.from_notes]
    asked = ask(q, random.Random(0))
    assert score(asked, "request").correct
    assert score(asked, "Request?").correct  # the notes' own answer, with its question mark
    assert not score(asked, "response").correct


def test_the_handshake_and_layer_orderings_are_in_the_right_order() -> None:
    questions, _ = load_all()
    by_id = {q.id: q for q in questions}
    layers = by_id["osi-seven-layers"].items
    assert [x.split()[0] for x in layers] == [
        "Physical",
        "Data",
        "Network",
        "Transport",
        "Session",
        "Presentation",
        "Application",
    ]
    handshake = " ".join(by_id["ws-handshake"].items)
    order = ["TCP connection", "Sec-WebSocket-Key", "101 Switching", "frames", "Close frame"]
    positions = [handshake.index(word) for word in order]
    assert positions == sorted(positions)
    tcp = by_id["tcp-handshake-order"].items
    segments = [re.match(r"\w+ to \w+: ([A-Z,-]+[A-Z])", x).group(1) for x in tcp]  # type: ignore[union-attr]
    assert segments == ["SYN", "SYN-ACK", "ACK"]


def test_every_question_takes_its_own_right_answer() -> None:
    questions, _ = load_all()
    for q in questions:
        for seed in range(3):
            try:
                asked = ask(q, random.Random(seed))
            except QuestionUnavailable:
                continue  # a capture question when no capture is bundled
            assert asked.explanation, q.id
            assert score(asked, right_answer(asked)).correct, q.id
            if asked.kind in ("choice", "multi"):
                wrong = next(
                    i for i in range(len(asked.choices)) if i not in asked.correct
                )  # any one wrong choice
                assert not score(asked, chr(97 + wrong)).correct, q.id


def test_right_letters_are_spread_over_the_choices() -> None:
    questions, _ = load_all()
    letters = [q.answer[0] for q in questions if q.kind == "choice"]
    # Authors keep choices in a fixed order, so they must not always put the answer at b.
    assert len(set(letters)) >= 3
    assert max(letters.count(x) for x in set(letters)) < 0.7 * len(letters)


# ------------------------------------------------------------------ the checker on broken banks


def make_lessons(tmp_path: Path, quiz: str, lesson_md: str | None = "default") -> Path:
    root = tmp_path / "lessons"
    (root / "demo").mkdir(parents=True)
    (root / "lessons.toml").write_text(
        '[[lesson]]\nid = "demo"\ntitle = "Demo"\nminutes = 1\nsummary = "s"\n'
    )
    if lesson_md == "default":
        lesson_md = "# Demo\n\n## One {#one}\nText.\n\n## Two {#two}\nMore.\n"
    if lesson_md is not None:
        (root / "demo" / "lesson.md").write_text(lesson_md)
    (root / "demo" / "quiz.toml").write_text(textwrap.dedent(quiz))
    return root


GOOD = """
[[question]]
id = "q1"
kind = "choice"
step = "one"
prompt = "Which?"
choices = ["x", "y"]
answer = "b"
explanation = "Because."
"""


def problems_of(root: Path) -> list[str]:
    return [str(p) for p in check(root)]


def test_a_good_bank_passes(tmp_path: Path) -> None:
    assert problems_of(make_lessons(tmp_path, GOOD)) == []


@pytest.mark.parametrize(
    ("quiz", "line", "message"),
    [
        (GOOD + GOOD, 11, "duplicate question id 'q1'"),
        (GOOD.replace('answer = "b"', 'answer = "c"'), 8, "answer 'c' is not among the choices"),
        (GOOD.replace('explanation = "Because."', ""), 2, "needs 'explanation'"),
        (GOOD.replace('step = "one"', 'step = "three"'), 5, "has no step 'three'"),
        (GOOD.replace('step = "one"', 'step = "onee"'), 5, "did you mean 'one'?"),
        (GOOD.replace('kind = "choice"', 'kind = "essay"'), 4, "`kind` must be one of"),
        (GOOD.replace('choices = ["x", "y"]', 'choices = ["x", "x"]'), 7, "two choices"),
        (GOOD + "colour = 1\n", 10, "unknown key 'colour'"),
        (
            GOOD.replace('kind = "choice"', 'kind = "multi"').replace('"b"', '["a", "z"]'),
            8,
            "answer 'z' is not among the choices",
        ),
        (
            '[[question]]\nid = "g"\nkind = "generated"\nstep = "one"\ngenerator = "tcp.synack"\n',
            5,
            "unknown generator 'tcp.synack'; did you mean 'tcp.synack_ack'?",
        ),
        (
            '[[question]]\nid = "f"\nkind = "fill"\nstep = "one"\nprompt = "no blank"\n'
            'answer = "x"\nexplanation = "e"\n',
            5,
            "shows the blank as ____",
        ),
        ("[[question]]\nid = 'Bad Id'\n", 2, "needs an `id`"),
        ("[[question\n", 1, "not TOML"),
    ],
)
def test_the_checker_names_file_line_and_problem(
    tmp_path: Path, quiz: str, line: int, message: str
) -> None:
    root = make_lessons(tmp_path, quiz)
    found = problems_of(root)
    assert found, quiz
    path = root / "demo" / "quiz.toml"
    assert any(p.startswith(f"{path}:{line}: ") and message in p for p in found), found


def test_step_references_are_checked_only_when_the_lesson_exists(tmp_path: Path) -> None:
    quiz = GOOD.replace('step = "one"', 'step = "not-written-yet"')
    root = make_lessons(tmp_path, quiz, lesson_md=None)
    found = problems_of(root)
    # The lesson file itself is reported missing, but the quiz is not blamed for its steps.
    assert not any("not-written-yet" in p for p in found)
    assert any("lesson file" in p and "missing" in p for p in found)


def test_duplicate_ids_across_lessons_are_found(tmp_path: Path) -> None:
    root = make_lessons(tmp_path, GOOD)
    other = root / "other"
    other.mkdir()
    (other / "quiz.toml").write_text(textwrap.dedent(GOOD))
    found = problems_of(root)
    assert any(
        re.search(r"other/quiz.toml:\d+: duplicate question id 'q1' \(first at .*demo", p)
        for p in found
    ), found


def test_a_quiz_refuses_a_broken_bank_with_one_clear_line(tmp_path: Path) -> None:
    from netlearn.errors import NetlearnError
    from netlearn.quiz.commands import load_questions

    root = make_lessons(tmp_path, GOOD.replace('answer = "b"', 'answer = "q"'))
    with pytest.raises(NetlearnError) as info:
        load_questions(root)
    message = str(info.value)
    assert "quiz.toml:8: question 'q1': answer 'q' is not among the choices" in message
    assert "netlearn check" in message and "\n" not in message
