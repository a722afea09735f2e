"""Each lab's best result, in the shared progress store (its own table, like the quiz's).

Best is best: a later, worse run (a teacher's `--format json` check, a half-finished edit under
`lab watch`) never lowers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.progress.store import ProgressStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS lab_results (
    lab       TEXT PRIMARY KEY,
    best      INTEGER NOT NULL,
    total     INTEGER NOT NULL,
    runs      INTEGER NOT NULL DEFAULT 0,
    passed_at REAL,
    last_run  REAL NOT NULL
);
"""


@dataclass(frozen=True)
class LabBest:
    lab: str
    best: int
    total: int
    runs: int

    @property
    def done(self) -> bool:
        return self.total > 0 and self.best >= self.total


def record(store: ProgressStore, lab: str, passed: int, total: int) -> LabBest:
    """Count a run and keep the best result; return the record after it."""
    store.ensure_schema(SCHEMA)
    now = store.clock()
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO lab_results (lab, best, total, runs, passed_at, last_run) "
            "VALUES (?, ?, ?, 1, ?, ?) ON CONFLICT(lab) DO UPDATE SET "
            "best = max(best, excluded.best), total = excluded.total, runs = runs + 1, "
            "passed_at = coalesce(passed_at, excluded.passed_at), last_run = excluded.last_run",
            (lab, passed, total, now if passed >= total else None, now),
        )
        row = conn.execute(
            "SELECT lab, best, total, runs FROM lab_results WHERE lab = ?", (lab,)
        ).fetchone()
    return LabBest(*row)


def all_best(store: ProgressStore) -> dict[str, LabBest]:
    store.ensure_schema(SCHEMA)
    rows = store.conn.execute("SELECT lab, best, total, runs FROM lab_results").fetchall()
    return {row[0]: LabBest(*row) for row in rows}
