"""A learner's record, per lesson: steps done, quiz accuracy, questions due, and the streak.

Shown by `netlearn progress` and exported for a teacher as JSON (everything, every answer) or
CSV (one row per lesson, for a spreadsheet). Read-only: nothing here writes to the store.
"""

from __future__ import annotations

import csv
import io
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import ClassVar

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.progress.store import ProgressStore
from netlearn.quiz.store import QuizStore

EXPORT_FORMAT = "netlearn-progress/1"


@dataclass(frozen=True)
class LessonRow:
    id: str
    title: str
    steps_seen: int
    steps_total: int
    done: bool
    quiz_questions: int  # in the bank
    quiz_answered: int  # distinct questions answered at least once
    quiz_answers: int  # answers given, all attempts
    quiz_right: int
    due_now: int

    @property
    def accuracy(self) -> float | None:
        return self.quiz_right / self.quiz_answers if self.quiz_answers else None


def lesson_rows(store: ProgressStore, qstore: QuizStore, now: float) -> list[LessonRow]:
    """One row per lesson in course order, then any lesson that has only a quiz."""
    from netlearn.content.lesson import ContentError, parse
    from netlearn.content.manifest import load
    from netlearn.paths import lessons_dir
    from netlearn.quiz.bank import bank_files, load_all

    root = lessons_dir()
    lessons = load(root)
    questions, _problems = load_all(root, lessons)  # a broken entry is `netlearn check`'s job
    bank_size: dict[str, int] = {}
    for q in questions:
        bank_size[q.lesson] = bank_size.get(q.lesson, 0) + 1
    stats = qstore.stats(now, {q.id for q in questions})
    progress = store.all()
    entries: list[tuple[str, str, Path | None]] = [(x.id, x.title, x.path) for x in lessons]
    entries += [(b.lesson, b.lesson, b.lesson_path) for b in bank_files(root, lessons)]
    rows: list[LessonRow] = []
    seen_ids: set[str] = set()
    for lesson_id, title, path in entries:
        if lesson_id in seen_ids:
            continue
        seen_ids.add(lesson_id)
        total = 0
        if path is not None and path.is_file():
            try:
                total = len(parse(path).steps)
            except ContentError:
                total = 0
        p = progress.get(lesson_id)
        if p is not None:
            total = total or p.steps_total
            seen = total if p.done else min(total, p.furthest + 1)
        else:
            seen = 0
        s = stats.get(lesson_id)
        rows.append(
            LessonRow(
                id=lesson_id,
                title=title,
                steps_seen=seen,
                steps_total=total,
                done=bool(p and p.done),
                quiz_questions=bank_size.get(lesson_id, 0),
                quiz_answered=s.questions if s else 0,
                quiz_answers=s.answers if s else 0,
                quiz_right=s.right if s else 0,
                due_now=s.due if s else 0,
            )
        )
    return rows


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{round(100 * value)}%"


@dataclass(frozen=True, kw_only=True)
class ProgressReport(Event):
    """The learner's record per lesson, with the streak and how many questions are due."""

    kind: ClassVar[str] = "progress.report"
    rows: tuple[LessonRow, ...]
    streak: int
    due: int


def steps_text(r: LessonRow) -> str:
    if r.done:
        return say("core.quizzing.progress.done")
    if not r.steps_total:
        return "-"
    return say("core.quizzing.progress.steps", seen=r.steps_seen, total=r.steps_total)


def progress_events(rows: list[LessonRow], streak: int) -> list[Event]:
    """The progress screen: the record, then what to do next."""
    due = sum(r.due_now for r in rows)
    text = say(
        "core.quizzing.progress.streak-day"
        if streak == 1
        else "core.quizzing.progress.streak-days",
        n=streak,
    )
    if due:
        text += say("core.quizzing.progress.due", n=due)
    else:
        text += say("core.quizzing.progress.none-due")
    text += say("core.quizzing.progress.teacher")
    return [ProgressReport(rows=tuple(rows), streak=streak, due=due), Note(text=text, tone="tip")]


def _iso(t: float | None) -> str | None:
    if t is None:
        return None
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(t))


def export_json(
    rows: list[LessonRow], qstore: QuizStore, streak: int, learner: str | None, now: float
) -> str:
    """The whole record: lessons, every answer, every review card."""
    data = {
        "format": EXPORT_FORMAT,
        "learner": learner,
        "exported": _iso(now),
        "streak_days": streak,
        "lessons": [
            {**asdict(r), "quiz_accuracy": None if r.accuracy is None else round(r.accuracy, 4)}
            for r in rows
        ],
        "answers": [
            {
                "question_id": a.question_id,
                "lesson": a.lesson_id,
                "mode": a.mode,
                "session": a.session,
                "given": a.given,
                "correct": a.correct,
                "right_answer": a.right_answer,
                "answered": _iso(a.answered),
            }
            for a in qstore.answers()
        ],
        "reviews": [
            {
                "question_id": c.question_id,
                "lesson": c.lesson,
                "box": c.box,
                "due": _iso(c.due),
                "right": c.right,
                "wrong": c.wrong,
            }
            for c in qstore.cards()
        ],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


CSV_COLUMNS = (
    "learner",
    "lesson",
    "title",
    "steps_seen",
    "steps_total",
    "done",
    "quiz_questions",
    "quiz_answered",
    "quiz_answers",
    "quiz_right",
    "quiz_accuracy_percent",
    "due_now",
    "streak_days",
)


def export_csv(rows: list[LessonRow], streak: int, learner: str | None) -> str:
    """One row per lesson, for a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow(
            (
                learner or "",
                r.id,
                r.title,
                r.steps_seen,
                r.steps_total,
                "yes" if r.done else "no",
                r.quiz_questions,
                r.quiz_answered,
                r.quiz_answers,
                r.quiz_right,
                "" if r.accuracy is None else round(100 * r.accuracy, 1),
                r.due_now,
                streak,
            )
        )
    return out.getvalue()


def write_export(path: Path, text: str) -> None:
    """Write the export whole or not at all, owner-only, never through a symlink."""
    from netlearn.safefile import write_private

    if not path.parent.is_dir():
        raise NetlearnError(f"cannot export to {str(path)!r}: folder {str(path.parent)!r} missing")
    write_private(path, text.encode("utf-8"))
