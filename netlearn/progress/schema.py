"""What a progress file holds, whether a file is netlearn's, and bringing an older one up to date.

Parts of netlearn keep their tables in the one file: the lessons' (`SCHEMA`), the quiz's
(`QUIZ_SCHEMA`, created by `netlearn.quiz.store`) and the labs' (their own, kept as found).
"""

from __future__ import annotations

import functools
import sqlite3

from netlearn.content.words import say

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
# schema adds to an existing table (with a default, or nullable) are added by `migrate`
# without an entry here; an entry is for what that cannot do (a renamed column, moved data).
MIGRATIONS: dict[int, tuple[str, ...]] = {0: ()}

QUIZ_SCHEMA = """
CREATE TABLE IF NOT EXISTS quiz_answers (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    session     TEXT NOT NULL,
    mode        TEXT NOT NULL,
    question_id TEXT NOT NULL,
    lesson_id   TEXT NOT NULL,
    given       TEXT NOT NULL,
    correct     INTEGER NOT NULL,
    right_answer TEXT NOT NULL,
    answered    REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS quiz_answers_question ON quiz_answers (question_id);
CREATE TABLE IF NOT EXISTS quiz_cards (
    question_id TEXT PRIMARY KEY,
    lesson_id   TEXT NOT NULL,
    box         INTEGER NOT NULL,
    due         REAL NOT NULL,
    right_count INTEGER NOT NULL DEFAULT 0,
    wrong_count INTEGER NOT NULL DEFAULT 0,
    last        REAL NOT NULL
);
"""


class NotOurs(sqlite3.DatabaseError):
    """A valid SQLite file that netlearn did not write (or a newer netlearn did)."""


@functools.cache
def expected_tables() -> dict[str, dict[str, tuple[str, int, str | None]]]:
    """Every table netlearn keeps in the file (the lessons' and the quiz's): column -> (type,
    not null, default), as SQLite reports them."""
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


def check_ours(conn: sqlite3.Connection) -> None:
    """Raise NotOurs unless every table is one of netlearn's, with netlearn's columns or fewer
    (an older schema, migrated by `migrate`), and the schema is not newer than this netlearn."""
    app = conn.execute("PRAGMA application_id").fetchone()[0]
    if app not in (0, APPLICATION_ID):
        raise NotOurs(say("core.progress.foreign.application", app=f"{app:#x}"))
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise NotOurs(say("core.progress.foreign.newer", version=version, known=SCHEMA_VERSION))
    expected = expected_tables()
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
            raise NotOurs(say("core.progress.foreign.table", name=name))
        if kind in ("view", "trigger") and not stamped:
            raise NotOurs(say("core.progress.foreign.object", kind=kind, name=name))
    for table in [t for t in _tables(conn) if t in expected]:
        have, want = _columns(conn, table), expected[table]
        other = [c for c in have if c not in want or have[c][0] != want[c][0]]
        if other:
            raise NotOurs(
                say("core.progress.foreign.columns", table=table, columns=", ".join(other))
            )
        missing = [c for c in want if c not in have]
        if missing and version >= SCHEMA_VERSION:
            raise NotOurs(
                say("core.progress.foreign.lacks", table=table, columns=", ".join(missing))
            )
        stuck = [c for c in missing if want[c][1] and want[c][2] is None]
        if stuck:
            raise NotOurs(say("core.progress.foreign.lacks", table=table, columns=", ".join(stuck)))


def migrate(conn: sqlite3.Connection) -> None:
    """Bring an older netlearn file up to this schema, keeping every row (inside a transaction)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    for step in range(version, SCHEMA_VERSION):
        for statement in MIGRATIONS.get(step, ()):
            conn.execute(statement)
    expected = expected_tables()
    for table in _tables(conn):
        have = _columns(conn, table)
        for column, (kind, not_null, default) in expected[table].items():
            if column in have:
                continue
            spec = f"{_quote(column)} {kind}"
            if default is not None:
                spec += f" {'NOT NULL ' if not_null else ''}DEFAULT {default}"
            conn.execute(f"ALTER TABLE {_quote(table)} ADD COLUMN {spec}")


def create(conn: sqlite3.Connection) -> None:
    """Create what is missing and stamp the file as netlearn's (writing only what changes)."""
    for statement in SCHEMA.split(";"):
        if statement.strip():
            conn.execute(statement)
    if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    if conn.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
        conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
