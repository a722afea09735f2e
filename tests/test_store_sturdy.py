"""The progress store under attack and accident: private files, sudo, files that are not ours,
a read-only folder, and a disk that fills up in the middle of a quiz."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.errors import NetlearnError
from netlearn.progress.store import FILENAME, SCHEMA_VERSION, ProgressStore, StoreWriteError
from netlearn.quiz.store import QuizStore

REPO = Path(__file__).resolve().parent.parent
ROOT = os.geteuid() == 0


def _open(folder: Path, warnings: list[str] | None = None) -> ProgressStore:
    return ProgressStore.open(folder, (warnings if warnings is not None else []).append)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@contextlib.contextmanager
def _umask(mask: int) -> Iterator[None]:
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@contextlib.contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


# ---------------------------------------------------------------- private files


@pytest.mark.parametrize("mask", [0o000, 0o022])
def test_new_store_is_private_whatever_the_umask(tmp_path: Path, mask: int) -> None:
    home = tmp_path / "a" / "netlearn"
    with _umask(mask), _open(home) as store:
        store.save_step("osi", "a", 0, 3)  # the WAL and shared-memory files exist now
        assert _mode(home) == 0o700
        for name in (FILENAME, FILENAME + "-wal", FILENAME + "-shm"):
            assert _mode(home / name) == 0o600, name


def test_an_old_world_readable_file_is_tightened(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        store.save_step("osi", "a", 0, 3)
    (tmp_path / FILENAME).chmod(0o644)
    with _open(tmp_path) as store:
        assert store.get("osi") is not None
    assert _mode(tmp_path / FILENAME) == 0o600
    assert _mode(tmp_path) == stat.S_IMODE(tmp_path.stat().st_mode)  # a folder we did not make


def test_never_creates_through_a_symbolic_link(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "victim"
    target.parent.mkdir()
    home = tmp_path / "home"
    home.mkdir()
    (home / FILENAME).symlink_to(target)
    with pytest.raises(NetlearnError, match="symbolic link"):
        _open(home)
    assert not target.exists()


@pytest.mark.root  # sudo hands files back to the user
def test_under_sudo_what_we_create_belongs_to_the_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "existing"
    with _open(existing):
        pass  # made by root, without sudo: stays root's
    monkeypatch.setenv("SUDO_UID", "12345")
    monkeypatch.setenv("SUDO_GID", "12346")
    with _open(existing):
        pass
    assert (existing / FILENAME).stat().st_uid == 0
    home = tmp_path / "parent" / "netlearn"
    with _open(home) as store:
        store.save_step("osi", "a", 0, 3)
        for path in (tmp_path / "parent", home, *(home / n for n in (FILENAME, FILENAME + "-wal"))):
            assert (path.stat().st_uid, path.stat().st_gid) == (12345, 12346), path
    assert tmp_path.stat().st_uid == 0  # never chown what we did not create


# ---------------------------------------------------------------- files that are not ours


def _foreign(path: Path, kind: str) -> None:
    conn = sqlite3.connect(path)
    if kind == "other-tables":
        conn.execute("CREATE TABLE recipes (name TEXT, minutes INTEGER)")
        conn.execute("INSERT INTO recipes VALUES ('soup', 30)")
    elif kind == "our-name-other-columns":
        conn.execute("CREATE TABLE lesson_progress (who TEXT, score REAL)")
        conn.execute("INSERT INTO lesson_progress VALUES ('x', 1.0)")
    elif kind == "newer-schema":
        conn.execute("CREATE TABLE lesson_progress (lesson_id TEXT PRIMARY KEY, extra BLOB)")
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    elif kind == "other-application":
        conn.execute("PRAGMA application_id = 1234")
        conn.execute("CREATE TABLE activity (day TEXT PRIMARY KEY, actions INTEGER)")
    conn.commit()
    conn.close()


KINDS = ["other-tables", "our-name-other-columns", "newer-schema", "other-application"]


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_that_is_not_ours_is_kept_aside(tmp_path: Path, kind: str) -> None:
    _foreign(tmp_path / FILENAME, kind)
    before = (tmp_path / FILENAME).read_bytes()
    warnings: list[str] = []
    with _open(tmp_path, warnings) as store:
        store.save_step("osi", "a", 0, 3)
        QuizStore(store).record(
            session="s",
            mode="quiz",
            question_id="q",
            lesson_id="osi",
            given="a",
            correct=True,
            right_answer="a",
        )
        assert store.get("osi") is not None
    assert len(warnings) == 1 and "is not netlearn's" in warnings[0] and "kept as" in warnings[0]
    kept = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert [p.read_bytes() for p in kept] == [before]  # every byte of it, untouched


def test_an_older_netlearn_file_is_migrated_not_discarded(tmp_path: Path) -> None:
    """A version-0 file (no schema stamp, a lesson table without the later columns)."""
    conn = sqlite3.connect(tmp_path / FILENAME)
    conn.execute(
        "CREATE TABLE lesson_progress (lesson_id TEXT PRIMARY KEY, step_id TEXT NOT NULL, "
        "step_index INTEGER NOT NULL, steps_total INTEGER NOT NULL, updated REAL NOT NULL)"
    )
    conn.execute("INSERT INTO lesson_progress VALUES ('osi', 'b', 1, 5, 1.0)")
    conn.commit()
    conn.close()
    warnings: list[str] = []
    with _open(tmp_path, warnings) as store:
        got = store.get("osi")
        assert got is not None and (got.step_id, got.step_index, got.furthest) == ("b", 1, 0)
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        store.save_step("osi", "c", 2, 5)
        assert store.get("osi").furthest == 2  # type: ignore[union-attr]
    assert warnings == []
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def test_quiz_tables_are_ours(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        QuizStore(store)
    warnings: list[str] = []
    with _open(tmp_path, warnings):
        pass
    assert warnings == []


def test_a_table_of_another_part_of_netlearn_is_kept_with_the_progress(tmp_path: Path) -> None:
    """The labs keep their best results in the same file; a later netlearn may add tables too.
    Neither may make the learner's whole progress be set aside."""
    from netlearn.labs.progress import SCHEMA as LAB_SCHEMA

    with _open(tmp_path) as store:
        store.save_step("osi", "b", 1, 5)
        store.ensure_schema(LAB_SCHEMA)
        store.ensure_schema("CREATE TABLE IF NOT EXISTS from_a_later_version (x INTEGER);")
    warnings: list[str] = []
    with _open(tmp_path, warnings) as store:
        got = store.get("osi")
        assert got is not None and got.step_id == "b"
    assert warnings == []
    assert not [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]


def _cli(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NETLEARN_HOME": str(home), "COLUMNS": "80"}
    return run_netlearn(list(args), input=stdin, env=env, cwd=REPO, timeout=120)


@pytest.mark.parametrize(
    "args",
    [(), ("progress",), ("learn", "osi"), ("quiz", "osi", "-n", "2", "--seed", "1")],
    ids=["home", "progress", "learn", "quiz"],
)
def test_every_command_survives_a_foreign_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _foreign(home / FILENAME, "other-tables")
    result = _cli(home, *args, stdin="?\n?\n")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is not netlearn's" in lines[0] and "kept as" in lines[0], lines


# ---------------------------------------------------------------- a read-only folder


@contextlib.contextmanager
def _read_only_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder we cannot write in: a read-only tmpfs as root (root ignores mode bits)."""
    if ROOT:
        with _tmpfs(tmp_path / "ro", "1m") as folder:
            (folder / FILENAME).write_bytes(b"this is not a database at all" * 40)
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
            yield folder
    else:
        folder = tmp_path / "ro"
        folder.mkdir()
        (folder / FILENAME).write_bytes(b"this is not a database at all" * 40)
        folder.chmod(0o500)
        try:
            yield folder
        finally:
            folder.chmod(0o700)


def test_damaged_file_in_a_read_only_folder_runs_without_saving(tmp_path: Path) -> None:
    with _read_only_folder(tmp_path) as folder:
        warnings: list[str] = []
        with _open(folder, warnings) as store:
            assert store.saving is False
            store.save_step("osi", "a", 0, 3)  # in memory: the lesson still works
            assert store.get("osi") is not None
        assert len(warnings) == 1
        assert "could not be moved aside" in warnings[0] and "read-only" in warnings[0]
        result = _cli(folder, "learn", "osi")
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# ---------------------------------------------------------------- a full disk mid-quiz


def _start_quiz(home: Path, **popen: object) -> subprocess.Popen[str]:
    env = {**os.environ, "NETLEARN_HOME": str(home), "COLUMNS": "80"}
    return subprocess.Popen(  # type: ignore[call-overload]
        [sys.executable, "-m", "netlearn", "quiz", "osi", "-n", "3", "--seed", "1", "-f", "json"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
        **popen,
    )


def _answer_first(proc: subprocess.Popen[str]) -> None:
    """Answer question 1 and wait until the quiz has judged (and saved) it."""
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("?\n")
    proc.stdin.flush()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        assert line, proc.stderr.read() if proc.stderr else ""
        if json.loads(line)["type"] == "quiz.answer":
            return
    raise AssertionError("the quiz never judged the first answer")


def _finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = proc.communicate("?\n?\n", timeout=60)
    return proc.returncode, err


def _saved_answers(home: Path) -> int:
    conn = sqlite3.connect(home / FILENAME)
    try:
        return conn.execute("SELECT COUNT(*) FROM quiz_answers").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.root  # mounting a tmpfs (without root, the RLIMIT_FSIZE test covers the rest)
def test_full_tmpfs_mid_quiz_is_one_line(tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "small", "2m") as home:
        proc = _start_quiz(home)
        _answer_first(proc)
        with open(home / "filler", "wb") as filler:  # fill the disk to the last byte
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * 65536)
                    filler.flush()
            with contextlib.suppress(OSError):
                while True:
                    os.write(filler.fileno(), b"\0")
        rc, err = _finish(proc)
        lines = err.strip().splitlines()
        assert rc == 1 and "Traceback" not in err
        assert lines == [
            "netlearn: the disk is full: your answer to question 2 was not saved; "
            "free some space and run `netlearn quiz osi` again"
        ], err
        (home / "filler").unlink()
        assert _saved_answers(home) == 1  # question 1 is kept


def test_file_size_limit_mid_quiz_is_one_line(tmp_path: Path) -> None:
    """RLIMIT_FSIZE with SIGXFSZ ignored: the next write to the progress file fails (EFBIG)."""
    home = tmp_path / "home"
    proc = _start_quiz(
        home,
        restore_signals=False,
        preexec_fn=lambda: signal.signal(signal.SIGXFSZ, signal.SIG_IGN),
    )
    _answer_first(proc)
    resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (1, 1))
    rc, err = _finish(proc)
    lines = err.strip().splitlines()
    assert rc == 1 and "Traceback" not in err and len(lines) == 1, err
    assert "your answer to question 2 was not saved" in lines[0]
    assert "run `netlearn quiz osi` again" in lines[0]
    assert _saved_answers(home) == 1


def test_read_only_file_is_a_store_write_error(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        store.save_step("osi", "a", 0, 3)
    path = tmp_path / FILENAME
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    store = ProgressStore(conn, path, time.time)
    with pytest.raises(StoreWriteError) as caught:
        store.save_step("osi", "b", 1, 3)
    assert "read-only" in caught.value.what and "writable" in caught.value.advice
    store.close()
    with _open(tmp_path) as again:
        assert again.get("osi").step_id == "a"  # type: ignore[union-attr]


def test_a_lesson_goes_on_when_its_place_cannot_be_saved(tmp_path: Path, make_env) -> None:  # type: ignore[no-untyped-def]
    """The player warns once (what was not saved, what to do) and plays the lesson to its end."""
    from netlearn.content.lesson import parse
    from netlearn.content.manifest import LessonInfo
    from netlearn.render import make_renderer
    from netlearn.runner.player import Player

    lesson = tmp_path / "lesson.md"
    lesson.write_text("# Demo\n\n## One {#one}\nFirst.\n\n## Two {#two}\nSecond.\n")
    env, buf = make_env("plain")
    with _open(env.data_dir):
        pass
    path = env.data_dir / FILENAME
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    store = ProgressStore(conn, path, time.time)
    info = LessonInfo("demo", 1, "Demo", 5, "demo", lesson, 1)
    result = Player(env, info, parse(lesson), make_renderer(env), store).run()
    store.close()
    assert result.finished and "You finished" in buf.getvalue()
    warned = env.stderr.getvalue().strip().splitlines()  # type: ignore[attr-defined]
    assert len(warned) == 1, warned
    assert "read-only" in warned[0] and "your place (step 1)" in warned[0]
