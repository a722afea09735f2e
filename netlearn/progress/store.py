"""The progress store: one SQLite file, safe for two netlearn processes at once.

Why SQLite: every write is a transaction, so a crash or Ctrl-C never leaves half a record, and
SQLite's locking lets two processes (a lesson in one terminal, a quiz in another) write to the
same file. WAL journalling lets readers go on while one writes; `busy_timeout` makes a writer wait
for the other instead of failing.

A file that is not a database, or a damaged one, is moved aside (never deleted) with a warning,
and a fresh store is started, so the learner can still work and nothing is silently lost.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from netlearn.errors import NetlearnError

FILENAME = "progress.sqlite3"
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS lesson_progress (
    lesson_id   TEXT PRIMARY KEY,
    step_id     TEXT NOT NULL,
    step_index  INTEGER NOT NULL,
    steps_total INTEGER NOT NULL,
    furthest    INTEGER NOT NULL DEFAULT 0,
    completed   REAL,
    updated     REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS activity (
    day      TEXT PRIMARY KEY,
    actions  INTEGER NOT NULL DEFAULT 0
);
"""


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
    """Open with `ProgressStore.open(data_dir, warn)`; every method is one transaction."""

    def __init__(self, conn: sqlite3.Connection, path: Path, clock: Callable[[], float]) -> None:
        self.conn = conn
        self.path = path
        self.clock = clock

    # ------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        data_dir: Path,
        warn: Callable[[str], None],
        clock: Callable[[], float] = time.time,
    ) -> ProgressStore:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            msg = f"cannot create the data folder {str(data_dir)!r}: {exc.strerror}"
            raise NetlearnError(msg) from None
        path = data_dir / FILENAME
        try:
            conn = cls._connect(path)
        except sqlite3.OperationalError as exc:
            # Locked, read-only, unreadable: the file may be fine, so it is left where it is.
            raise NetlearnError(f"cannot use the progress file {str(path)!r}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            aside = cls._move_aside(path)
            warn(
                f"the progress file {str(path)!r} was damaged ({exc}); it was kept as "
                f"{str(aside)!r} and a fresh one was started"
            )
            try:
                conn = cls._connect(path)
            except sqlite3.DatabaseError as again:
                raise NetlearnError(
                    f"cannot open the progress file {str(path)!r}: {again}"
                ) from None
        return cls(conn, path, clock)

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, timeout=15.0, isolation_level=None)
        except sqlite3.OperationalError as exc:
            raise NetlearnError(f"cannot open the progress file {str(path)!r}: {exc}") from None
        try:
            conn.execute("PRAGMA busy_timeout = 15000")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check[0] if check else '?'}")
            # Changing the journal mode does not wait on SQLite's busy handler: when two
            # processes open a new store at the same moment, one may be told "locked". Retry.
            _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = NORMAL")
            with _transaction(conn):
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    @staticmethod
    def _move_aside(path: Path) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        aside = path.with_name(f"{path.name}.corrupt-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
        path.rename(aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
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
        """A write transaction (BEGIN IMMEDIATE): other writers wait, readers go on."""
        with _transaction(self.conn):
            yield self.conn

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
            self._touch(conn, now)

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
            self._touch(conn, now)

    def reset(self, lesson_id: str | None = None) -> int:
        """Forget one lesson's progress, or every lesson's; returns how many were forgotten."""
        with self.transaction() as conn:
            if lesson_id is None:
                cur = conn.execute("DELETE FROM lesson_progress")
            else:
                cur = conn.execute("DELETE FROM lesson_progress WHERE lesson_id = ?", (lesson_id,))
            return cur.rowcount

    # ------------------------------------------------------------ streak

    def _touch(self, conn: sqlite3.Connection, now: float) -> None:
        day = time.strftime("%Y-%m-%d", time.localtime(now))
        conn.execute(
            "INSERT INTO activity (day, actions) VALUES (?, 1) "
            "ON CONFLICT(day) DO UPDATE SET actions = actions + 1",
            (day,),
        )

    def record_activity(self) -> None:
        """Count today as a day the learner worked (for the streak)."""
        with self.transaction() as conn:
            self._touch(conn, self.clock())

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


def _retry_locked(action: Callable[[], object], seconds: float = 15.0) -> None:
    """Run `action`, retrying while SQLite says the database is locked or busy."""
    deadline = time.monotonic() + seconds
    delay = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
