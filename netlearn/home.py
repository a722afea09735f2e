"""The home screen and the lesson list, as events (so they render in every format)."""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.content.manifest import LessonInfo, load
from netlearn.events import Event, Note, Table, Title
from netlearn.progress.store import LessonProgress, ProgressStore


def status_of(progress: LessonProgress | None) -> str:
    """A lesson's status in words: new, step k of n, or done."""
    if progress is None:
        return "new"
    if progress.done:
        return "done"
    return f"step {progress.step_index + 1} of {progress.steps_total}"


def lesson_table(store: ProgressStore, lessons: list[LessonInfo] | None = None) -> Table:
    """The lesson list as a table event."""
    lessons = lessons if lessons is not None else load()
    done = store.all()
    return Table(
        title="Lessons",
        columns=("#", "id", "title", "minutes", "status"),
        rows=tuple(
            (str(x.number), x.id, x.title, str(x.minutes), status_of(done.get(x.id)))
            for x in lessons
        ),
    )


def next_lesson(store: ProgressStore, lessons: list[LessonInfo]) -> LessonInfo | None:
    """The lesson to suggest: one in progress, else the first not done."""
    done = store.all()
    for x in lessons:
        p = done.get(x.id)
        if p is not None and not p.done:
            return x
    for x in lessons:
        if x.id not in done:
            return x
    return None


def home_events(store: ProgressStore) -> Iterator[Event]:
    """The home screen: what netlearn is, the lessons with status, and what to do next."""
    lessons = load()
    yield Title(
        text="netlearn: networking, shown happening",
        subtitle="Each lesson explains an idea, then shows it on real bytes: packets built with "
        "scapy, real sockets on 127.0.0.1, real captures.",
    )
    yield lesson_table(store, lessons)
    finished = sum(1 for p in store.all().values() if p.done)
    nxt = next_lesson(store, lessons)
    if nxt is None:
        text = f"You finished all {len(lessons)} lessons."
    else:
        text = (
            f"Finished {finished} of {len(lessons)}. Next: **{nxt.title}** "
            f"(`netlearn learn {nxt.id}`, about {nxt.minutes} minutes)."
        )
    from netlearn.quiz.store import QuizStore

    due = len(QuizStore(store).due(store.clock()))
    if due:
        text += (
            f"\n\n{due} quiz question{'s are' if due != 1 else ' is'} due for review: "
            "`netlearn review`."
        )
    text += (
        "\n\nMore: `netlearn osi` opens the layer inspector; `netlearn progress` shows your "
        "record; `netlearn --help` lists every command."
    )
    yield Note(text=text, tone="tip")
