"""`netlearn quiz` and `netlearn review`: Typer wiring only (the work is in `netlearn.quiz`)."""

from __future__ import annotations

from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.content.words import help_text
from netlearn.options import FormatOpt, SeedOpt, build_env, open_store

LessonsArg = Annotated[
    list[str] | None,
    typer.Argument(
        help=help_text("core.cli.quiz.lessons"),
        show_default=False,
        metavar="LESSON...",
    ),
]

ANSWER_HELP = help_text("core.cli.quiz.answers")


@app.command("quiz", epilog=ANSWER_HELP)
def quiz(
    lessons: LessonsArg = None,
    count: Annotated[
        int, typer.Option("--count", "-n", help=help_text("core.cli.quiz.count"), min=0)
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
        int, typer.Option("--count", "-n", help=help_text("core.cli.quiz.review-count"), min=0)
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
