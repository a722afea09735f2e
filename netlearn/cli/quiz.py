"""`netlearn quiz` and `netlearn review`: Typer wiring only (the work is in `netlearn.quiz`)."""

from __future__ import annotations

from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import FormatOpt, SeedOpt, build_env, open_store

LessonsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help="Lesson ids or numbers (all lessons with a quiz by default).",
        show_default=False,
        metavar="LESSON...",
    ),
]

ANSWER_HELP = (
    "Off a terminal (or with --format plain/json) each line of standard input is one answer: "
    "a letter for one answer (b); every right letter for several (a,c); the words for a blank; "
    "the shown numbers in the right order for ordering (3 1 2); ? for don't know. Choices are "
    "shuffled on each asking (--seed repeats them); a line that is not an answer (a letter "
    "beyond the choices, a word for a number) is refused and asked again, never graded. The end of "
    "input ends the quiz with the score so far. --format json prints each question and each "
    "judged answer (id, answer given, correct, right answer) as one JSON line."
)


@app.command("quiz", epilog=ANSWER_HELP)
def quiz(
    lessons: LessonsArg = None,
    count: Annotated[
        int, typer.Option("--count", "-n", help="How many questions (0 = every one).", min=0)
    ] = 10,
    seed: SeedOpt = None,
    fmt: FormatOpt = "auto",
) -> None:
    """Quiz yourself: questions from the lessons, each explained after your answer (single keys
    on a terminal)."""
    from netlearn.app import play_quiz
    from netlearn.quiz.commands import run_quiz

    env = build_env(fmt, seed=seed)
    with open_store(env) as store:
        run_quiz(env, store, lessons or [], count, play_quiz)


@app.command("review", epilog=ANSWER_HELP)
def review(
    lessons: LessonsArg = None,
    count: Annotated[
        int, typer.Option("--count", "-n", help="At most this many (0 = all that are due).", min=0)
    ] = 20,
    seed: SeedOpt = None,
    fmt: FormatOpt = "auto",
) -> None:
    """Review the questions that are due (spaced repetition: missed ones soon, known ones later)."""
    from netlearn.app import play_quiz
    from netlearn.quiz.commands import run_review

    env = build_env(fmt, seed=seed)
    with open_store(env) as store:
        run_review(env, store, lessons or [], count, play_quiz)
