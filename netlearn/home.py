"""The home screen and the lesson list, as events (so they render in every format)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from netlearn.content.lesson import ContentError
from netlearn.content.manifest import MANIFEST, LessonInfo, load_report
from netlearn.content.words import say
from netlearn.progress.store import LessonProgress, ProgressStore

if TYPE_CHECKING:
    from netlearn.content.lesson import LessonText
    from netlearn.events import Event, Table


@dataclass(frozen=True)
class Survey:
    """The lessons to list, and what is broken: a learner still reaches the sound lessons."""

    lessons: list[LessonInfo]
    problems: list[ContentError] = field(default_factory=list)  # manifest entries and texts
    broken: frozenset[str] = frozenset()  # ids of listed lessons whose text has a problem


def survey(root: Path | None = None) -> Survey:
    """Read the manifest and check each lesson's text; a manifest unusable as a whole raises."""
    from netlearn.content.checker import read_lesson
    from netlearn.paths import lessons_dir

    root = root or lessons_dir()
    report = load_report(root)
    problems = list(report.problems)
    broken: set[str] = set()
    for info in report.lessons:
        _, found = read_lesson(info, root / MANIFEST)
        if found:
            broken.add(info.id)
            problems.extend(found)
    return Survey(report.lessons, problems, frozenset(broken))


def status_of(progress: LessonProgress | None) -> str:
    """A lesson's status in words: new, step k of n, or done."""
    if progress is None:
        return "new"
    if progress.done:
        return "done"
    return say("core.home.step-of", n=progress.step_index + 1, total=progress.steps_total)


def resume_index(progress: LessonProgress | None, step_ids: list[str]) -> int:
    """Where `netlearn learn` (and `next`, and `c` at home) opens a lesson.

    The step the learner stopped at, finished lessons included; a lesson finished at its last
    step opens at its first again (a review). A step id that no longer exists starts over.
    """
    if progress is None or progress.step_id not in step_ids:
        return 0
    index = step_ids.index(progress.step_id)
    if progress.done and index == len(step_ids) - 1:
        return 0
    return index


def stopped_message(
    info: LessonInfo, text: LessonText, index: int, store: ProgressStore | None
) -> str:
    """What quitting at step `index` says; "resumes here" only when it will."""
    total = len(text.steps)
    where = say("core.home.stopped.at", n=index + 1, total=total)
    if store is not None:
        saved = store.get(info.id)
        if resume_index(saved, [s.id for s in text.steps]) == index:
            return say("core.home.stopped.resumes", where=where, lesson=info.id)
    return say("core.home.stopped.opens-again", where=where, lesson=info.id, n=index + 1)


def due_text(due: int) -> str:
    """The line about questions due for review (empty when none are)."""
    if not due:
        return ""
    return say("core.home.due-one" if due == 1 else "core.home.due-many", n=due)


def lesson_table(
    store: ProgressStore,
    lessons: list[LessonInfo] | None = None,
    broken: frozenset[str] = frozenset(),
) -> Table:
    """The lesson list as a table event (a lesson in `broken` shows as broken)."""
    from netlearn.events import Table

    lessons = lessons if lessons is not None else survey().lessons
    done = store.all()
    return Table(
        title=say("core.home.lessons"),
        columns=("#", "id", "title", "minutes", "status"),
        rows=tuple(
            (
                str(x.number),
                x.id,
                x.title,
                str(x.minutes),
                "broken" if x.id in broken else status_of(done.get(x.id)),
            )
            for x in lessons
        ),
    )


def next_lesson(
    store: ProgressStore, lessons: list[LessonInfo], broken: frozenset[str] = frozenset()
) -> LessonInfo | None:
    """The lesson to suggest: one in progress, else the first not done (never a broken one)."""
    done = store.all()
    lessons = [x for x in lessons if x.id not in broken]
    for x in lessons:
        p = done.get(x.id)
        if p is not None and not p.done:
            return x
    for x in lessons:
        if x.id not in done:
            return x
    return None


def home_events(store: ProgressStore, found: Survey | None = None) -> Iterator[Event]:
    """The home screen: what netlearn is, the lessons with status, and what to do next."""
    from netlearn.events import Note, Title

    found = found or survey()
    lessons = found.lessons
    yield Title(text=say("core.home.title"), subtitle=say("core.home.about"))
    yield lesson_table(store, lessons, found.broken)
    finished = sum(1 for p in store.all().values() if p.done)
    nxt = next_lesson(store, lessons, found.broken)
    if nxt is None:
        text = say("core.home.all-done", n=len(lessons))
    else:
        text = say(
            "core.home.next",
            done=finished,
            total=len(lessons),
            title=nxt.title,
            lesson=nxt.id,
            minutes=nxt.minutes,
        )
    from netlearn.quiz.store import QuizStore

    text += due_text(len(QuizStore(store).due(store.clock())))
    text += say("core.home.more")
    yield Note(text=text, tone="tip")
