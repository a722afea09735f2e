"""`netlearn tcp SCENARIO`: a TCP scenario simulated with real packets, drawn as a ladder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import ExportOpt, FormatOpt, SeedOpt, SpeedOpt, build_env, show

if TYPE_CHECKING:
    from netlearn.tcp.scenarios import Trace

SCENARIO_NAMES = "handshake, transfer, close, reset, lost-syn, simultaneous-open"


@app.command("tcp")
def tcp(
    scenario: Annotated[
        str,
        typer.Argument(help=f"One of: {SCENARIO_NAMES}.", metavar="SCENARIO"),
    ],
    seed: SeedOpt = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            "-w",
            help="Also save the packets as a capture file for Wireshark or tshark.",
            metavar="FILE.pcap",
            dir_okay=False,
        ),
    ] = None,
    absolute: Annotated[
        bool,
        typer.Option(
            "--absolute", help="Show absolute sequence numbers, not relative ones (key a)."
        ),
    ] = False,
    losses: Annotated[
        int | None,
        typer.Option("--losses", help="lost-syn only: how many SYNs are lost (1-6; 2).", min=1),
    ] = None,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
) -> None:
    """Watch TCP open, carry and close a connection, segment by segment.

    SCENARIO is one of: handshake (SYN, SYN-ACK, ACK), transfer (data both ways), close
    (FIN, ACK and TIME-WAIT), reset (a SYN to a closed port), lost-syn (retransmission with
    a doubling timeout), simultaneous-open (two SYNs cross).

    On a terminal: Enter next segment, b back, a absolute/relative numbers, f header fields,
    o OSI inspector, q quit. Elsewhere it runs to the end by itself.
    """
    from netlearn.errors import NetlearnError
    from netlearn.tcp import scenarios

    env = build_env(fmt, seed=seed, speed=speed)
    if scenario not in scenarios.SCENARIOS:
        scenarios.run(scenario, env.rng)  # raises the error with a suggestion
    options: dict[str, object] = {"absolute": absolute}
    if losses is not None:
        if scenario != "lost-syn":
            raise NetlearnError("--losses only applies to the lost-syn scenario")
        options["losses"] = losses
    if export is not None:
        from netlearn.render import check_export_path

        check_export_path(export)
    if write is not None:
        from netlearn.tcp.pcap import check_pcap_path

        check_pcap_path(write)

    import netlearn.render.tcp  # noqa: F401  (registers the drawing of TCP events)
    from netlearn.events import Note

    trace = scenarios.run(scenario, env.rng, **options)
    events = list(trace.events)
    saved: Note | None = None
    if write is not None:
        from netlearn.tcp.pcap import FIXED_EPOCH, write_pcap

        if seed is None:
            import time

            start = float(int(time.time()))
        else:
            start = FIXED_EPOCH
        count = write_pcap(write, trace.captured, start)
        saved = Note(
            tone="tip",
            text=f"Saved {count} packets, as a capture at the {_capture_side(trace)} saw "
            f"them, to `{write}`. Open it in Wireshark, or: `tshark -r {write}`",
        )
        events.append(saved)
    if env.interactive:
        from netlearn.render import export_events
        from netlearn.runner.keys import raw_keys
        from netlearn.tcp.player import Player

        with raw_keys(env.stdin) as keys:
            Player(env, trace, keys).run(absolute=absolute)
        if saved is not None:
            from netlearn.render.registry import draw_rich

            draw_rich(saved, env, env.console())
        if export is not None:
            export_events(events, export, title=f"netlearn tcp {scenario}")
        return
    show(events, env, export)


def _capture_side(trace: Trace) -> str:
    """The side the capture was taken at (the ladder's left column)."""
    from netlearn.tcp.events import Peers

    for event in trace.events:
        if isinstance(event, Peers):
            return str(event.left)
    return "client"
