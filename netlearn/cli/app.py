"""The Typer application object; command modules attach their commands to it.

Its top-level group builds the core commands eagerly and each lazy family (`netlearn.cli.lazy`:
the lessons' commands from their specs, quiz and lab) on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from netlearn.cli.lazy import Interrupted, OutputClosed, lazy_table, order


class LazyGroup(TyperGroup):
    """The top-level group: core commands built eagerly, lesson families on first use."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            raise OutputClosed() from None
        except KeyboardInterrupt:
            raise Interrupted() from None

    def list_commands(self, ctx: Any) -> list[str]:
        names = set(super().list_commands(ctx)) | set(lazy_table())
        known = order()
        return [n for n in known if n in names] + sorted(names - set(known))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        lazy = lazy_table()
        if command is None and cmd_name in lazy:
            from typer.main import get_command

            importlib.import_module(lazy[cmd_name][0])
            command = get_command(app).commands.get(cmd_name)  # type: ignore[attr-defined]
            if command is not None:
                self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        lazy = lazy_table()
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, lazy[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


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
