"""`netlearn lab`: write the program yourself; netlearn grades its bytes (work in netlearn.labs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.content.words import say
from netlearn.options import SeedOpt, build_env

lab_app = typer.Typer(
    help=say("labs.cli.help") + "\n\n" + say("labs.cli.help-no-command"),
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(lab_app, name="lab")

NameArg = Annotated[str, typer.Argument(help="The lab: tcp-echo, websocket-server, ...")]
CommandArg = Annotated[
    list[str] | None,
    typer.Argument(
        help=say("labs.cli.command"),
        show_default=False,
        metavar="-- COMMAND [ARG...]",
    ),
]
LabFormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=say("labs.cli.format"),
        metavar="auto|plain|rich|json",
    ),
]


@lab_app.callback()
def lab(ctx: typer.Context) -> None:
    """Labs: write a client or server yourself; netlearn checks its bytes and explains each
    mistake."""
    if ctx.invoked_subcommand is not None:
        return
    from netlearn.labs.commands import list_labs

    list_labs(build_env("plain"))


@lab_app.command("show")
def show(name: NameArg) -> None:
    """The task, an example run, and exactly what is checked, stage by stage."""
    from netlearn.labs.commands import show_lab

    show_lab(build_env("plain"), name)


@lab_app.command("start")
def start(
    name: NameArg,
    lang: Annotated[
        str, typer.Option("--lang", help="python or js.", metavar="python|js")
    ] = "python",
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
) -> None:
    """Write a starter file into this folder: the socket set-up done, TODOs for the protocol."""
    from netlearn.labs.commands import start_lab

    start_lab(build_env("plain"), name, lang, force)


def _formats(fmt: str) -> str:
    from netlearn.errors import NetlearnError

    if fmt not in ("auto", "plain", "rich", "json"):
        raise NetlearnError(say("labs.cli.unknown-format", fmt=repr(fmt)), exit_code=2)
    return fmt


@lab_app.command("check")
def check(
    name: NameArg,
    command: CommandArg = None,
    seed: SeedOpt = None,
    fmt: LabFormatOpt = "auto",
    gradescope: Annotated[
        Path | None,
        typer.Option(
            "--gradescope",
            help=say("labs.cli.gradescope"),
            metavar="FILE",
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Run your program and check it stage by stage; exit 0 when every stage passes.

    Example: netlearn lab check tcp-echo -- python3 tcp_echo.py
    """
    from netlearn.labs.commands import check_lab

    env = build_env("plain" if _formats(fmt) == "json" else fmt)
    status = check_lab(
        env,
        name,
        list(command or []),
        seed=seed,
        fmt=fmt,
        gradescope=gradescope,
        record=gradescope is None,
    )
    raise typer.Exit(status)


@lab_app.command("watch")
def watch(
    name: NameArg,
    command: CommandArg = None,
    seed: SeedOpt = None,
    loop: Annotated[
        bool,
        typer.Option("--loop", help=say("labs.cli.loop")),
    ] = False,
    max_runs: Annotated[
        int, typer.Option("--max-runs", help="Stop after this many checks (0: never).", min=0)
    ] = 0,
) -> None:
    """Check your program, then again whenever a file in this folder changes (Ctrl-C stops)."""
    from netlearn.labs.watch import watch_lab

    status = watch_lab(
        build_env("auto"), name, list(command or []), seed=seed, loop=loop, max_runs=max_runs
    )
    raise typer.Exit(status)
