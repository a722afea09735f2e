"""What `netlearn quiz` and `netlearn review` do, below the Typer wiring."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from netlearn.content.manifest import LessonInfo
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.progress.store import ProgressStore
from netlearn.quiz.bank import bank_files, load_all
from netlearn.quiz.events import QuizScore
from netlearn.quiz.model import Question
from netlearn.quiz.runner import LessonIndex, QuizRun, nothing_due, prepare
from netlearn.quiz.store import QuizStore


def load_questions(root: Path | None = None) -> tuple[list[Question], LessonIndex, list[str]]:
    """Every question, the lesson index, and the lesson ids that have a bank (in course order)."""
    from netlearn.content.lesson import ContentError
    from netlearn.content.manifest import load
    from netlearn.paths import lessons_dir

    root = root or lessons_dir()
    try:
        lessons: list[LessonInfo] = load(root)
    except ContentError as exc:
        raise NetlearnError(say("core.quizzing.commands.broken-lessons", problem=exc)) from None
    questions, problems = load_all(root, lessons)
    if problems:
        more = say("core.quizzing.commands.more", n=len(problems) - 1) if len(problems) > 1 else ""
        raise NetlearnError(
            say("core.quizzing.commands.broken-quiz", problem=problems[0], more=more)
        )
    banks = bank_files(root, lessons)
    index = LessonIndex.build(lessons, [(b.lesson, b.lesson_path) for b in banks])
    return questions, index, [b.lesson for b in banks]


def resolve_lessons(args: Sequence[str], with_bank: list[str]) -> list[str]:
    """Lesson ids (or course numbers) named on the command line, each one with a quiz."""
    from netlearn.content.manifest import find, load

    out: list[str] = []
    for arg in args:
        lesson = arg.strip().lower()
        if lesson not in with_bank:
            lesson = find(arg, load()).id
        if lesson not in with_bank:
            raise NetlearnError(
                say("core.quizzing.commands.no-quiz", lesson=lesson, with_quiz=", ".join(with_bank))
            )
        if lesson not in out:
            out.append(lesson)
    return out


Play = Callable[[QuizRun], QuizScore]


def _lines(run: QuizRun) -> QuizScore:
    return run.run()


def run_quiz(
    env: Env, store: ProgressStore, lessons: Sequence[str], count: int, play: Play = _lines
) -> QuizScore:
    """`netlearn quiz`: `count` questions (0 = all) from the chosen lessons (all by default).

    `play` asks the questions: lines of input by default; the CLI passes the full-screen player
    (`netlearn.app.play_quiz`), which the engine never imports.
    """
    questions, index, with_bank = load_questions()
    if not with_bank:
        raise NetlearnError(say("core.quizzing.commands.no-quiz-at-all"))
    chosen = resolve_lessons(lessons, with_bank) or with_bank
    pool = [q for q in questions if q.lesson in chosen]
    prepared = prepare(pool, count, env.rng, env)
    if not prepared:
        raise NetlearnError(say("core.quizzing.commands.none-made"))
    again = " ".join(["netlearn quiz", *chosen]) if lessons else "netlearn quiz"
    return play(QuizRun(env, QuizStore(store), prepared, index, mode="quiz", again=again))


def run_review(
    env: Env, store: ProgressStore, lessons: Sequence[str], count: int, play: Play = _lines
) -> QuizScore | None:
    """`netlearn review`: the questions due now, most overdue first; None if nothing is due."""
    from netlearn.render import make_renderer

    questions, index, with_bank = load_questions()
    chosen = resolve_lessons(lessons, with_bank) or with_bank
    by_id = {q.id: q for q in questions if q.lesson in chosen}
    qstore = QuizStore(store)
    due = qstore.due(qstore.clock(), by_id)
    if not due:
        make_renderer(env).emit(nothing_due(qstore, set(by_id)))
        return None
    picked = [by_id[c.question_id] for c in due]
    prepared = prepare(picked, count, env.rng, env, shuffle=False)
    again = " ".join(["netlearn review", *chosen]) if lessons else "netlearn review"
    return play(QuizRun(env, qstore, prepared, index, mode="review", again=again))
