"""`netlearn osi`: the layer inspector, on a sample packet or any packet of a capture."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

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
)

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import PacketView


def osi(
    packet: Annotated[
        str,
        typer.Option("--packet", "-p", help=say("osi.cli.packet")),
    ] = "http",
    pcap: Annotated[
        Path | None,
        typer.Option("--pcap", help=say("osi.cli.pcap"), dir_okay=False),
    ] = None,
    index: Annotated[int, typer.Option("--index", "-n", help=say("osi.cli.index"), min=1)] = 1,
    walk: Annotated[
        bool,
        typer.Option("--walk", help=say("osi.cli.walk")),
    ] = False,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Open a packet in the layer inspector: every header, its fields and its bytes.

    On a terminal it is interactive: ↑↓ fields, ←→ or Tab layers, Enter a field's meaning,
    and the field's bytes light up in the hex dump (--present, --walk and --export print it)."""
    from netlearn.options import uses_app
    from netlearn.render import check_theme

    check_theme(theme)
    env = build_env(fmt, speed=speed)
    interactive = uses_app(env) and export is None and not walk and not present
    if pcap is not None:
        from netlearn.lessons.osi.scenes import read_packet

        view = read_packet(pcap, index)
        if interactive:
            raise typer.Exit(_inspect(env, view))
        show([view], env, export, present=present, theme=theme)
        return
    from netlearn.lessons.osi import scenes

    events = []
    if walk:
        events.extend(scenes.encapsulate(env, packet))
        events.extend(scenes.unwrap(env, packet))
    events.extend(scenes.inspect(env, packet))
    if interactive:
        (view,) = events
        raise typer.Exit(_inspect(env, view))  # type: ignore[arg-type]  # a PacketView
    show(events, env, export, present=present, theme=theme)


def _inspect(env: Env, view: PacketView) -> int:
    """The interactive inspector in the full-screen app; its exit code (130 after Ctrl-C)."""
    from netlearn.app.inspector import InspectorScreen
    from netlearn.app.shell import run_app

    return run_app(env, InspectorScreen(view))
