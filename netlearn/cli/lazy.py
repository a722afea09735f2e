"""Lazy command families: `netlearn --help` lists every command without importing them all.

Typer builds every command's Click object (and imports every module that declares one) before it
can print help. For the lesson families (tcp, capture, websocket, socketio, quiz), we keep their
names and one-line help here and import a family's module only when its command runs, or when its
own `--help` is asked for. A test checks that these lines match the real commands.
"""

from __future__ import annotations

import importlib
from typing import Any

from typer.core import TyperGroup

# name -> (module that registers it on `netlearn.cli.app.app`, its one-line help)
LAZY: dict[str, tuple[str, str]] = {
    "tcp": (
        "netlearn.lessons.tcp.cli",
        "Watch TCP open, carry and close a connection, segment by segment.",
    ),
    "capture": (
        "netlearn.lessons.capture.cli",
        "Capture real TCP handshakes on loopback and show them in the ladder.",
    ),
    "websocket": (
        "netlearn.lessons.websocket.cli",
        "WebSocket, live: the upgrade and the frames byte by byte; a frame explainer; "
        "a server for your browser.",
    ),
    "socketio": (
        "netlearn.lessons.socketio.cli",
        "Socket.IO on the wire: what the library adds on top of WebSocket.",
    ),
    "quiz": (
        "netlearn.cli.quiz",
        "Quiz yourself: questions from the lessons, each explained after your answer (single keys "
        "on a terminal).",
    ),
    "lab": (
        "netlearn.cli.lab",
        "Labs: write a client or server yourself; netlearn checks its bytes and explains each "
        "mistake.",
    ),
    "review": (
        "netlearn.cli.quiz",
        "Review the questions that are due (spaced repetition: missed ones soon, known ones "
        "later).",
    ),
}

# The order `netlearn --help` lists commands in: the learner's path through netlearn.
ORDER = (
    "lessons",
    "learn",
    "osi",
    "tcp",
    "capture",
    "websocket",
    "socketio",
    "quiz",
    "review",
    "lab",
    "progress",
    "check",
)


def load_all() -> None:
    """Import every lazy family (for tests and tools that need the whole tree)."""
    for module, _ in LAZY.values():
        importlib.import_module(module)


class OutputClosed(Exception):
    """The reader of our output went away (`netlearn ... | head`): not an error of ours.

    Click turns a BrokenPipeError into exit status 1 before we could see it; this type passes
    through Click so that `main` can exit quietly with 0.
    """


class Interrupted(Exception):
    """Ctrl-C reached the top: Typer would turn it into a silent exit; `main` says so first."""


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
        names = set(super().list_commands(ctx)) | set(LAZY)
        return [n for n in ORDER if n in names] + sorted(names - set(ORDER))

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY:
            from typer.main import get_command

            from netlearn.cli.app import app

            importlib.import_module(LAZY[cmd_name][0])
            command = get_command(app).commands.get(cmd_name)  # type: ignore[attr-defined]
            if command is not None:
                self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in self.commands:
                cmd = self.commands[name]
                if cmd.hidden:
                    continue
                rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
            else:
                rows.append((name, LAZY[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
