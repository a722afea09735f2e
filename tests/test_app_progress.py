"""Progress you can trust: only what a learner reached counts, and "resumes here" is true."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlearn.content.lesson import parse
from netlearn.content.manifest import LessonInfo
from netlearn.home import resume_index, stopped_message
from netlearn.progress.store import ProgressStore


def _status(run_cli) -> str:  # type: ignore[no-untyped-def]
    line = [x for x in run_cli("lessons").stdout.splitlines() if "id: osi;" in x][0]
    return line.rsplit("status: ", 1)[1]


@pytest.mark.parametrize(
    "args",
    [
        ["learn", "osi"],  # piped
        ["learn", "osi", "--format", "json"],
        ["learn", "osi", "--format", "plain"],
        ["learn", "osi", "--export", "EXPORT"],
        ["learn", "osi", "--auto"],
        ["learn", "osi", "--step", "3"],
        ["next"],
    ],
    ids=" ".join,
)
def test_runs_nobody_watched_leave_progress_as_it_was(run_cli, tmp_path: Path, args) -> None:
    args = [str(tmp_path / "osi.svg") if a == "EXPORT" else a for a in args]
    assert _status(run_cli) == "new"
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert _status(run_cli) == "new"
    home = run_cli().stdout
    assert "Finished 0 of" in home and "You finished all" not in home


def test_auto_with_record_counts(run_cli) -> None:
    assert run_cli("learn", "osi", "--auto", "--record").returncode == 0
    assert _status(run_cli) == "done"


def test_export_leaves_a_teachers_record_untouched(run_cli, tmp_path: Path) -> None:
    """Five piped lessons used to say "You finished all 5 lessons" and `done` in the export."""
    for lesson in ("osi", "tcp"):
        run_cli("learn", lesson)
    out = run_cli("progress", "--format", "json").stdout
    assert '"done": false' in out and '"done": true' not in out
    assert '"steps_seen": 0' in out and "finished" not in out.lower()


LESSON = "# L\n\n## A {#a}\nA.\n\n## B {#b}\nB.\n\n## C {#c}\nC.\n"


def _lesson(tmp_path: Path):  # type: ignore[no-untyped-def]
    path = tmp_path / "lesson.md"
    path.write_text(LESSON)
    return LessonInfo("l", 1, "L", 5, "l", path, 1), parse(path)


def test_resume_index(tmp_path: Path) -> None:
    info, text = _lesson(tmp_path)
    ids = [s.id for s in text.steps]
    with ProgressStore.open(tmp_path, print) as store:
        assert resume_index(store.get("l"), ids) == 0
        store.save_step("l", "b", 1, 3)
        assert resume_index(store.get("l"), ids) == 1
        store.complete("l", "c", 3)
        assert resume_index(store.get("l"), ids) == 0  # finished at the end: start over
        store.save_step("l", "b", 1, 3)  # reviewing a finished lesson, stopped at b
        assert resume_index(store.get("l"), ids) == 1
        assert resume_index(store.get("l"), ["x", "y"]) == 0  # the step is gone


def test_resumes_here_only_when_it_will(tmp_path: Path) -> None:
    """Quitting a finished lesson at its last step used to say "resumes here"; it restarts."""
    info, text = _lesson(tmp_path)
    with ProgressStore.open(tmp_path, print) as store:
        store.save_step("l", "b", 1, 3)
        said = stopped_message(info, text, 1, store)
        assert said == "Stopped at step 2 of 3; `netlearn learn l` resumes here."
        store.complete("l", "c", 3)
        said = stopped_message(info, text, 2, store)
        assert "resumes here" not in said and "`netlearn learn l --step 3`" in said
        # nothing saved (a run that does not record): never claims to resume
        assert "resumes here" not in stopped_message(info, text, 1, None)
