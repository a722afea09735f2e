"""`netlearn progress` and `netlearn progress reset`."""

from __future__ import annotations

from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import FormatOpt, build_env, open_store
from netlearn.errors import NetlearnError

progress_app = typer.Typer(
    help="Your progress: lessons done, where you stopped; reset one lesson or all.",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(progress_app, name="progress")


@progress_app.callback()
def progress(ctx: typer.Context, fmt: FormatOpt = "auto") -> None:
    """Show your progress per lesson."""
    if ctx.invoked_subcommand is not None:
        return
    from netlearn.home import lesson_table
    from netlearn.render import run_scene

    env = build_env(fmt)
    with open_store(env) as store:
        from netlearn.events import Note

        events = [lesson_table(store), Note(text=f"Streak: {store.streak()} day(s) in a row.")]
        run_scene(events, env)


@progress_app.command("reset")
def reset(
    lesson: Annotated[
        str | None, typer.Argument(help="The lesson to reset (id or number).")
    ] = None,
    all_: Annotated[bool, typer.Option("--all", help="Reset every lesson.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Forget where you stopped in one lesson (or all): asks first unless --yes."""
    from netlearn.content.manifest import find, load

    if (lesson is None) == (not all_):
        raise NetlearnError("name one lesson to reset, or pass --all")
    env = build_env()
    target = find(lesson, load()).id if lesson is not None else None
    what = f"lesson {target!r}" if target else "ALL lessons"
    if not yes:
        if not env.stdin_tty:
            raise NetlearnError(f"refusing to reset {what} without confirmation: add --yes")
        if not typer.confirm(f"Reset your progress in {what}?", default=False):
            print("Nothing was reset.")
            return
    with open_store(env) as store:
        n = store.reset(target)
    print(f"Reset {what}: {n} record(s) removed.")
