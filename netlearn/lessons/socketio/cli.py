"""`netlearn socketio`: the guided demo (default), `decode PACKET`, `serve` (the chat page)."""

from __future__ import annotations

import contextlib
import os
from typing import Annotated

import typer

from netlearn.content.words import say
from netlearn.options import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
    show,
    uses_app,
)

socketio_app = typer.Typer(
    name="socketio",
    rich_markup_mode=None,
    invoke_without_command=True,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@socketio_app.callback()
def socketio_demo(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    auto: Annotated[
        bool,
        typer.Option("--auto", help=say("socketio.cli.help.auto")),
    ] = False,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Socket.IO on the wire: what the library adds on top of WebSocket.

    Without a subcommand, the guided demo: a python-socketio server and clients on 127.0.0.1
    talk, and every Engine.IO and Socket.IO packet is shown raw and decoded as it crosses:
    handshake and upgrade, events and acknowledgements, broadcasts and rooms, the heartbeat,
    errors and reconnection, a plain WebSocket client, two servers and a broker.

    On a terminal, Enter starts the next part and q stops; in a pipe it runs to the end.
    """
    if ctx.invoked_subcommand is not None:
        return
    from netlearn.lessons.socketio.demo import guided
    from netlearn.runner.gate import stepped

    env = build_env(fmt, speed=speed)
    events = guided(env)
    if export is None and uses_app(env):
        from netlearn.app.live import run_live

        run_live(
            env,
            events,
            title=say("socketio.cli.demo.title"),
            noun=say("socketio.cli.demo.noun"),
            auto=auto,
            present=present,
            stopped=say("socketio.cli.demo.stopped"),
        )
        return
    try:
        stopped = say("socketio.cli.demo.stopped")
        gated = stepped(events, env, noun=say("socketio.cli.demo.noun"), stopped=stopped)
        step = env.interactive and not auto and not present
        show(gated if step else events, env, export, present=present, auto=auto, theme=theme)
    finally:
        events.close()  # stops the servers and clients, also after q or Ctrl-C


@socketio_app.command("decode")
def decode(
    packet: Annotated[
        str,
        typer.Argument(
            help=say("socketio.cli.help.packet"),
            metavar="PACKET",
        ),
    ],
    socketio_only: Annotated[
        bool,
        typer.Option(
            "--socketio",
            "-s",
            help=say("socketio.cli.help.socketio-only"),
        ),
    ] = False,
    fmt: FormatOpt = "auto",
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Explain an Engine.IO/Socket.IO packet: its type, namespace, ack id and arguments."""
    from netlearn.errors import NetlearnError
    from netlearn.lessons.socketio.explain import explain
    from netlearn.lessons.socketio.problems import PacketError

    env = build_env(fmt)
    # Under a non-UTF-8 locale Python decoded the argument with that locale: recover the bytes
    # the shell passed, and read them as UTF-8 (what the wire carries).
    with contextlib.suppress(UnicodeError):
        packet = os.fsencode(packet).decode("utf-8", "surrogateescape")
    try:
        events = explain(packet, socketio_only=socketio_only)
    except PacketError as exc:
        raise NetlearnError(str(exc)) from None
    show(events, env, export, present=present, theme=theme)


@socketio_app.command("serve", help=say("socketio.cli.help.serve"))
def serve(
    port: Annotated[
        int,
        typer.Option("--port", "-p", help=say("socketio.cli.help.port"), min=0, max=65535),
    ] = 0,
    host: Annotated[
        str,
        typer.Option("--host", help=say("socketio.cli.help.host")),
    ] = "127.0.0.1",
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help=say("socketio.cli.help.allow-host"),
            metavar="NAME",
        ),
    ] = None,
    max_clients: Annotated[
        int,
        typer.Option(
            "--max-clients",
            help=say("socketio.cli.help.max-clients"),
            min=1,
            max=100_000,
        ),
    ] = 500,
    redis: Annotated[
        str | None,
        typer.Option(
            "--redis",
            help=say("socketio.cli.help.redis"),
            metavar="URL",
        ),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help=say("socketio.cli.help.open"))
    ] = False,
    fmt: FormatOpt = "auto",
) -> None:
    from netlearn.lessons.socketio.serve import serve as run
    from netlearn.render import make_renderer

    env = build_env(fmt)
    renderer = make_renderer(env)
    try:
        run(
            env,
            renderer,
            host=host,
            port=port,
            open_browser=open_browser,
            allow_hosts=tuple(allow_host or ()),
            max_clients=max_clients,
            redis_url=redis,
        )
    finally:
        renderer.close()
