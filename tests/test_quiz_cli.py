"""`netlearn quiz` and `netlearn review` driven as a script drives them: answers on stdin."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
from collections.abc import Callable
from io import StringIO
from pathlib import Path

from netlearn.env import Env
from netlearn.quiz.commands import load_questions
from netlearn.quiz.runner import Prepared, prepare
from netlearn.quiz.scoring import right_answer

RunCli = Callable[..., subprocess.CompletedProcess[str]]


def expected(seed: int, lessons: list[str], count: int) -> list[Prepared]:
    """The questions `netlearn quiz LESSONS --seed SEED --count COUNT` asks, made in-process."""
    questions, _index, _banks = load_questions()
    pool = [q for q in questions if q.lesson in lessons]
    env = Env.build("plain", stdout=StringIO(), stderr=StringIO(), stdin=StringIO())
    return prepare(pool, count, random.Random(seed), env)


def json_lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_right_answers_on_stdin_score_full_marks_in_json(run_cli: RunCli) -> None:
    plan = expected(11, ["osi", "websocket"], 8)
    answers = "".join(right_answer(p.asked) + "\n" for p in plan)
    r = run_cli("quiz", "osi", "websocket", "--seed", "11", "-n", "8", "-f", "json", input=answers)
    assert r.returncode == 0, r.stderr
    events = json_lines(r.stdout)
    asked = [e for e in events if e["type"] == "quiz.question"]
    judged = [e for e in events if e["type"] == "quiz.answer"]
    assert [e["question_id"] for e in asked] == [p.question.id for p in plan]
    assert [e["question_id"] for e in judged] == [p.question.id for p in plan]
    for e, p in zip(judged, plan, strict=True):
        assert e["correct"] is True
        assert e["given"] == e["right_answer"] == right_answer(p.asked)
    (final,) = [e for e in events if e["type"] == "quiz.score"]
    assert (final["right"], final["answered"], final["total"]) == (8, 8, 8)


def test_wrong_answers_are_judged_wrong_with_the_right_answer(run_cli: RunCli) -> None:
    plan = expected(12, ["tcp"], 5)
    answers = "?\n" * 5
    r = run_cli("quiz", "tcp", "--seed", "12", "--count", "5", "--format", "json", input=answers)
    assert r.returncode == 0, r.stderr
    judged = [e for e in json_lines(r.stdout) if e["type"] == "quiz.answer"]
    assert [e["correct"] for e in judged] == [False] * 5
    assert [e["right_answer"] for e in judged] == [right_answer(p.asked) for p in plan]
    assert all(e["explanation"] for e in judged)


def test_the_seed_repeats_order_and_generated_numbers(run_cli: RunCli) -> None:
    def questions(seed: str) -> list[object]:
        r = run_cli("quiz", "tcp", "osi", "--seed", seed, "-n", "0", "-f", "json")
        return [e for e in json_lines(r.stdout) if e["type"] == "quiz.question"][:1]

    # With no input the quiz shows the first question, then ends cleanly at end of input.
    first = questions("5")
    assert first == questions("5")
    assert any(questions(str(seed)) != first for seed in (6, 7, 8))


def test_end_of_input_ends_the_quiz_with_the_score_so_far(run_cli: RunCli) -> None:
    plan = expected(3, ["osi"], 6)
    # The second line is not an answer: refused and asked again, never graded.
    answers = right_answer(plan[0].asked) + "\n" + "zz\n" + "?\n"
    r = run_cli("quiz", "osi", "--seed", "3", "--count", "6", input=answers)
    assert r.returncode == 0, r.stderr
    assert "Question 1 of 6" in r.stdout and "Question 3 of 6" in r.stdout
    assert "Question 4 of 6" not in r.stdout
    assert "Quiz score: 1 of 2 right (50%)." in r.stdout
    assert "Answered 2 of 6 questions (input ended)." in r.stdout
    assert "'zz': Not an answer:" in r.stdout and "Try again." in r.stdout
    assert "not a valid answer" not in r.stdout
    assert "\x1b[" not in r.stdout  # plain text in a pipe
    for line in r.stdout.splitlines():
        assert len(line) <= 80, line


def test_answers_are_saved_in_the_progress_store(run_cli: RunCli, netlearn_home: Path) -> None:
    plan = expected(4, ["websocket"], 3)
    answers = f"{right_answer(plan[0].asked)}\n?\n{right_answer(plan[2].asked)}\n"
    r = run_cli("quiz", "websocket", "--seed", "4", "-n", "3", input=answers)
    assert r.returncode == 0, r.stderr
    db = sqlite3.connect(netlearn_home / "progress.sqlite3")
    rows = db.execute("SELECT question_id, given, correct FROM quiz_answers ORDER BY id").fetchall()
    assert [(q, c) for q, _g, c in rows] == [
        (plan[0].question.id, 1),
        (plan[1].question.id, 0),
        (plan[2].question.id, 1),
    ]
    boxes = dict(db.execute("SELECT question_id, box FROM quiz_cards").fetchall())
    assert boxes == {plan[0].question.id: 1, plan[1].question.id: 0, plan[2].question.id: 1}
    r = run_cli("progress", "-f", "plain")
    assert r.returncode == 0, r.stderr
    bank = len([q for q in load_questions()[0] if q.lesson == "websocket"])
    assert f"quiz 3 of {bank} answered, 67% of answers right" in " ".join(r.stdout.split())


def test_review_asks_what_is_due_and_moves_it_up(run_cli: RunCli, netlearn_home: Path) -> None:
    r = run_cli("review")
    assert r.returncode == 0 and "Nothing to review yet" in r.stdout
    run_cli("quiz", "osi", "--seed", "9", "-n", "3", input="?\n?\n?\n")  # three wrong: box 0
    r = run_cli("review")
    assert r.returncode == 0 and "Nothing is due for review" in r.stdout
    assert "3 question(s) in 10 minutes" in r.stdout
    # Eleven minutes later (the store's clock is wall time: move the due dates instead).
    db = sqlite3.connect(netlearn_home / "progress.sqlite3")
    with db:
        db.execute("UPDATE quiz_cards SET due = due - 660")
    order = [
        q for (q,) in db.execute("SELECT question_id FROM quiz_cards ORDER BY due, question_id")
    ]
    questions, _index, _banks = load_questions()
    by_id = {q.id: q for q in questions}
    env = Env.build("plain", stdout=StringIO(), stderr=StringIO(), stdin=StringIO())
    plan = prepare([by_id[q] for q in order], 20, random.Random(8), env, shuffle=False)
    answers = "".join(right_answer(p.asked) + "\n" for p in plan)
    r = run_cli("review", "--seed", "8", "-f", "json", input=answers)
    assert r.returncode == 0, r.stderr
    judged = [e for e in json_lines(r.stdout) if e["type"] == "quiz.answer"]
    assert [e["question_id"] for e in judged] == order  # most overdue first
    assert all(e["correct"] for e in judged)
    assert {e["next_review"] for e in judged} == {"in 1 day"}
    # Right when due: from box 0 up to box 1, back in a day; the answers are kept as reviews.
    assert set(db.execute("SELECT box FROM quiz_cards")) == {(1,)}
    assert db.execute("SELECT COUNT(*) FROM quiz_answers WHERE mode = 'review'").fetchone() == (3,)
    r = run_cli("review")
    assert "Nothing is due for review" in r.stdout and "in 1 day" in r.stdout


def test_bad_lesson_is_one_clear_line(run_cli: RunCli) -> None:
    r = run_cli("quiz", "tpc")
    assert r.returncode == 1
    assert r.stderr.startswith("netlearn: ")
    assert len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_help_documents_the_answer_syntax(run_cli: RunCli) -> None:
    for command in ("quiz", "review"):
        r = run_cli(command, "--help")
        assert r.returncode == 0
        text = " ".join(r.stdout.split())
        assert "(a,c)" in text and "(3 1 2)" in text and "--seed" in text


def test_progress_export_json_and_csv(run_cli: RunCli, tmp_path: Path) -> None:
    plan = expected(2, ["osi"], 2)
    run_cli("quiz", "osi", "--seed", "2", "-n", "2", input=right_answer(plan[0].asked) + "\n?\n")
    out = tmp_path / "record.json"
    r = run_cli("progress", "--export", str(out), "--name", "Ada")
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["format"] == "netlearn-progress/1" and data["learner"] == "Ada"
    osi = next(x for x in data["lessons"] if x["id"] == "osi")
    assert (osi["quiz_answers"], osi["quiz_right"], osi["quiz_accuracy"]) == (2, 1, 0.5)
    assert [a["question_id"] for a in data["answers"]] == [p.question.id for p in plan]
    assert data["streak_days"] == 1
    csv_path = tmp_path / "record.csv"
    assert run_cli("progress", "--export", str(csv_path)).returncode == 0
    lines = csv_path.read_text().splitlines()
    assert lines[0].startswith("learner,lesson,title,steps_seen")
    assert any(line.startswith(",osi,") and ",2,1,50.0," in line for line in lines)
    r = run_cli("progress", "--export", str(tmp_path / "record.xlsx"))
    assert r.returncode == 1 and ".json or .csv" in r.stderr


def test_progress_reset_keeps_working_and_can_forget_the_quiz(
    run_cli: RunCli, netlearn_home: Path
) -> None:
    run_cli("quiz", "osi", "--seed", "1", "-n", "2", input="?\n?\n")
    r = run_cli("progress", "reset", "osi")
    assert r.returncode == 1 and "--yes" in r.stderr
    r = run_cli("progress", "reset", "osi", "--yes")
    assert r.returncode == 0 and "0 record(s) removed" in r.stdout
    db = sqlite3.connect(netlearn_home / "progress.sqlite3")
    assert db.execute("SELECT COUNT(*) FROM quiz_answers").fetchone() == (2,)
    r = run_cli("progress", "reset", "osi", "--quiz", "--yes")
    assert r.returncode == 0 and "2 quiz answer(s)" in r.stdout
    assert db.execute("SELECT COUNT(*) FROM quiz_answers").fetchone() == (0,)
