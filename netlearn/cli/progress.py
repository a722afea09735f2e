"""`netlearn progress` (with `--export` for a teacher) and `netlearn progress reset`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import FormatOpt, build_env, open_store
from netlearn.errors import NetlearnError

progress_app = typer.Typer(
    help="Your progress: per lesson, steps done, quiz accuracy, questions due, your streak; "
    "export it for a teacher; reset one lesson or all.",
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
            help="Also save your record for a teacher: FILE.json (every answer) or FILE.csv "
            "(one row per lesson).",
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Your name, written into the export.")
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
        raise NetlearnError(f"cannot export to {export.name!r}: use a file ending in .json or .csv")
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
            print(f"Saved your record to {export}.", file=env.stderr)


@progress_app.command("reset")
def reset(
    lesson: Annotated[
        str | None, typer.Argument(help="The lesson to reset (id or number).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Reset every lesson.")] = False,
    quiz: Annotated[
        bool,
        typer.Option("--quiz", help="Also forget the quiz answers and review schedule."),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget where you stopped in one lesson (or all): asks first unless --yes."""
    from netlearn.content.manifest import find, load

    if (lesson is None) == (not all_):
        raise NetlearnError("name one lesson to reset, or pass --all")
    env = build_env()
    target = find(lesson, load()).id if lesson is not None else None
    what = f"lesson {target!r}" if target else "ALL lessons"
    if quiz:
        what += " (with quiz answers and reviews)"
    if not yes:
        if not env.stdin_tty:
            raise NetlearnError(f"refusing to reset {what} without confirmation: add --yes")
        if not typer.confirm(f"Reset your progress in {what}?", default=False):
            print("Nothing was reset.")
            return
    with open_store(env) as store:
        n = store.reset(target)
        answers = 0
        if quiz:
            from netlearn.quiz.store import QuizStore

            answers = QuizStore(store).reset(target)
    extra = f", {answers} quiz answer(s)" if quiz else ""
    print(f"Reset {what}: {n} record(s){extra} removed.")
