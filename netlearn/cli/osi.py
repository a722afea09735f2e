"""`netlearn osi`: the layer inspector, on a sample packet or any packet of a capture."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import ExportOpt, FormatOpt, SpeedOpt, build_env, show


@app.command("osi")
def osi(
    packet: Annotated[
        str,
        typer.Option("--packet", "-p", help="Sample packet: http, dns, ping or websocket."),
    ] = "http",
    pcap: Annotated[
        Path | None,
        typer.Option("--pcap", help="Open a packet of this capture file instead.", dir_okay=False),
    ] = None,
    index: Annotated[
        int, typer.Option("--index", "-n", help="Which packet of --pcap (1 = the first).", min=1)
    ] = 1,
    walk: Annotated[
        bool,
        typer.Option("--walk", help="First show it wrapped layer by layer, then unwrapped."),
    ] = False,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
) -> None:
    """Open a packet in the layer inspector: every header, its fields and its bytes."""
    env = build_env(fmt, speed=speed)
    if pcap is not None:
        from netlearn.osi.pcapfile import read_packet

        show([read_packet(pcap, index)], env, export)
        return
    from netlearn.osi import scenes

    events = []
    if walk:
        events.extend(scenes.encapsulate(env, packet))
        events.extend(scenes.unwrap(env, packet))
    events.extend(scenes.inspect(env, packet))
    show(events, env, export)
