"""The Typer application object; command modules attach their commands to it."""

from __future__ import annotations

import typer

from netlearn.cli.lazy import LazyGroup

app = typer.Typer(
    cls=LazyGroup,
    name="netlearn",
    help="Learn networking by watching it happen: OSI, TCP, WebSocket, Socket.IO, on real bytes.",
    rich_markup_mode=None,  # plain help: fast to start, readable in any terminal or pipe
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    invoke_without_command=True,
    no_args_is_help=False,
)
