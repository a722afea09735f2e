"""The Typer application object; command modules attach their commands to it.

Its top-level group builds the core commands eagerly and each lazy family (`netlearn.cli.lazy`:
the lessons' commands from their specs, quiz and lab) on first use, by `attach`. A lesson's
spec names its command as "module:name", a function (one command) or a `typer.Typer` (a group)
in the lesson's `cli` module, which attach adds to `app` under the lesson's id: the lesson never
imports the command tree above it. A bare "module" is one that adds itself to `app` when imported
(as the core's own quiz and lab commands do).
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperGroup

from netlearn.cli.lazy import Interrupted, OutputClosed, lazy_table, order

_attached: set[str] = set()


def attach(name: str) -> None:
    """Import the lazy command `name` and add it to `app` (once; nothing for an unknown name)."""
    entry = lazy_table().get(name)
    if entry is None or name in _attached:
        return
    module_name, _, attribute = entry[0].partition(":")
    module = importlib.import_module(module_name)
    if attribute and not _registered(name):  # a module may still add itself when imported
        target = getattr(module, attribute)
        if isinstance(target, typer.Typer):
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    _attached.add(name)


def _registered(name: str) -> bool:
    """Whether `app` already has a command or group called `name`."""
    return any(info.name == name for info in app.registered_commands) or any(
        info.name == name for info in app.registered_groups
    )


def load_all() -> None:
    """Add every lazy family to `app` (for tests and tools that need the whole tree)."""
    for name in lazy_table():
        attach(name)


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
        if command is None and cmd_name in lazy_table():
            from typer.main import get_command

            attach(cmd_name)
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
