"""Trust: an interrupted or killed quiz keeps what was answered; two quizzes can write at once;
a damaged store is moved aside with a warning and the quiz goes on."""

from __future__ import annotations

import json
import os
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from netlearn.quiz.scoring import right_answer
from tests.conftest import REPO
from tests.test_quiz_cli import expected


def start(home: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NETLEARN_HOME": str(home), "COLUMNS": "80"}
    return subprocess.Popen(
        [sys.executable, "-m", "netlearn", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=REPO,
    )


def read_events_until(
    proc: subprocess.Popen[bytes], kind: str, n: int, timeout: float = 30
) -> list[dict[str, object]]:
    """JSON events from the quiz's stdout, until the n-th event of `kind` has arrived."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    buf = b""
    events: list[dict[str, object]] = []
    deadline = time.monotonic() + timeout
    while sum(1 for e in events if e["type"] == kind) < n:
        left = deadline - time.monotonic()
        assert left > 0, f"timed out waiting for {kind} #{n}: {events}"
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        assert chunk, f"the quiz ended early: {events}"
        buf += chunk
        *lines, buf = buf.split(b"\n")
        events.extend(json.loads(line) for line in lines if line.strip())
    return events


def answers_in_store(home: Path) -> list[tuple[str, int]]:
    db = sqlite3.connect(home / "progress.sqlite3")
    try:
        return db.execute("SELECT question_id, correct FROM quiz_answers ORDER BY id").fetchall()
    finally:
        db.close()


def test_a_killed_quiz_keeps_every_answer_given_before(netlearn_home: Path) -> None:
    plan = expected(21, ["osi"], 6)
    proc = start(netlearn_home, "quiz", "osi", "--seed", "21", "-n", "6", "-f", "json")
    try:
        assert proc.stdin is not None
        for p in plan[:2]:
            proc.stdin.write((right_answer(p.asked) + "\n").encode())
        proc.stdin.flush()
        # Wait until the quiz has judged (and so saved) the second answer and asks the third.
        events = read_events_until(proc, "quiz.question", 3)
        assert [e["correct"] for e in events if e["type"] == "quiz.answer"] == [True, True]
        proc.kill()  # SIGKILL: no chance to clean up
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert answers_in_store(netlearn_home) == [(plan[0].question.id, 1), (plan[1].question.id, 1)]


def test_ctrl_c_shows_the_score_so_far_and_exits_130(netlearn_home: Path) -> None:
    plan = expected(22, ["websocket"], 5)
    proc = start(netlearn_home, "quiz", "websocket", "--seed", "22", "-n", "5", "-f", "json")
    try:
        assert proc.stdin is not None
        proc.stdin.write(f"{right_answer(plan[0].asked)}\n?\n".encode())
        proc.stdin.flush()
        read_events_until(proc, "quiz.question", 3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert b"Traceback" not in err
    score = [json.loads(x) for x in out.splitlines() if b"quiz.score" in x]
    assert score and score[-1]["stopped"] == "interrupted"
    assert (score[-1]["right"], score[-1]["answered"]) == (1, 2)
    assert answers_in_store(netlearn_home) == [(plan[0].question.id, 1), (plan[1].question.id, 0)]


def test_two_quizzes_at_once_both_keep_all_their_answers(netlearn_home: Path) -> None:
    procs = [
        start(netlearn_home, "quiz", "--seed", str(seed), "-n", "0", "-f", "json")
        for seed in (31, 32)
    ]
    outs = [p.communicate(b"?\n" * 40, timeout=120) for p in procs]
    for proc, (_out, err) in zip(procs, outs, strict=True):
        assert proc.returncode == 0, err.decode()
        assert b"Traceback" not in err
    saved = answers_in_store(netlearn_home)
    assert len(saved) == 80 and all(correct == 0 for _q, correct in saved)


def test_a_damaged_store_is_moved_aside_and_the_quiz_goes_on(netlearn_home: Path) -> None:
    netlearn_home.mkdir(parents=True, exist_ok=True)
    (netlearn_home / "progress.sqlite3").write_bytes(b"this is not a database" * 100)
    proc = start(netlearn_home, "quiz", "tcp", "--seed", "1", "-n", "1")
    out, err = proc.communicate(b"?\n", timeout=60)
    assert proc.returncode == 0, err.decode()
    assert b"warning" in err and b"was damaged" in err
    assert b"Quiz score: 0 of 1 right" in out
    aside = list(netlearn_home.glob("progress.sqlite3.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"this is not a database")
    assert len(answers_in_store(netlearn_home)) == 1
