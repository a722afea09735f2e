"""How TCP events are drawn: `Segment`, `StateChange` and `Peers`, as plain lines and in Rich.

The core draws its own events: the registry imports this module the first time it meets an
event of `netlearn.events` with no drawing yet, so no producer imports it. Both simulated and
captured segments go through here, one event at a time: the Rich drawing adds one ladder row per
event, so a live stream animates as it arrives.

A ladder needs memory between events (its two columns, each side's state, the numbering): it
belongs to the drawer drawing it (`netlearn.render.drawer`), so two scenes never mix.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Peers, Segment, StateChange, WindowChart, WindowSample
from netlearn.render.drawer import memory
from netlearn.render.registry import draw_rich, plain_lines
from netlearn.render.widgets.ladder import (
    LadderState,
    Layout,
    flag_names,
    numbers_text,
    option_text,
)

if TYPE_CHECKING:
    from rich.console import Console


def ladder_for(env: Env) -> LadderState:
    """The ladder in progress of the drawer drawing through `env` (made on first use)."""
    return memory(env).part(LadderState)


# ---------------------------------------------------------------------- plain


@plain_lines.register(Peers)
def _(event: Peers, env: Env) -> list[str]:
    ladder = ladder_for(env)
    ladder.absolute = event.numbers == "absolute"
    ladder.left, ladder.right = event.left, event.right
    ladder.plain_count = 0
    left = f"{event.left} {event.left_addr}".strip()
    right = f"{event.right} {event.right_addr}".strip()
    text = say("core.render.tcp.connection", left=left, right=right, numbers=event.numbers)
    return ["", *textwrap.wrap(text, width=env.width, subsequent_indent="    "), ""]


@plain_lines.register(Segment)
def _(event: Segment, env: Env) -> list[str]:
    ladder = ladder_for(env)
    absolute = ladder.absolute
    # Numbered, so that a screen reader's listener can say "segment 3" where a sighted learner
    # points at the third arrow of the ladder.
    ladder.plain_count += 1
    flags = ", ".join(flag_names(event.flags))
    head = (
        f"#{ladder.plain_count} {event.t:.3f}s {event.src} -> {event.dst} [{flags}] "
        f"{numbers_text(event, absolute)} win={event.window} len={event.payload_len}"
    )
    if event.lost:
        head += say("core.render.tcp.lost")
    other = numbers_text(event, not absolute)
    if absolute:
        detail = say("core.render.tcp.numbers-relative", numbers=other)
    else:
        detail = say("core.render.tcp.numbers-absolute", numbers=other)
    opts = option_text(event.options)
    if opts:
        detail += say("core.render.tcp.options", options=opts)
    lines = textwrap.wrap(head, width=env.width, subsequent_indent="    ")
    lines += textwrap.wrap(detail, width=env.width, initial_indent="    ", subsequent_indent="    ")
    if event.note:
        lines += textwrap.wrap(
            event.note, width=env.width, initial_indent="    ", subsequent_indent="    "
        )
    return lines


@plain_lines.register(StateChange)
def _(event: StateChange, env: Env) -> list[str]:
    text = f"{event.t:.3f}s {event.side}: {event.old} -> {event.new}"
    if event.cause:
        text += f" ({event.cause})"
    return textwrap.wrap(text, width=env.width, subsequent_indent="    ")


# ---------------------------------------------------------------------- rich


def _print_lines(console: Console, lines: list) -> None:  # type: ignore[type-arg]
    for line in lines:
        console.print(line, overflow="crop", no_wrap=True)


@draw_rich.register(Peers)
def _(event: Peers, env: Env, console: Console) -> None:
    console.print()
    _print_lines(console, ladder_for(env).feed(event, console.width))


@draw_rich.register(StateChange)
def _(event: StateChange, env: Env, console: Console) -> None:
    _print_lines(console, ladder_for(env).feed(event, console.width))
    env.pause(0.35)


@draw_rich.register(Segment)
def _(event: Segment, env: Env, console: Console) -> None:
    ladder = ladder_for(env)
    new_pair = {event.src, event.dst} != {ladder.left, ladder.right}
    if env.animate and not new_pair:
        _animate_arrow(event, ladder, env, console)
    _print_lines(console, ladder.feed(event, console.width))
    env.pause(0.6)


def _animate_arrow(event: Segment, ladder: LadderState, env: Env, console: Console) -> None:
    """Grow the arrow from its sender to its receiver, then leave the drawing to `feed`."""
    from rich.console import Group
    from rich.live import Live

    lay = Layout(max(40, min(console.width, 100)))
    frames = 10
    with Live(console=console, transient=True, auto_refresh=False) as live:
        for i in range(1, frames + 1):
            lines = ladder.segment_lines(event, lay, progress=i / frames)
            live.update(Group(*lines), refresh=True)
            env.pause(0.045)


# ---------------------------------------------------------------------- windows


@plain_lines.register(WindowSample)
def _(event: WindowSample, env: Env) -> list[str]:
    ss = say("core.render.tcp.no-threshold") if event.ssthresh is None else str(event.ssthresh)
    text = say(
        "core.render.tcp.window",
        side=event.side,
        cwnd=event.cwnd,
        ssthresh=ss,
        flight=event.flight,
        phase=event.phase,
    )
    return [f"{event.t:.3f}s {text}"]


@draw_rich.register(WindowSample)
def _(event: WindowSample, env: Env, console: Console) -> None:
    from rich.markup import escape

    ss = say("core.render.tcp.no-threshold-rich") if event.ssthresh is None else str(event.ssthresh)
    text = say(
        "core.render.tcp.window-rich",
        cwnd=event.cwnd,
        ssthresh=ss,
        flight=event.flight,
        phase=event.phase,
    )
    console.print(
        f"[dim]{'':>22}{escape(text)}[/]",
        overflow="crop",
        no_wrap=True,
        highlight=False,
    )


@plain_lines.register(WindowChart)
def _(event: WindowChart, env: Env) -> list[str]:
    from netlearn.render.widgets.cwnd_chart import CwndChart

    return ["", *CwndChart(event.samples, event.smss, event.title).lines(env.width), ""]


@draw_rich.register(WindowChart)
def _(event: WindowChart, env: Env, console: Console) -> None:
    from netlearn.render.widgets.cwnd_chart import CwndChart

    console.print()
    console.print(CwndChart(event.samples, event.smss, event.title))
