"""`netlearn socketio`: the guided demo (default), `decode PACKET`, `serve` (the chat page)."""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
    show,
    uses_app,
)

if TYPE_CHECKING:
    pass

socketio_app = typer.Typer(
    name="socketio",
    rich_markup_mode=None,
    invoke_without_command=True,
    no_args_is_help=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(socketio_app, name="socketio")


@socketio_app.callback()
def socketio_demo(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    auto: Annotated[
        bool,
        typer.Option("--auto", help="On a terminal, run every part without waiting for Enter."),
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
            title="Socket.IO, live",
            noun="part",
            auto=auto,
            present=present,
            stopped="Stopped; servers and clients closed.",
        )
        return
    try:
        gated = stepped(events, env, noun="part", stopped="Stopped; servers and clients closed.")
        step = env.interactive and not auto and not present
        show(gated if step else events, env, export, present=present, auto=auto, theme=theme)
    finally:
        events.close()  # stops the servers and clients, also after q or Ctrl-C


@socketio_app.command("decode")
def decode(
    packet: Annotated[
        str,
        typer.Argument(
            help='A packet as seen on the wire, e.g. 42["chat",{"text":"hi"}]; quote it in '
            "the shell. Several packets of a polling body: separate them with \\x1e.",
            metavar="PACKET",
        ),
    ],
    socketio_only: Annotated[
        bool,
        typer.Option(
            "--socketio",
            "-s",
            help="Read PACKET as a bare Socket.IO packet (no Engine.IO 4 in front), as the "
            "Socket.IO specification writes its examples.",
        ),
    ] = False,
    fmt: FormatOpt = "auto",
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Explain an Engine.IO/Socket.IO packet: its type, namespace, ack id and arguments."""
    from netlearn.errors import NetlearnError
    from netlearn.lessons.socketio.codec import PacketError
    from netlearn.lessons.socketio.explain import explain

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


SERVE_HELP = """Serve the chat page for real browsers and show every packet here. Ctrl-C stops it.

Made for a class. Limits (stated again at start): at most --max-clients Socket.IO clients
(default 500) and three connections per client; one more gets HTTP 503 with Retry-After: 5 and
the reason, not a reset. A request head must arrive whole within 5 s of connecting, and a later
one within 5 s of its first byte: slow senders (slowloris) are closed and hold nothing. An idle
HTTP connection is closed after 15 s; a client that stops answering pings is dropped after 45 s;
a message is at most 16000 bytes; the listen backlog is 1024. When the terminal cannot keep up,
packets are counted instead of shown; the server does not slow down for it.

Only requests whose Host is 127.0.0.1, localhost or [::1] (with the port), the --host address or
an --allow-host name are served (any other Host gets 421), and a browser's Origin must be one of
those pages (any other gets 403), each with a line here: this keeps out pages that rebind their own
name to this machine (DNS rebinding).

With --redis URL, several serve processes (behind a load balancer) share rooms and broadcasts
through Redis (python-socketio's AsyncRedisManager); without it, everything stays in memory.
"""


@socketio_app.command("serve", help=SERVE_HELP)
def serve(
    port: Annotated[
        int,
        typer.Option(
            "--port", "-p", help="Port to listen on (0: let the kernel choose).", min=0, max=65535
        ),
    ] = 0,
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; loopback unless you ask otherwise."),
    ] = "127.0.0.1",
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="Also accept this name in Host and Origin (e.g. the machine's DNS name); "
            "repeat it for several.",
            metavar="NAME",
        ),
    ] = None,
    max_clients: Annotated[
        int,
        typer.Option(
            "--max-clients",
            help="Socket.IO clients at once; one more is answered 503 with Retry-After.",
            min=1,
            max=100_000,
        ),
    ] = 500,
    redis: Annotated[
        str | None,
        typer.Option(
            "--redis",
            help="Share rooms and broadcasts with other serve processes through this Redis, "
            "e.g. redis://127.0.0.1:6379/0.",
            metavar="URL",
        ),
    ] = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the chat page in your web browser.")
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
