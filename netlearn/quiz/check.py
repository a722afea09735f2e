"""The content checker for question banks: called from `netlearn.content.checker.check`.

Beyond what `bank.load_bank` rejects (missing fields, answers not among the choices, unknown
generators), this checks what needs the other files: ids unique across every bank, and each
question's `step` naming a real step of its lesson (when the lesson's text exists).
"""

from __future__ import annotations

from pathlib import Path

from netlearn.content.lesson import ContentError, parse, read_content
from netlearn.content.manifest import LessonInfo
from netlearn.quiz.bank import bank_files, load_all
from netlearn.quiz.model import Question


def check_quizzes(root: Path, lessons: list[LessonInfo]) -> list[ContentError]:
    """Every problem in every `quiz.toml` under `root`, as `file:line: message`."""
    questions, problems = load_all(root, lessons)
    steps: dict[str, set[str] | None] = {}
    for bank in bank_files(root, lessons):
        if bank.lesson_path is None or not bank.lesson_path.is_file():
            steps[bank.lesson] = None  # the lesson is not written yet: nothing to check against
            continue
        try:
            steps[bank.lesson] = {s.id for s in parse(bank.lesson_path).steps}
        except ContentError:
            steps[bank.lesson] = None  # the lesson checker reports that file's own problem
    for q in questions:
        problems.extend(_check_capture(q, root))
        known = steps.get(q.lesson)
        if known is None or q.step in known:
            continue
        import difflib

        close = difflib.get_close_matches(q.step, sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(
            ContentError(
                q.path,
                _step_line(q.path, q.line),
                f"question {q.id!r}: lesson {q.lesson!r} has no step {q.step!r}{hint}",
            )
        )
    return problems


def _check_capture(q: Question, root: Path) -> list[ContentError]:
    """A capture question's `pcap` must be a file in the assets folder."""
    from netlearn.paths import assets_dir

    name = q.params.get("pcap")
    if not name:
        return []
    candidates = [root.parent / "assets" / name, assets_dir() / name]
    if any(path.is_file() for path in candidates):
        return []
    return [
        ContentError(
            q.path,
            _key_line(q.path, q.line, "params"),
            f"question {q.id!r}: capture {name!r} is not in the assets folder",
        )
    ]


def _key_line(path: Path, start: int, key: str) -> int:
    try:
        lines = read_content(path).splitlines()
    except ContentError:  # changed since it was loaded: the question's own line will do
        return start
    for number in range(start, len(lines) + 1):
        text = lines[number - 1].strip()
        if number > start and text == "[[question]]":
            break
        if text.startswith(key) and text[len(key) :].lstrip().startswith("="):
            return number
    return start


def _step_line(path: Path, start: int) -> int:
    return _key_line(path, start, "step")
