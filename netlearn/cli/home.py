"""`netlearn` alone (the home screen), `--version`, and `netlearn lessons`."""

from __future__ import annotations

from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import FormatOpt, build_env, open_store


def _version(value: bool) -> None:
    if value:
        from netlearn import __version__

        print(f"netlearn {__version__}")
        raise typer.Exit()


@app.callback()
def home(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version", "-V", help="Print the version and exit.", callback=_version, is_eager=True
        ),
    ] = False,
) -> None:
    """Learn networking by watching it happen. Run `netlearn` for the home screen."""
    if ctx.invoked_subcommand is not None:
        return
    from netlearn.home import home_events

    env = build_env()
    from netlearn.render import run_scene

    with open_store(env) as store:
        run_scene(home_events(store), env)


@app.command("lessons")
def lessons_cmd(fmt: FormatOpt = "auto") -> None:
    """List the lessons: number, id, title, minutes, your status."""
    from netlearn.home import lesson_table
    from netlearn.render import run_scene

    env = build_env(fmt)
    with open_store(env) as store:
        run_scene([lesson_table(store)], env)
