"""The progress store: records, a corrupt file kept aside, and two writers at once."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
from pathlib import Path

import pytest

from netlearn.errors import NetlearnError
from netlearn.progress.store import FILENAME, ProgressStore


def _open(path: Path, warnings: list[str] | None = None) -> ProgressStore:
    sink = warnings if warnings is not None else []
    return ProgressStore.open(path, sink.append)


def test_save_get_complete_reset(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        assert store.get("osi") is None
        store.save_step("osi", "b", 1, 5)
        store.save_step("osi", "c", 2, 5)
        store.save_step("osi", "a", 0, 5)
        got = store.get("osi")
        assert got is not None
        assert (got.step_id, got.step_index, got.furthest, got.done) == ("a", 0, 2, False)
        store.complete("osi", "e", 5)
        assert store.get("osi").done  # type: ignore[union-attr]
        store.save_step("tcp", "x", 0, 3)
        assert set(store.all()) == {"osi", "tcp"}
        assert store.reset("osi") == 1
        assert store.get("osi") is None
        assert store.reset() == 1
        assert store.all() == {}


def test_survives_reopening(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        store.save_step("osi", "b", 1, 5)
    with _open(tmp_path) as again:
        assert again.get("osi").step_id == "b"  # type: ignore[union-attr]


def test_streak_counts_consecutive_days(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    with ProgressStore.open(tmp_path, print, clock=lambda: now[0]) as store:
        assert store.streak() == 0
        store.record_activity()
        now[0] += 86400
        store.record_activity()
        assert store.streak() == 2
        now[0] += 86400  # a day without work yet: yesterday still counts
        assert store.streak() == 2
        now[0] += 86400 * 2
        assert store.streak() == 0


@pytest.mark.parametrize(
    "garbage",
    [b"this is not a database at all" * 40, b"SQLite format 3\x00" + b"\xff" * 4000],
    ids=["text", "damaged-header"],
)
def test_corrupt_file_is_moved_aside_not_lost(tmp_path: Path, garbage: bytes) -> None:
    (tmp_path / FILENAME).write_bytes(garbage)
    warnings: list[str] = []
    with _open(tmp_path, warnings) as store:
        store.save_step("osi", "a", 0, 3)
        assert store.get("osi") is not None
    assert len(warnings) == 1 and "kept as" in warnings[0]
    kept = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(kept) == 1
    assert kept[0].read_bytes() == garbage  # every byte of the old file is still there


def test_damaged_pages_are_detected(tmp_path: Path) -> None:
    with _open(tmp_path) as store:
        for i in range(300):
            store.save_step(f"lesson-{i}", "s" * 200, i, 400)
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = tmp_path / FILENAME
    data = bytearray(path.read_bytes())
    assert len(data) > 8192
    data[4096:8192] = os.urandom(4096)  # scribble over a whole page in the middle
    path.write_bytes(bytes(data))
    warnings: list[str] = []
    with _open(tmp_path, warnings) as store:
        assert store.all() == {}
    assert warnings and "damaged" in warnings[0]


def test_unwritable_folder_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(NetlearnError, match="cannot create the data folder"):
        _open(blocker / "sub")


def _writer(folder: str, name: str, count: int) -> None:
    store = ProgressStore.open(Path(folder), lambda m: None)
    for i in range(count):
        store.save_step(f"{name}-{i % 20}", f"step-{i}", i, count)
        store.record_activity()
    store.close()


def test_two_processes_write_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), n, 150)) for n in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with _open(tmp_path) as store:
        records = store.all()
        assert len(records) == 40
        for key, record in records.items():
            j = int(key.split("-")[1])
            last = max(i for i in range(150) if i % 20 == j)
            assert record.step_id == f"step-{last}"  # each process's last write won
        (actions,) = store.conn.execute("SELECT SUM(actions) FROM activity").fetchone()
        assert actions == 2 * 150 * 2  # two actions per loop, two processes: none lost
    conn = sqlite3.connect(tmp_path / FILENAME)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_corrupt_store_via_cli_warns_once_and_runs(run_cli, netlearn_home: Path) -> None:
    netlearn_home.mkdir(parents=True, exist_ok=True)
    (netlearn_home / FILENAME).write_text("garbage, not sqlite")
    result = run_cli("lessons")
    assert result.returncode == 0
    warnings = [x for x in result.stderr.splitlines() if x]
    assert len(warnings) == 1 and warnings[0].startswith("netlearn: warning:")
    assert "Traceback" not in result.stderr
