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
"""

from __future__ import annotations

import functools
import os
import sqlite3
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from netlearn.errors import NetlearnError

FILENAME = "progress.sqlite3"
SCHEMA_VERSION = 1
APPLICATION_ID = 0x4E4C524E  # "NLRN" in the file's header: this file is netlearn's

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

# Schema version n -> the statements that bring a version-n file to n + 1. Columns a newer
# schema adds to an existing table (with a default, or nullable) are added by `_migrate`
# without an entry here; an entry is for what that cannot do (a renamed column, moved data).
MIGRATIONS: dict[int, tuple[str, ...]] = {0: ()}


class NotOurs(sqlite3.DatabaseError):
    """A valid SQLite file that netlearn did not write (or a newer netlearn did)."""


class StoreWriteError(NetlearnError):
    """Saving failed (a full disk, a read-only file, an I/O error); nothing of it was kept.

    `what` says what happened and `advice` what to do, so that the caller can say in one line
    what was lost: "the disk is full: your answer to question 3 was not saved; free some ..."
    """

    def __init__(self, path: Path, exc: sqlite3.Error) -> None:
        self.path = path
        self.what, self.advice = describe(exc, path)
        super().__init__(f"{self.what}: your progress was not saved; {self.advice}")


def describe(exc: sqlite3.Error, path: Path) -> tuple[str, str]:
    """What an SQLite error means for the learner, and what to do about it."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    folder = str(path.parent)
    if code == sqlite3.SQLITE_FULL:
        return "the disk is full", "free some space"
    if code == sqlite3.SQLITE_READONLY:
        return (
            f"the progress file {str(path)!r} is read-only",
            f"make it and the folder {folder!r} writable",
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return "another program holds the progress file locked", "close it"
    if code == sqlite3.SQLITE_IOERR:
        return (
            f"writing the progress file {str(path)!r} failed (disk I/O error)",
            "check that the disk has free space and is not failing (or over a size limit)",
        )
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return f"the progress file {str(path)!r} cannot be opened", f"check {folder!r}"
    return f"the progress file {str(path)!r} failed ({exc})", "check the disk and the file"


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
            problem = f"is not netlearn's ({exc})"
        except sqlite3.OperationalError as exc:
            # Locked, read-only, unreadable: the file may be fine, so it is left where it is.
            what, advice = describe(exc, path)
            raise NetlearnError(f"cannot use the progress file: {what}; {advice}") from None
        except sqlite3.DatabaseError as exc:
            problem = f"was damaged ({exc})"
        else:
            return cls(conn, path, clock)
        try:
            aside = cls._move_aside(path)
        except OSError as exc:
            warn(
                f"the progress file {str(path)!r} {problem} and could not be moved aside "
                f"({_why(exc, data_dir)}); this run's progress will not be saved: move the file "
                "away yourself (or make the folder writable) and netlearn starts a fresh one"
            )
            return cls._in_memory(path, clock)
        warn(
            f"the progress file {str(path)!r} {problem}; it was kept as {str(aside)!r} and "
            "a fresh one was started"
        )
        try:
            conn = cls._connect(path)
        except sqlite3.DatabaseError as again:
            raise NetlearnError(f"cannot open the progress file {str(path)!r}: {again}") from None
        return cls(conn, path, clock)

    @classmethod
    def _in_memory(cls, path: Path, clock: Callable[[], float]) -> ProgressStore:
        conn = sqlite3.connect(":memory:", isolation_level=None)
        with _transaction(conn):
            _create(conn)
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
            raise NetlearnError(f"cannot open the progress file {str(path)!r}: {exc}") from None
        try:
            conn.execute("PRAGMA busy_timeout = 15000")
            check = conn.execute("PRAGMA quick_check").fetchone()
            if not check or check[0] != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {check[0] if check else '?'}")
            _check_ours(conn)  # before anything is written to it
            # Changing the journal mode does not wait on SQLite's busy handler: when two
            # processes open a new store at the same moment, one may be told "locked". Retry.
            _retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL"))
            conn.execute("PRAGMA synchronous = NORMAL")
            with _transaction(conn):
                _check_ours(conn)  # again, under the write lock: another process may have won
                _migrate(conn)
                _create(conn)
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
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT (full disk) may already have rolled back: never hide the first error.
        if conn.in_transaction:
            with suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


# ---------------------------------------------------------------- is it ours? migrate, create


@functools.cache
def _expected() -> dict[str, dict[str, tuple[str, int, str | None]]]:
    """Every table netlearn keeps in the file (the lessons' and the quiz's): column -> (type,
    not null, default), as SQLite reports them."""
    from netlearn.quiz.store import SCHEMA as QUIZ_SCHEMA

    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(SCHEMA + QUIZ_SCHEMA)
        return {name: _columns(conn, name) for name in _tables(conn)}
    finally:
        conn.close()


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    return [row[0] for row in rows]


def _columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[str, int, str | None]]:
    rows = conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    return {row[1]: (str(row[2]).upper(), int(row[3]), row[4]) for row in rows}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _check_ours(conn: sqlite3.Connection) -> None:
    """Raise NotOurs unless every table is one of netlearn's, with netlearn's columns or fewer
    (an older schema, migrated by `_migrate`), and the schema is not newer than this netlearn."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    if app not in (0, APPLICATION_ID):
        raise NotOurs(f"another program's file: application id {app:#x}")
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NotOurs(
            f"written by a newer netlearn: schema {version}, this one knows {SCHEMA_VERSION}"
        )
    expected = _expected()
    rows = conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall()
    # Parts of netlearn keep tables of their own in this file (the labs' best results, and
    # whatever a later version adds): in a file stamped as netlearn's, a table this code does not
    # know is kept, never a reason to set the learner's progress aside. A file from before the
    # stamp is netlearn's when it holds netlearn's own lesson table.
    stamped = app == APPLICATION_ID
    ours = stamped or any(k == "table" and n == "lesson_progress" for k, n, _ in rows)
    for kind, name, _table in rows:
        if kind == "table" and name not in expected and not ours:
            raise NotOurs(f"it has a table {name!r}")
        if kind in ("view", "trigger") and not stamped:
            raise NotOurs(f"it has a {kind} {name!r}")
    for table in [t for t in _tables(conn) if t in expected]:
        have, want = _columns(conn, table), expected[table]
        other = [c for c in have if c not in want or have[c][0] != want[c][0]]
        if other:
            raise NotOurs(f"its table {table!r} has other columns: {', '.join(other)}")
        missing = [c for c in want if c not in have]
        if missing and version >= SCHEMA_VERSION:
            raise NotOurs(f"its table {table!r} lacks columns: {', '.join(missing)}")
        stuck = [c for c in missing if want[c][1] and want[c][2] is None]
        if stuck:
            raise NotOurs(f"its table {table!r} lacks columns: {', '.join(stuck)}")


def _migrate(conn: sqlite3.Connection) -> None:
    """Bring an older netlearn file up to this schema, keeping every row (inside a transaction)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    for step in range(version, SCHEMA_VERSION):
        for statement in MIGRATIONS.get(step, ()):
            conn.execute(statement)
    expected = _expected()
    for table in _tables(conn):
        have = _columns(conn, table)
        for column, (kind, not_null, default) in expected[table].items():
            if column in have:
                continue
            spec = f"{_quote(column)} {kind}"
            if default is not None:
                spec += f" {'NOT NULL ' if not_null else ''}DEFAULT {default}"
            conn.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {spec}")


def _create(conn: sqlite3.Connection) -> None:
    """Create what is missing and stamp the file as netlearn's (writing only what changes)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")


# ---------------------------------------------------------------- private files and folders


def _sudo_owner() -> tuple[int, int] | None:
    """The user behind `sudo` (files we create for them must stay theirs), else None."""
    if os.geteuid() != 0 or "SUDO_UID" not in os.environ:
        return None
    try:
        uid = int(os.environ["SUDO_UID"])
        gid = int(os.environ.get("SUDO_GID", "-1"))
    except ValueError:
        return None
    return (uid, gid) if uid > 0 else None


def _give_back(fd: int) -> None:
    """Under sudo, hand what we just created (by its descriptor: no path race) to the user."""
    owner = _sudo_owner()
    if owner is not None:
        os.fchown(fd, *owner)


def make_private_dir(path: Path) -> None:
    """Create the data folder 0700 (umask or not), and missing parents the usual way; under
    sudo what we create belongs to the user. An existing folder is left as it is."""
    missing: list[Path] = []
    here = path
    while not os.path.lexists(here) and here != here.parent:
        missing.append(here)
        here = here.parent
    try:
        for folder in reversed(missing):
            private = folder == path
            try:
                os.mkdir(folder, 0o700 if private else 0o777)
            except FileExistsError:
                continue  # another netlearn made it first: not ours to change
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                if private:
                    os.fchmod(fd, 0o700)
                _give_back(fd)
            finally:
                os.close(fd)
        if not path.is_dir():
            raise NotADirectoryError(20, "Not a directory")
    except OSError as exc:
        msg = f"cannot create the data folder {str(path)!r}: {exc.strerror or exc}"
        raise NetlearnError(msg) from None


def create_private_file(path: Path) -> None:
    """Create the progress file 0600 ourselves before SQLite opens it, never through a
    symbolic link (O_NOFOLLOW); an existing file of ours that others can read is tightened."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        if os.path.islink(path) and not os.path.exists(path):
            raise NetlearnError(
                f"the progress file {str(path)!r} is a symbolic link to a missing file; netlearn "
                "does not create files through links: remove the link or set NETLEARN_HOME"
            ) from None
        tighten(path)
        return
    except OSError as exc:
        raise NetlearnError(
            f"cannot create the progress file {str(path)!r}: {exc.strerror or exc}; "
            f"check that the folder {str(path.parent)!r} is writable (or set NETLEARN_HOME)"
        ) from None
    try:
        os.fchmod(fd, 0o600)
        _give_back(fd)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """Make an existing regular file of ours 0600 (a link, or someone else's file: untouched).

    The file is opened only when it needs it: see `ProgressStore._connect` on descriptors."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    loose = st.st_mode & 0o077
    if not (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and loose):
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # missing, a link (ELOOP), unreadable: nothing to tighten
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        pass
    finally:
        os.close(fd)


def _why(exc: OSError, folder: Path) -> str:
    import errno

    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"the folder {str(folder)!r} is read-only"
    return exc.strerror or str(exc)
