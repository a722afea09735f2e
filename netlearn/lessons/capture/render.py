"""How the capture's own events are drawn: the connection list, the followed stream, the live
counter.

Segments and state changes are core events (`netlearn.events`), drawn by the TCP ladder
(`netlearn.render.tcp`) that the render dispatch finds by itself, so captured traffic looks
exactly like simulated.
"""

from __future__ import annotations

import textwrap
import weakref
from typing import TYPE_CHECKING, Any

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.lessons.capture.events import (
    CaptureCounter,
    CaptureSummary,
    Connection,
    FollowEnd,
    OtherTraffic,
    StreamData,
)
from netlearn.render.drawer import memory
from netlearn.render.registry import draw_rich, plain_lines
from netlearn.render.text import plural

if TYPE_CHECKING:  # rich is imported only when something is drawn with it
    from rich.console import Console


def _duration(seconds: float | None) -> str:
    from netlearn.lessons.capture.story import duration

    return duration(seconds) if seconds is not None else "-"


WIDE = 100  # below this width a connection takes two lines: who, then how it went


def connection_lines(event: Connection, width: int = WIDE) -> list[str]:
    rtt = f", iRTT {_duration(event.irtt)}" if event.irtt is not None else ""
    arrow = ">" if event.opened_by == "client" else "?"
    who = f"{event.stream:>4}  {event.client} {arrow} {event.server}"
    how = (
        f"{event.handshake}{rtt}  {event.packets} pkts  {event.client_bytes}/"
        f"{event.server_bytes} B  {event.ended}"
    )
    lines = [f"{who}  {how}"] if width >= WIDE else [who, f"        {how}"]
    for sentence in event.findings:
        lines.extend(wrap(sentence, max(width, 40), "        ! ", "          "))
    return lines


_ODD_SPACE = frozenset("\t\n\r\x0b\x0c")


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """`textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)`, quicker.

    A listing wraps a sentence for each finding, and textwrap's regular expressions cost more
    than the rest of the line. Words split by single spaces are filled greedily here, which is
    what textwrap does with them; anything else goes to textwrap itself: other whitespace, a
    word too long for a line, or a hyphenated word at a line's start (textwrap may have broken
    it at its hyphen).
    """
    words = text.split(" ")
    room = width - max(len(first), len(rest))
    if not text or "" in words or _ODD_SPACE.intersection(text) or room < 1:
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
    if max(map(len, words)) > room:
        return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
    lines: list[str] = []
    line = words[0]
    free = width - len(first)
    for word in words[1:]:
        if len(line) + 1 + len(word) <= free:
            line = f"{line} {word}"
            continue
        if "-" in word:
            return textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
        lines.append((rest if lines else first) + line)
        line = word
        free = width - len(rest)
    lines.append((rest if lines else first) + line)
    return lines


def stream_lines(event: StreamData) -> list[str]:
    """A followed piece: a header naming the sender, then text (or a hex dump)."""
    mark = ">" if event.side == "client" else "<"
    if event.missing:
        return [say("capture.follow.missing", mark=mark, side=event.side, n=event.missing)]
    size = plural(len(event.data), "byte")
    lines = [say("capture.follow.piece", mark=mark, side=event.side, bytes=size)]
    if event.text:
        text = event.data.decode("utf-8")
        lines.extend(f"  {line}" for line in text.replace("\r\n", "\n").split("\n"))
        if lines[-1] == "  ":
            lines.pop()
        return lines
    from netlearn.render.text import hex_row

    for off in range(0, len(event.data), 16):
        lines.append("  " + hex_row(event.data, off, offset_width=8, bars=False))
    return lines


def follow_end_line(event: FollowEnd) -> str:
    left = say("capture.follow.left-out", n=event.left_out) if event.left_out else ""
    return say(
        "capture.follow.end",
        client=plural(event.client_bytes, "data byte"),
        server=plural(event.server_bytes, "data byte"),
        left=left,
    )


def other_line(event: OtherTraffic) -> str:
    parts = [f"{n:,} {name}" for name, n in event.counts.items() if n]
    counts = ", ".join(parts) or say("capture.listing.others-none")
    return say("capture.listing.others", counts=counts)


def summary_lines(event: CaptureSummary, width: int = WIDE) -> list[str]:
    kind = f", {event.linktype}" if event.linktype else ""
    lines = [
        say(
            "capture.listing.summary",
            source=event.source,
            packets=plural(event.packets, "packet"),
            tcp=event.tcp_packets,
            kind=kind,
            duration=f"{event.duration:.3f}",
            connections=plural(event.connections, "TCP connection"),
        )
    ]
    if event.connections and width >= WIDE:
        lines.append(say("capture.listing.header-wide"))
    elif event.connections:
        lines.append(say("capture.listing.header-first"))
        lines.append(say("capture.listing.header-second"))
    return lines


def counter_line(event: CaptureCounter) -> str:
    drops = say("capture.watch.counter-drops", n=event.kernel_drops) if event.kernel_drops else ""
    head = say("capture.watch.counter-final" if event.final else "capture.watch.counter-live")
    return say(
        "capture.watch.counter",
        head=head,
        packets=plural(event.packets, "packet"),
        syns=event.syns,
        connections=plural(event.connections, "connection"),
        data_bytes=plural(event.data_bytes, "data byte"),
        elapsed=f"{event.elapsed:.1f}",
        drops=drops,
    )


@plain_lines.register(Connection)
def _(event: Connection, env: Env) -> list[str]:
    return connection_lines(event, env.width)


@plain_lines.register(CaptureSummary)
def _(event: CaptureSummary, env: Env) -> list[str]:
    lines = summary_lines(event, env.width)
    return ["", *textwrap.wrap(lines[0], env.width, subsequent_indent="  "), *lines[1:]]


@plain_lines.register(StreamData)
def _(event: StreamData, env: Env) -> list[str]:
    return stream_lines(event)


@plain_lines.register(FollowEnd)
def _(event: FollowEnd, env: Env) -> list[str]:
    return textwrap.wrap(follow_end_line(event), env.width)


@plain_lines.register(OtherTraffic)
def _(event: OtherTraffic, env: Env) -> list[str]:
    return textwrap.wrap(other_line(event), env.width, subsequent_indent="  ")


@draw_rich.register(StreamData)
def _(event: StreamData, env: Env, console: Console) -> None:
    from rich.text import Text

    style = "cyan" if event.side == "client" else "magenta"
    for i, line in enumerate(stream_lines(event)):
        console.print(Text(line, style=("bold " + style) if i == 0 else style), overflow="fold")


@draw_rich.register(FollowEnd)
def _(event: FollowEnd, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(Text(follow_end_line(event), style="bold"))


@draw_rich.register(OtherTraffic)
def _(event: OtherTraffic, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(Text(other_line(event), style="dim"))


@plain_lines.register(CaptureCounter)
def _(event: CaptureCounter, env: Env) -> list[str]:
    # Off a terminal nothing animates: only the final count is printed.
    return [counter_line(event), ""] if event.final else []


@draw_rich.register(Connection)
def _(event: Connection, env: Env, console: Console) -> None:
    from rich.text import Text

    style = "green" if event.handshake == "complete" else "yellow"
    ended = "red" if "reset" in event.ended or "refused" in event.ended else "cyan"
    rtt = f", iRTT {_duration(event.irtt)}" if event.irtt is not None else ""
    arrow = ">" if event.opened_by == "client" else "?"
    line = Text()
    line.append(f"{event.stream:>4}  ", style="bold")
    line.append(f"{event.client} {arrow} {event.server}  ")
    if console.width < WIDE:
        line.append("\n        ")
    line.append(f"{event.handshake}{rtt}", style=style)
    line.append(f"  {event.packets} pkts  {event.client_bytes}/{event.server_bytes} B  ")
    line.append(event.ended, style=ended)
    console.print(line, overflow="fold", no_wrap=False)
    for sentence in event.findings:
        console.print(Text("        ! " + sentence, style="yellow"), overflow="fold")


@draw_rich.register(CaptureSummary)
def _(event: CaptureSummary, env: Env, console: Console) -> None:
    from rich.rule import Rule
    from rich.text import Text

    first, *rest = summary_lines(event, console.width)
    console.print()
    console.print(Rule(Text(first, style="bold"), style="bright_blue"))
    for line in rest:
        console.print(Text(line, style="dim"))


class CounterLine:
    """A drawer's live counter: the status line updating in place, one per console.

    It belongs to the drawer drawing the counter (`memory(env).part(CounterLine)`); while one
    is on screen it is also findable by `stop_counters`, so that Ctrl-C leaves a clean terminal.
    """

    def __init__(self) -> None:
        self.lives: dict[int, Any] = {}  # id(console) -> rich.live.Live

    def stop(self) -> None:
        for key, live in list(self.lives.items()):
            live.stop()
            del self.lives[key]
        _SHOWN.discard(self)


# The counters on screen now (a weak set: a drawer that is gone takes its counter with it).
_SHOWN: weakref.WeakSet[CounterLine] = weakref.WeakSet()


@draw_rich.register(CaptureCounter)
def _(event: CaptureCounter, env: Env, console: Console) -> None:
    """A status line that updates in place on a terminal, printed once at the end."""
    from rich.live import Live
    from rich.text import Text

    counter = memory(env).part(CounterLine)
    live = counter.lives.get(id(console))
    if event.final:
        if live is not None:
            live.stop()
            del counter.lives[id(console)]
        console.print(Text(counter_line(event), style="bold"))
        return
    if not (env.is_tty and console.is_terminal):
        return  # a pipe, or a recording for --export: only the final count is shown
    line = counter_line(event) + say("capture.watch.ctrl-c")
    text = Text(line, style="bold cyan", overflow="ellipsis")
    if live is None:
        live = Live(text, console=console, transient=True, auto_refresh=False)
        live.start()
        counter.lives[id(console)] = live
        _SHOWN.add(counter)
    else:
        live.update(text, refresh=True)


def stop_counters() -> None:
    """Stop any live counter (after Ctrl-C), so the terminal is left clean."""
    for counter in list(_SHOWN):
        counter.stop()
