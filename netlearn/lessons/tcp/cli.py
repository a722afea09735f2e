"""`netlearn tcp SCENARIO`: a TCP scenario simulated with real packets, drawn as a ladder."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netlearn.content.words import say
from netlearn.lessons.tcp import TCP_SCENARIOS
from netlearn.options import (
    ExportOpt,
    FormatOpt,
    PresentOpt,
    SeedOpt,
    SpeedOpt,
    ThemeOpt,
    build_env,
    show,
)

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import PacketView
    from netlearn.lessons.tcp.demo import Trace
    from netlearn.lessons.tcp.player import Inspect

SCENARIO_NAMES = ", ".join(TCP_SCENARIOS)  # the spec's list (a test checks it against SCENARIOS)


def tcp(
    scenario: Annotated[
        str,
        typer.Argument(help=say("tcp.cli.scenario", names=SCENARIO_NAMES), metavar="SCENARIO"),
    ],
    seed: SeedOpt = None,
    write: Annotated[
        Path | None,
        typer.Option(
            "--write",
            "-w",
            help=say("tcp.cli.write"),
            metavar="FILE.pcap",
            dir_okay=False,
        ),
    ] = None,
    absolute: Annotated[
        bool,
        typer.Option("--absolute", help=say("tcp.cli.absolute")),
    ] = False,
    losses: Annotated[
        int | None,
        typer.Option("--losses", help=say("tcp.cli.losses"), min=1),
    ] = None,
    drop: Annotated[
        list[int] | None,
        typer.Option("--drop", help=say("tcp.cli.drop"), metavar="N"),
    ] = None,
    delay: Annotated[
        list[str] | None,
        typer.Option("--delay", help=say("tcp.cli.delay"), metavar="N:SECONDS"),
    ] = None,
    reorder: Annotated[
        list[int] | None,
        typer.Option("--reorder", help=say("tcp.cli.reorder"), metavar="N"),
    ] = None,
    loss_rate: Annotated[
        float | None,
        typer.Option(
            "--loss-rate",
            help=say("tcp.cli.loss-rate"),
            metavar="P",
        ),
    ] = None,
    no_sack: Annotated[bool, typer.Option("--no-sack", help=say("tcp.cli.no-sack"))] = False,
    no_delayed_ack: Annotated[
        bool, typer.Option("--no-delayed-ack", help=say("tcp.cli.no-delayed-ack"))
    ] = False,
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
    export: ExportOpt = None,
    present: PresentOpt = False,
    theme: ThemeOpt = "dark",
) -> None:
    """Watch TCP open, carry and close a connection, segment by segment.

    SCENARIO is one of: handshake (SYN, SYN-ACK, ACK), transfer (data both ways), close
    (FIN, ACK and TIME-WAIT), reset (a SYN to a closed port), lost-syn (retransmission with
    a doubling timeout), simultaneous-open (two SYNs cross), loss (duplicate ACKs and fast
    retransmit), timeout (the RTO fires and backs off), congestion (slow start, a loss,
    congestion avoidance, with a cwnd chart), zero-window (flow control and probes).

    What if: --drop N, --delay N:SECONDS, --reorder N, --loss-rate P --seed S, --no-sack,
    --no-delayed-ack change any scenario; segments are numbered as on the ladder.

    On a terminal: Enter next segment, b back, a absolute/relative numbers, f header fields,
    o OSI inspector, x drop this segment and replay, q quit. Elsewhere it runs to the end.
    """
    from netlearn.errors import NetlearnError
    from netlearn.lessons.tcp import scenarios
    from netlearn.render import check_theme

    check_theme(theme)
    env = build_env(fmt, seed=seed, speed=speed)
    if scenario not in scenarios.SCENARIOS:
        scenarios.run(scenario, env.rng)  # raises the error with a suggestion
    from netlearn.lessons.tcp.whatif import make_plan

    plan = make_plan(drop, delay, reorder, loss_rate, seed)
    if loss_rate and seed is None:
        raise NetlearnError(say("tcp.cli.needs-seed"))
    opts = scenarios.Options(
        plan=None if plan.empty else plan, sack=not no_sack, delayed_acks=not no_delayed_ack
    )
    options: dict[str, object] = {"absolute": absolute, "opts": opts}
    if losses is not None:
        if scenario != "lost-syn":
            raise NetlearnError(say("tcp.cli.losses-only"))
        options["losses"] = losses
    if export is not None:
        from netlearn.render import check_export_path

        check_export_path(export)
    if write is not None:
        from netlearn.lessons.tcp.pcap import check_pcap_path

        check_pcap_path(write)

    import random

    from netlearn.events import Note

    base = env.rng.getrandbits(32) if seed is None else seed
    rng = env.rng if seed is not None else random.Random(base)
    trace = scenarios.run(scenario, rng, **options)
    events = list(trace.events)
    saved: Note | None = None
    if write is not None:
        from netlearn.lessons.tcp.pcap import FIXED_EPOCH, write_pcap

        if seed is None:
            import time

            start = float(int(time.time()))
        else:
            start = FIXED_EPOCH
        count = write_pcap(write, trace.captured, start)
        text = say("tcp.cli.saved", count=count, side=_capture_side(trace), path=write)
        saved = Note(tone="tip", text=text)
        events.append(saved)
    if env.interactive and not present:
        from netlearn.lessons.tcp.player import Player
        from netlearn.options import uses_app
        from netlearn.render import export_events
        from netlearn.runner.keys import raw_keys

        inspect = app_inspector(env) if uses_app(env) else None
        with raw_keys(env.stdin) as keys:
            Player(
                env, trace, keys, replay=_replayer(scenario, base, options), inspect=inspect
            ).run(absolute=absolute)
        if saved is not None:
            from netlearn.render.registry import draw_rich

            draw_rich(saved, env, env.console())
        if export is not None:
            export_events(events, export, title=f"netlearn tcp {scenario}", theme=theme)
        return
    show(events, env, export, present=present, theme=theme)


def _capture_side(trace: Trace) -> str:
    """The side the capture was taken at (the ladder's left column)."""
    from netlearn.events import Peers

    for event in trace.events:
        if isinstance(event, Peers):
            return str(event.left)
    return "client"


def _replayer(scenario: str, base: int, options: dict[str, object]):  # type: ignore[no-untyped-def]
    """A function that runs the scenario again with one more segment dropped (the player's x)."""
    import random

    from netlearn.lessons.tcp import scenarios
    from netlearn.lessons.tcp.whatif import Plan

    def replay(drop: int) -> Trace:
        opts = options["opts"]
        assert isinstance(opts, scenarios.Options)
        old = opts.plan or Plan()
        plan = Plan(
            drop=old.drop | {drop},
            delay=dict(old.delay),
            reorder=old.reorder - {drop},
            loss_rate=old.loss_rate,
            seed=old.seed,
        )
        plan.delay.pop(drop, None)
        new = scenarios.Options(plan=plan, sack=opts.sack, delayed_acks=opts.delayed_acks)
        options["opts"] = new
        return scenarios.run(scenario, random.Random(base), **{**options, "opts": new})

    return replay


def app_inspector(env: Env) -> Inspect:
    """`o` for a terminal: the segment's packet in the full-screen interactive inspector.

    Called between two key presses of the ladder, with the terminal in the ladder's cbreak
    mode: Textual saves that mode, takes the terminal, and gives it back as it found it."""

    def inspect(view: PacketView) -> int:
        from netlearn.app.inspector import InspectorScreen
        from netlearn.app.shell import run_app

        return run_app(env, InspectorScreen(view))

    return inspect
