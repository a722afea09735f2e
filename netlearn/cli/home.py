"""`netlearn` alone (the home screen), `--version`, and `netlearn lessons`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from netlearn.app import hold_gc, release_gc
from netlearn.cli import _started_as_netlearn

if _started_as_netlearn():
    # The entry point's imports (Typer, the command tree) make objects that live as long as the
    # process: no garbage collection until a command starts (`home` below lets it go, except for
    # the full-screen commands, which let it go after their first frame).
    hold_gc()

import typer  # noqa: E402

from netlearn.cli.app import app  # noqa: E402
from netlearn.content.words import help_text  # noqa: E402
from netlearn.options import FormatOpt, build_env, open_store  # noqa: E402

if TYPE_CHECKING:
    from netlearn.home import Survey


def _version(value: bool) -> None:
    if value:
        from netlearn import __version__

        print(f"netlearn {__version__}")
        raise typer.Exit()


FULL_SCREEN = ("learn", "next")  # commands that release the collector after their first frame


@app.callback()
def home(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help=help_text("core.cli.options.version"),
            callback=_version,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """Learn networking by watching it happen. Run `netlearn` for the home screen."""
    if ctx.invoked_subcommand is not None:
        if ctx.invoked_subcommand not in FULL_SCREEN:
            release_gc()
        return
    hold_gc()  # start-up: no garbage collection until the first frame (as in `learn`)
    try:
        _home()
    finally:
        release_gc()


def _home() -> None:
    """The home screen: the menu app at a terminal, else the same facts as plain events."""
    from netlearn.app import release_gc, wanted

    env = build_env(animate=False)  # a static screen: nothing to wait for
    found = _survey()
    with open_store(env) as store:
        if wanted(env):
            from netlearn.app.home import HomeScreen
            from netlearn.app.shell import run_app

            code = run_app(env, HomeScreen(found, store))
            if code:
                raise typer.Exit(code)
            return
        release_gc()  # no app, no first frame to wait for
        from netlearn.home import home_events
        from netlearn.render import run_scene

        run_scene(home_events(store, found), env)
    _fail_if_broken(found)


@app.command("lessons")
def lessons_cmd(fmt: FormatOpt = "auto") -> None:
    """List the lessons: number, id, title, minutes, your status."""
    from netlearn.home import lesson_table
    from netlearn.render import run_scene

    env = build_env(fmt, animate=False)  # a static table: no animation beats
    found = _survey()
    with open_store(env) as store:
        run_scene([lesson_table(store, found.lessons, found.broken)], env)
    _fail_if_broken(found)


def _survey() -> Survey:
    """The lessons and their problems; a manifest that cannot be read at all is one line."""
    from netlearn.content.checker import refusal
    from netlearn.content.lesson import ContentError
    from netlearn.home import survey

    try:
        return survey()
    except ContentError as exc:
        raise refusal([exc]) from None


def _fail_if_broken(found: Survey) -> None:
    """After listing the sound lessons: name the first problem on stderr and exit 1."""
    from netlearn.content.checker import refusal

    if found.problems:
        raise refusal(found.problems)
