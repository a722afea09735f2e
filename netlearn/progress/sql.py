"""SQLite plumbing the store runs on: write transactions, retries while another process holds
the lock, and what a failed write means for the learner (`StoreWriteError`)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError


class StoreWriteError(NetlearnError):
    """Saving failed (a full disk, a read-only file, an I/O error); nothing of it was kept.

    `what` says what happened and `advice` what to do, so that the caller can say in one line
    what was lost: "the disk is full: your answer to question 3 was not saved; free some ..."
    """

    def __init__(self, path: Path, exc: sqlite3.Error) -> None:
        self.path = path
        self.what, self.advice = describe(exc, path)
        super().__init__(say("core.progress.not-saved", what=self.what, advice=self.advice))

    def in_lesson(self, part: str, lesson: str) -> str:
        """One line for a lesson player that goes on without saving: what happened, which
        part of `lesson` was not kept, what to do."""
        return say(
            "core.player.not-saved", what=self.what, part=part, lesson=lesson, advice=self.advice
        )


def describe(exc: sqlite3.Error, path: Path) -> tuple[str, str]:
    """What an SQLite error means for the learner, and what to do about it."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    folder = str(path.parent)
    file = str(path)
    if code == sqlite3.SQLITE_FULL:
        return say("core.progress.failed.full"), say("core.progress.failed.full-advice")
    if code == sqlite3.SQLITE_READONLY:
        return (
            say("core.progress.failed.read-only", path=file),
            say("core.progress.failed.read-only-advice", folder=folder),
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return say("core.progress.failed.locked"), say("core.progress.failed.locked-advice")
    if code == sqlite3.SQLITE_IOERR:
        return say("core.progress.failed.io", path=file), say("core.progress.failed.io-advice")
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return (
            say("core.progress.failed.cannot-open", path=file),
            say("core.progress.failed.cannot-open-advice", folder=folder),
        )
    return (
        say("core.progress.failed.other", path=file, why=exc),
        say("core.progress.failed.other-advice"),
    )


def retry_locked(action: Callable[[], object], seconds: float = 15.0) -> None:
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
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
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
