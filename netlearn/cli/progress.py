"""`netlearn progress` (with `--export` for a teacher) and `netlearn progress reset`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.content.words import help_text, say
from netlearn.errors import NetlearnError
from netlearn.options import FormatOpt, build_env, open_store

progress_app = typer.Typer(
    help=help_text("core.cli.progress.help"),
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(progress_app, name="progress")


@progress_app.callback()
def progress(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help=help_text("core.cli.progress.export"),
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help=help_text("core.cli.progress.name"))
    ] = None,
) -> None:
    """Show your progress per lesson: steps, quiz accuracy, questions due, streak."""
    if ctx.invoked_subcommand is not None:
        return
    import netlearn.quiz.render  # noqa: F401  (registers how the record is drawn)
    from netlearn.quiz import report
    from netlearn.quiz.store import QuizStore
    from netlearn.render import run_scene

    suffix = export.suffix.lower() if export is not None else ""
    if export is not None and suffix not in (".json", ".csv"):
        raise NetlearnError(say("core.cli.progress.bad-export", name=export.name))
    env = build_env(fmt)
    with open_store(env) as store:
        qstore = QuizStore(store)
        now = qstore.clock()
        rows = report.lesson_rows(store, qstore, now)
        streak = store.streak()
        run_scene(report.progress_events(rows, streak), env)
        if export is not None:
            if suffix == ".json":
                text = report.export_json(rows, qstore, streak, name, now)
            else:
                text = report.export_csv(rows, streak, name)
            report.write_export(export, text)
            print(say("core.cli.progress.saved", path=export), file=env.stderr)


@progress_app.command("reset")
def reset(
    lesson: Annotated[
        str | None, typer.Argument(help=help_text("core.cli.progress.lesson"))
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help=help_text("core.cli.progress.all"))] = False,
    quiz: Annotated[
        bool,
        typer.Option("--quiz", help=help_text("core.cli.progress.quiz")),
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help=help_text("core.cli.progress.yes"))
    ] = False,
) -> None:
    """Forget where you stopped in one lesson (or all): asks first unless --yes."""
    from netlearn.content.manifest import find, load

    if (lesson is None) == (not all_):
        raise NetlearnError(say("core.cli.progress.one-or-all"))
    env = build_env()
    target = find(lesson, load()).id if lesson is not None else None
    if target:
        what = say("core.cli.progress.the-lesson", id=target)
    else:
        what = say("core.cli.progress.all-lessons")
    if quiz:
        what += say("core.cli.progress.with-quiz")
    if not yes:
        if not env.stdin_tty:
            raise NetlearnError(say("core.cli.progress.refusing", what=what))
        if not typer.confirm(say("core.cli.progress.confirm", what=what), default=False):
            print(say("core.cli.progress.nothing"))
            return
    with open_store(env) as store:
        n = store.reset(target)
        answers = 0
        if quiz:
            from netlearn.quiz.store import QuizStore

            answers = QuizStore(store).reset(target)
    extra = say("core.cli.progress.answers", n=answers) if quiz else ""
    print(say("core.cli.progress.done", what=what, n=n, extra=extra))
