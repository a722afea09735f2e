"""`netlearn capture`: real TCP segments from this machine's loopback, in the ladder view.

The lesson's spec names `capture` as its command; the command tree adds it (`netlearn.cli.app`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.content.words import help_text, say
from netlearn.errors import NetlearnError
from netlearn.lessons.capture.cli_live import in_parts, run_demo, watch
from netlearn.lessons.capture.cli_read import BATCH, Look, check_options, read_file
from netlearn.options import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
)

__all__ = ["capture", "in_parts"]


def capture(
    port: Annotated[
        int | None,
        typer.Option(
            "--port",
            "-p",
            help=help_text("capture.cli.help.port"),
            min=1,
            max=65535,
            metavar="N",
        ),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option("--count", "-c", help=help_text("capture.cli.help.count"), min=1, metavar="N"),
    ] = None,
    duration: Annotated[
        float | None,
        typer.Option(
            "--duration",
            "-d",
            help=help_text("capture.cli.help.duration"),
            min=0.1,
            metavar="SECONDS",
        ),
    ] = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            "-w",
            help=help_text("capture.cli.help.write"),
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    read: Annotated[
        Path | None,
        typer.Option(
            "--read",
            "-r",
            help=help_text("capture.cli.help.read"),
            dir_okay=False,
            metavar="FILE",
        ),
    ] = None,
    stream: Annotated[
        int | None,
        typer.Option(
            "--stream",
            "-s",
            help=help_text("capture.cli.help.stream"),
            min=1,
            metavar="N",
        ),
    ] = None,
    follow: Annotated[
        int | None,
        typer.Option(
            "--follow",
            help=help_text("capture.cli.help.follow"),
            min=1,
            metavar="N",
        ),
    ] = None,
    osi_packet: Annotated[
        int | None,
        typer.Option("--osi", help=help_text("capture.cli.help.osi"), min=1, metavar="N"),
    ] = None,
    replay: Annotated[
        bool,
        typer.Option("--replay", help=help_text("capture.cli.help.replay")),
    ] = False,
    iface: Annotated[
        str, typer.Option("--iface", "-i", help=help_text("capture.cli.help.iface"), metavar="NAME")
    ] = "lo",
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help=help_text("capture.cli.help.quiet"))
    ] = False,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Capture real TCP handshakes on loopback and show them in the ladder.

    With no options: a server and a client on 127.0.0.1 talk while netlearn captures them.
    Capturing needs root or CAP_NET_RAW; without it the demo runs in a private network
    namespace of your own (Linux), where it needs none. --port needs it; --read and --replay
    do not.

    On a terminal the demo runs full-screen, one part of the connection per Enter (q or Ctrl-C
    stop it), and --osi N opens the interactive layer inspector.
    """
    from netlearn.render import check_theme

    check_theme(theme)
    env = build_env(fmt, speed=speed)
    look = Look(export=export, present=present, theme=theme)
    check_options(port, count, duration, write, read, stream, osi_packet, replay)
    if follow is not None:
        if read is None or stream is not None or osi_packet is not None:
            raise NetlearnError(say("capture.cli.errors.follow"))
        from netlearn.lessons.capture.follow import follow as follow_stream
        from netlearn.render import run_scene

        run_scene(follow_stream(read, follow), env, export, theme=theme, batch=BATCH)
    elif read is not None:
        read_file(env, read, stream, osi_packet, look)
    elif replay:
        from netlearn.lessons.capture.demo import bundled_capture

        read_file(env, bundled_capture(), stream or 1, osi_packet, look, replay=True)
    elif port is not None:
        # Segments come as fast as the programs send them: draw each at once, no animation.
        env = build_env(fmt, speed=speed, animate=False)
        watch(env, port, iface, count, duration, write, quiet, look)
    else:
        run_demo(env, iface, write, osi_packet, look)
