"""The progress store: one SQLite file, safe for two netlearn processes at once.

Why SQLite: every write is a transaction, so a crash or Ctrl-C never leaves half a record, and
SQLite's locking lets two processes (a lesson in one terminal, a quiz in another) write to the
same file. WAL journalling lets readers go on while one writes; `busy_timeout` makes a writer wait
for the other instead of failing.

A file that is not a database, a damaged one, or a valid SQLite file that is not netlearn's (other
tables, other columns, a newer schema) is moved aside (never deleted) with a warning, and a
fresh store is started, so the learner can still work and nothing is silently lost; a file from
an older netlearn is migrated in place. When the damaged file cannot be moved (a read-only
folder), this run keeps progress in memory and says so.

The file is private: created by us 0600 (never through a symbolic link) in a 0700 folder, and
under sudo handed back to the user. A write that fails (a full disk, a read-only file) raises
`StoreWriteError`, whose `what` and `advice` let the caller say in one line what was not saved.

This module is the store itself; `schema` says what the file holds and whether it is ours,
`sql` runs transactions and explains failed writes, `files` makes the private files and folders.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.progress.files import create_private_file, make_private_dir, tighten, why
from netlearn.progress.schema import SCHEMA, SCHEMA_VERSION, NotOurs, check_ours, create, migrate
from netlearn.progress.sql import StoreWriteError, describe, retry_locked
from netlearn.progress.sql import transaction as _transaction

__all__ = [
    "FILENAME",
    "SCHEMA",
    "SCHEMA_VERSION",
    "LessonProgress",
    "NotOurs",
    "ProgressStore",
    "StoreWriteError",
    "create_private_file",
    "describe",
    "make_private_dir",
    "tighten",
]

FILENAME = "progress.sqlite3"


@dataclass(frozen=True)
class LessonProgress:
    lesson_id: str
    step_id: str
    step_index: int
    steps_total: int
    furthest: int
    completed: float | None
    updated: float

    @property
    def done(self) -> bool:
        return self.completed is not None


class ProgressStore:
    """Open with `ProgressStore.open(data_dir, warn)`; every method is one transaction.

    `saving` is False when the file could not be used and this run keeps progress in memory.
    """

    def __init__(
        self,
        conn: sqlite3.Connection,
        path: Path,
        clock: Callable[[], float],
        saving: bool = True,
    ) -> None:
        self.conn = conn
        self.path = path
        self.clock = clock
        self.saving = saving

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        data_dir: Path,
        warn: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> ProgressStore:
        make_private_dir(data_dir)
        path = data_dir / FILENAME
        try:
            conn = cls._connect(path)
        except NotOurs as exc:
            problem = say("core.progress.not-ours", why=exc)
        except sqlite3.OperationalError as exc:
            # Locked, read-only, unreadable: the file may be fine, so it is left where it is.
            what, advice = describe(exc, path)
            raise NetlearnError(say("core.progress.cannot-use", what=what, advice=advice)) from None
        except sqlite3.DatabaseError as exc:
            problem = say("core.progress.damaged", why=exc)
        else:
            return cls(conn, path, clock)
        try:
            aside = cls._move_aside(path)
        except OSError as exc:
            warn(
                say(
                    "core.progress.not-moved",
                    path=str(path),
                    problem=problem,
                    why=why(exc, data_dir),
                )
            )
            return cls._in_memory(path, clock)
        warn(say("core.progress.kept-aside", path=str(path), problem=problem, aside=str(aside)))
        try:
            conn = cls._connect(path)
        except sqlite3.DatabaseError as again:
            raise NetlearnError(
                say("core.progress.cannot-open", path=str(path), why=again)
            ) from None
        return cls(conn, path, clock)

    @classmethod
    def _in_memory(cls, path: Path, clock: Callable[[], float]) -> ProgressStore:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        with _transaction(conn):
            create(conn)
        return cls(conn, path, clock, saving=False)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        # Files are checked before SQLite opens them: closing any descriptor of a file drops
        # every POSIX lock this process holds on it, SQLite's too (another process could then
        # truncate the shared memory under us).
        create_private_file(path)
        for suffix in ("-wal", "-shm"):  # SQLite gives new ones the file's mode; old ones: fix
            tighten(path.with_name(path.name + suffix))
        try:
            conn = sqlite3.connect(path, timeout=15.0, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise NetlearnError(say("core.progress.cannot-open", path=str(path), why=exc)) from None
        try:
            conn.execute("PRAGMA busy_timeout = 15000")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check[0] if check else '?'}")
            check_ours(conn)  # before anything is written to it
            # Changing the journal mode does not wait on SQLite's busy handler: when two
            # processes open a new store at the same moment, one may be told "locked". Retry.
            retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = NORMAL")
            with _transaction(conn):
                check_ours(conn)  # again, under the write lock: another process may have won
                migrate(conn)
                create(conn)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    @staticmethod
    def _move_aside(path: Path) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while os.path.lexists(aside):
            n += 1
            aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if os.path.lexists(extra):
                extra.rename(aside.with_name(aside.name + suffix))
        return aside

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """A write transaction (BEGIN IMMEDIATE): other writers wait, readers go on.

        If the write fails (full disk, read-only file, I/O error) nothing of it is kept and
        `StoreWriteError` says what happened."""
        try:
            with _transaction(self.conn):
                yield self.conn
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
                raise  # a bug of ours, not the disk's
            raise StoreWriteError(self.path, exc) from None

    def ensure_schema(self, sql: str) -> None:
        """Create the tables another part of netlearn (the quiz) keeps here."""
        with self.transaction() as conn:
            for statement in sql.split(";"):
                if statement.strip():
                    conn.execute(statement)

    # ------------------------------------------------------------ lessons

    def get(self, lesson_id: str) -> LessonProgress | None:
        row = self.conn.execute(
            "SELECT lesson_id, step_id, step_index, steps_total, furthest, completed, updated "
            "FROM lesson_progress WHERE lesson_id = ?",
            (lesson_id,),
        ).fetchone()
        return LessonProgress(*row) if row else None

    def all(self) -> dict[str, LessonProgress]:
        rows = self.conn.execute(
            "SELECT lesson_id, step_id, step_index, steps_total, furthest, completed, updated "
            "FROM lesson_progress"
        ).fetchall()
        return {row[0]: LessonProgress(*row) for row in rows}

    def save_step(self, lesson_id: str, step_id: str, index: int, total: int) -> None:
        """Remember the step the learner is on (and the furthest they have reached)."""
        now = self.clock()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO lesson_progress "
                "(lesson_id, step_id, step_index, steps_total, furthest, updated) "
                "VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(lesson_id) DO UPDATE SET step_id = excluded.step_id, "
                "step_index = excluded.step_index, steps_total = excluded.steps_total, "
                "furthest = MAX(furthest, excluded.furthest), updated = excluded.updated",
                (lesson_id, step_id, index, total, index, now),
            )
            self.touch(conn, now)

    def complete(self, lesson_id: str, step_id: str, total: int) -> None:
        """The learner reached the end of the lesson."""
        now = self.clock()
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO lesson_progress "
                "(lesson_id, step_id, step_index, steps_total, furthest, completed, updated) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(lesson_id) DO UPDATE SET step_id = excluded.step_id, "
                "step_index = excluded.step_index, steps_total = excluded.steps_total, "
                "furthest = excluded.furthest, "
                "completed = COALESCE(completed, excluded.completed), updated = excluded.updated",
                (lesson_id, step_id, total - 1, total, total - 1, now, now),
            )
            self.touch(conn, now)

    def reset(self, lesson_id: str | None = None) -> int:
        """Forget one lesson's progress, or every lesson's; returns how many were forgotten."""
        with self.transaction() as conn:
            if lesson_id is None:
                cur = conn.execute("DELETE FROM lesson_progress")
            else:
                cur = conn.execute("DELETE FROM lesson_progress WHERE lesson_id = ?", (lesson_id,))
            return cur.rowcount

    # ------------------------------------------------------------ streak

    def touch(self, conn: sqlite3.Connection, now: float) -> None:
        """Count a learner's action today (for the streak), inside the caller's transaction."""
        day = time.strftime("%Y-%m-%d", time.localtime(now))
        conn.execute(
            "INSERT INTO activity (day, actions) VALUES (?, 1) "
            "ON CONFLICT(day) DO UPDATE SET actions = actions + 1",
            (day,),
        )

    def record_activity(self) -> None:
        """Count today as a day the learner worked (for the streak)."""
        with self.transaction() as conn:
            self.touch(conn, self.clock())

    def streak(self) -> int:
        """Consecutive days with activity, ending today (or yesterday, if not yet today)."""
        days = {row[0] for row in self.conn.execute("SELECT day FROM activity")}
        now = self.clock()
        day = 86400.0
        t = now
        if time.strftime("%Y-%m-%d", time.localtime(t)) not in days:
            t -= day
        count = 0
        while time.strftime("%Y-%m-%d", time.localtime(t)) in days:
            count += 1
            t -= day
        return count
