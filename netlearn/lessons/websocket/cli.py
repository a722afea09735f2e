"""`netlearn websocket`: the guided live demo, `frame HEX` (the frame explainer), `serve`."""

from __future__ import annotations

from typing import Annotated

import typer

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.options import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SeedOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
    show,
    uses_app,
)

ws_app = typer.Typer(
    help=say("websocket.cli.help.app"),
    invoke_without_command=True,
    rich_markup_mode=None,
)


@ws_app.callback()
def websocket(
    ctx: typer.Context,
    fmt: FormatOpt = "auto",
    seed: SeedOpt = None,
    speed: SpeedOpt = 1.0,
    auto: Annotated[bool, typer.Option("--auto", help=say("websocket.cli.help.auto"))] = False,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """A WebSocket server and client on 127.0.0.1, stepped one stage at a time.

    On a terminal, Enter (or space) runs the next stage and q quits; in a pipe it runs to the end.
    """
    if ctx.invoked_subcommand is not None:
        return
    from contextlib import closing

    from netlearn.lessons.websocket.demo import run
    from netlearn.runner.gate import stepped

    env = build_env(fmt, seed=seed, speed=speed)
    events = _live(env, run)
    if export is None and uses_app(env):
        from netlearn.app.live import run_live

        title = say("websocket.cli.run.title")
        run_live(env, events, title=title, noun="step", auto=auto, present=present)
        return
    if env.interactive and not auto and not present:
        stopped = say("websocket.cli.run.stopped")
        events = stepped(events, env, noun="step", stopped=stopped)
    with closing(events):
        show(events, env, export, present=present, auto=auto, theme=theme)


def _live(env, run):  # type: ignore[no-untyped-def]
    """The demo's events; without the privilege to capture, produced in a private network
    namespace, where the TCP connection underneath can be captured (none: on this machine's
    loopback, without capture, as the demo says)."""
    from netlearn.live.capture import needs_private_net, run_private

    if needs_private_net("lo"):
        from netlearn.netns import with_notice

        # The captured segments are core events, drawn here by the core's TCP drawing.
        private = run_private(lambda: run(env))
        if private is not None:
            return with_notice(private, after_title=True)
    return run(env)


@ws_app.command("frame")
def frame(
    hex_bytes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="HEX",
            help=say("websocket.cli.help.hex"),
        ),
    ] = None,
    example: Annotated[
        str,
        typer.Option(
            "--example",
            help=say("websocket.cli.help.example"),
        ),
    ] = "",
    fmt: FormatOpt = "auto",
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Explain a WebSocket frame field by field, bit by bit (RFC 6455 section 5.2)."""
    if not hex_bytes and not example:
        raise NetlearnError(say("websocket.cli.run.no-hex"))
    from netlearn.lessons.websocket.explain import explain

    env = build_env(fmt, animate=False)
    events = list(explain(env, " ".join(hex_bytes or []), example))
    show(events, env, export, present=present, theme=theme)


@ws_app.command("serve")
def serve(
    port: Annotated[
        int,
        typer.Option("--port", "-p", help=say("websocket.cli.help.port"), min=0, max=65535),
    ] = 0,
    host: Annotated[
        str,
        typer.Option("--host", help=say("websocket.cli.help.host")),
    ] = "127.0.0.1",
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            metavar="NAME",
            help=say("websocket.cli.help.allow-host"),
        ),
    ] = None,
    max_clients: Annotated[
        int,
        typer.Option(
            "--max-clients",
            metavar="N",
            help=say("websocket.cli.help.max-clients"),
            min=1,
            max=10000,
        ),
    ] = 200,
    open_browser: Annotated[
        bool, typer.Option("--open", help=say("websocket.cli.help.open"))
    ] = False,
    max_message: Annotated[
        int,
        typer.Option(
            "--max-message", help=say("websocket.cli.help.max-message"), min=125, max=1 << 26
        ),
    ] = 1 << 20,
    push_every: Annotated[
        float,
        typer.Option("--push-every", help=say("websocket.cli.help.push-every"), min=0.1),
    ] = 5.0,
    fmt: FormatOpt = "auto",
) -> None:
    """Serve a chat page and ws://HOST:PORT/chat and /echo; show every handshake and frame.

    Limits: at most 200 WebSocket clients at once (--max-clients; the next gets 503), a request
    must arrive whole within 10 s (the handshake timeout; when many are still arriving, the
    slowest is dropped), and a client that stops reading is dropped rather than buffered for.
    """
    import asyncio

    from netlearn.events import Note
    from netlearn.lessons.websocket.server import ServeConfig
    from netlearn.render import make_renderer

    env = build_env(fmt, animate=False)
    renderer = make_renderer(env)
    config = ServeConfig(
        host=host,
        port=port,
        max_message=max_message,
        push_every=push_every,
        max_clients=max_clients,
        allow_hosts=tuple(allow_host or ()),
    )
    try:
        asyncio.run(_serve(config, renderer, open_browser, env))
    except KeyboardInterrupt:
        renderer.emit(Note(text=say("websocket.server.serve.stopped", port=config.port)))
        raise
    finally:
        renderer.close()


async def _serve(config, renderer, open_browser: bool, env) -> None:  # type: ignore[no-untyped-def]
    import asyncio
    import errno

    from netlearn.events import Note, Title
    from netlearn.lessons.websocket.server import WsServer

    server = WsServer(config, renderer.emit, env)
    try:
        port = config.port = await server.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            busy = say("websocket.server.serve.port-in-use", port=config.port)
            raise NetlearnError(busy) from None
        raise NetlearnError(
            say(
                "websocket.server.serve.cannot-listen",
                host=config.host,
                port=config.port,
                error=exc.strerror,
            )
        ) from None
    shown = "127.0.0.1" if config.host in ("0.0.0.0", "", "::") else config.host
    shown = f"[{shown}]" if ":" in shown else shown
    url = f"http://{shown}:{port}/"
    renderer.emit(
        Title(
            text=say("websocket.server.serve.title"),
            subtitle=say("websocket.server.serve.subtitle", host=config.host, port=port),
        )
    )
    summary = say(
        "websocket.server.serve.summary",
        url=url,
        shown=shown,
        port=port,
        push=config.push_every,
        max_message=config.max_message,
        max_clients=config.max_clients,
        timeout=config.handshake_timeout,
        names=server.policy.names(),
    )
    renderer.emit(Note(text=summary))
    if config.host not in ("127.0.0.1", "localhost", "::1"):
        exposed = say("websocket.server.serve.exposed", host=config.host)
        renderer.emit(Note(text=exposed, tone="warn"))
    if open_browser:
        import webbrowser

        opened = await asyncio.get_running_loop().run_in_executor(None, webbrowser.open, url)
        if not opened:
            renderer.emit(Note(text=say("websocket.server.serve.no-browser", url=url)))
    await server.serve_forever()
