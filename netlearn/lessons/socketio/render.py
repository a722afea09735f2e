"""How the Socket.IO lesson's events look: plain lines for pipes, Rich for terminals.

The code pair, the checklist and the delivery table are the named widgets of
`netlearn.render.widgets`; the words around them are in lessons/socketio/words.toml ([render]).
"""

from __future__ import annotations

import textwrap
import zlib

from rich.console import Console
from rich.text import Text

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.lessons.socketio.events import (
    BrokerMessage,
    Check,
    Checklist,
    CodePair,
    DecodedPacket,
    DeliveryTable,
    HandlerRan,
    HttpLine,
    LinkNote,
    ServerLog,
    WirePacket,
)
from netlearn.render.registry import draw_rich, plain_lines
from netlearn.render.text import arrow as _arrow
from netlearn.render.text import wrap
from netlearn.render.widgets.checklist import Checklist as ChecklistWidget
from netlearn.render.widgets.code_pair import CodePair as CodePairWidget
from netlearn.render.widgets.code_pair import Listing
from netlearn.render.widgets.delivery_table import DeliveryTable as DeliveryWidget
from netlearn.render.widgets.delivery_table import Sent

ACTOR_STYLES = ("bright_cyan", "bright_magenta", "bright_yellow", "bright_green", "bright_blue")
PART_STYLES = ("bold magenta", "bold cyan", "bold yellow", "bold green", "bold blue", "bold red")


def actor_style(name: str) -> str:
    """A stable colour per actor, so alice is the same colour all the way down."""
    fixed = {"alice": "bright_cyan", "bob": "bright_magenta", "carol": "bright_yellow"}
    if name in fixed:
        return fixed[name]
    return ACTOR_STYLES[zlib.crc32(name.encode()) % len(ACTOR_STYLES)]


def show_raw(raw: str | bytes, limit: int = 0) -> str:
    """A packet as text: control characters escaped, bytes as hex."""
    if isinstance(raw, bytes):
        body = " ".join(f"{b:02x}" for b in raw[: limit or len(raw)])
        more = f" … ({len(raw)} bytes)" if limit and len(raw) > limit else ""
        return f"<binary {body}{more}>"
    out = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in raw)
    if limit and len(out) > limit:
        out = out[: limit - 1] + f"… ({len(raw)} chars)"
    return out


def _heartbeat(event: WirePacket) -> bool:
    return event.raw in ("2", "3") and event.eio in ("ping", "pong")


RAW_LIMIT = 600  # characters of one packet shown; the rest is counted, not printed


# ------------------------------------------------------------------------------ plain


@plain_lines.register
def _(event: WirePacket, env: Env) -> list[str]:
    head = (
        f"{event.t:6.2f}s {event.actor} {_arrow(event.direction, True)} {event.peer} "
        f"[{event.transport}] "
    )
    raw = show_raw(event.raw, RAW_LIMIT)
    if _heartbeat(event):
        beat = say("socketio.render.ping") if raw == "2" else say("socketio.render.pong")
        return [head + raw + "  = " + beat]
    lines = textwrap.wrap(
        head + raw,
        width=env.width,
        subsequent_indent=" " * 8,
        break_long_words=True,
        break_on_hyphens=False,
        drop_whitespace=False,
    )
    return lines + _meaning_lines(event.meaning, env.width)


def _meaning_lines(meaning: str, width: int) -> list[str]:
    """A packet's decoded meaning, under its raw line."""
    if not meaning:
        return []
    return textwrap.wrap(
        "= " + meaning, width=width, initial_indent=" " * 8, subsequent_indent=" " * 10
    )


@plain_lines.register
def _(event: HttpLine, env: Env) -> list[str]:
    head = f"{event.t:6.2f}s {event.actor} {_arrow(event.direction, True)} {event.peer} "
    lines = textwrap.wrap(
        head + "HTTP " + event.line,
        width=env.width,
        subsequent_indent=" " * 8,
        break_long_words=True,
        break_on_hyphens=False,
    )
    if event.note:
        lines.extend(
            textwrap.wrap(
                "(" + event.note + ")",
                width=env.width,
                initial_indent=" " * 8,
                subsequent_indent=" " * 9,
            )
        )
    return lines


@plain_lines.register
def _(event: LinkNote, env: Env) -> list[str]:
    return textwrap.wrap(
        f"{event.t:6.2f}s {event.actor} {_arrow(event.direction, True)} {event.peer} "
        f"-- {event.text}",
        width=env.width,
        subsequent_indent=" " * 8,
    )


@plain_lines.register
def _(event: HandlerRan, env: Env) -> list[str]:
    return textwrap.wrap(
        f"{event.t:6.2f}s {event.server} runs {event.call}",
        width=env.width,
        subsequent_indent=" " * 10,
        break_long_words=True,
    )


@plain_lines.register
def _(event: BrokerMessage, env: Env) -> list[str]:
    lines = textwrap.wrap(
        f"{event.t:6.2f}s {event.server} -> broker {show_raw(event.raw, RAW_LIMIT)}",
        width=env.width,
        subsequent_indent=" " * 8,
        break_long_words=True,
    )
    return lines + _meaning_lines(event.meaning, env.width)


@plain_lines.register
def _(event: ServerLog, env: Env) -> list[str]:
    return textwrap.wrap(
        f"{event.t:6.2f}s server log: {event.level} {event.logger}: {event.message}",
        width=env.width,
        subsequent_indent=" " * 8,
        break_long_words=True,
    )


@plain_lines.register
def _(event: Check, env: Env) -> list[str]:
    text = say("socketio.render.check", item=event.item, evidence=event.evidence)
    return [*textwrap.wrap(text, width=env.width, subsequent_indent="    "), ""]


def checklist(event: Checklist) -> ChecklistWidget:
    """The proof-of-life checklist as the named widget."""
    return ChecklistWidget(
        say("socketio.render.checklist-title"),
        event.items,
        missing=say("socketio.render.not-observed"),
    )


def delivery_table(event: DeliveryTable) -> DeliveryWidget:
    """Who got each emit, as the named widget."""
    rows = [Sent(row.javascript, row.python, row.packet, row.got) for row in event.rows]
    return DeliveryWidget(
        event.title,
        rows,
        caption=event.caption,
        style_of=actor_style,
        heading=say("socketio.render.server-call"),
    )


def code_pair(event: CodePair) -> CodePairWidget:
    """JavaScript beside Python, as the named widget."""
    return CodePairWidget(
        event.title,
        Listing(say("socketio.render.javascript"), event.javascript, "javascript", "yellow"),
        Listing(say("socketio.render.python"), event.python, "python", "blue"),
        note=event.note,
    )


@plain_lines.register
def _(event: Checklist, env: Env) -> list[str]:
    return checklist(event).plain_lines(env.width)


@plain_lines.register
def _(event: DeliveryTable, env: Env) -> list[str]:
    return delivery_table(event).plain_lines(env.width)


@plain_lines.register
def _(event: CodePair, env: Env) -> list[str]:
    return code_pair(event).plain_lines(env.width)


@plain_lines.register
def _(event: DecodedPacket, env: Env) -> list[str]:
    raw = wrap(show_raw(event.raw, 2000), env.width, min_width=20, keep_spaces=True)
    lines = [*raw, event.summary]
    for part in event.parts:
        shown = say("socketio.render.none") if part.text == "" else show_raw(part.text, 200)
        lines.extend(
            textwrap.wrap(
                f"  {shown}  {part.field}: {part.meaning}",
                width=env.width,
                subsequent_indent="      ",
                break_long_words=True,
            )
        )
    for detail in event.details:
        lines.extend(
            textwrap.wrap(
                detail,
                width=env.width,
                initial_indent="  ",
                subsequent_indent="    ",
                break_long_words=True,
            )
        )
    for warning in event.warnings:
        lines.extend(
            textwrap.wrap(
                say("socketio.render.warning", warning=warning),
                width=env.width,
                initial_indent="  ",
                subsequent_indent="    ",
            )
        )
    return [*lines, ""]


# ------------------------------------------------------------------------------- rich


def _who(event: WirePacket | HttpLine | LinkNote) -> Text:
    text = Text(event.actor, style=f"bold {actor_style(event.actor)}")
    arrow_style = "green" if event.direction == "up" else "cyan"
    text.append(f" {_arrow(event.direction, False)} ", style=arrow_style)
    text.append(event.peer, style="bold")
    return text


def _line(console: Console, t: float, who: Text, body: Text) -> None:
    """One trace line: time and who on the left, the content folding under itself on the right."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=7, no_wrap=True)
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1, overflow="fold")
    grid.add_row(Text(f"{t:6.2f}s", style="dim"), who, body)
    console.print(grid)


@draw_rich.register
def _(event: WirePacket, env: Env, console: Console) -> None:
    body = Text(f"{event.transport} ", style="dim")
    if isinstance(event.raw, bytes):
        body.append(show_raw(event.raw, 64), style="bold red")
    else:
        raw = show_raw(event.raw, RAW_LIMIT)
        body.append(raw[:1], style="bold magenta")
        sio_len = 1 if event.sio and len(raw) > 1 else 0
        body.append(raw[1 : 1 + sio_len], style="bold cyan")
        body.append(raw[1 + sio_len :], style="bold")
    if _heartbeat(event):
        body.append("  " + say("socketio.render.heartbeat", beat=event.eio), style="dim italic")
    elif event.meaning:
        body.append("\n" + event.meaning, style="italic")
    _line(console, event.t, _who(event), body)
    env.pause(0.08)


@draw_rich.register
def _(event: HttpLine, env: Env, console: Console) -> None:
    body = Text("HTTP ", style="dim")
    body.append(event.line, style="yellow")
    if event.note:
        body.append("\n" + event.note, style="italic dim")
    _line(console, event.t, _who(event), body)
    env.pause(0.08)


@draw_rich.register
def _(event: LinkNote, env: Env, console: Console) -> None:
    body = Text(event.text, style="bold red" if "cut" in event.text else "dim")
    _line(console, event.t, _who(event), body)
    env.pause(0.08)


@draw_rich.register
def _(event: HandlerRan, env: Env, console: Console) -> None:
    who = Text(event.server, style="bold")
    who.append(" runs", style="dim")
    _line(console, event.t, who, Text(event.call, style="green"))
    env.pause(0.05)


@draw_rich.register
def _(event: BrokerMessage, env: Env, console: Console) -> None:
    who = Text(event.server, style="bold")
    who.append(" ══▶ broker", style="magenta")
    body = Text(show_raw(event.raw, RAW_LIMIT), style="bold")
    if event.meaning:
        body.append("\n" + event.meaning, style="italic")
    _line(console, event.t, who, body)
    env.pause(0.08)


@draw_rich.register
def _(event: ServerLog, env: Env, console: Console) -> None:
    style = "red" if event.level in ("ERROR", "CRITICAL") else "dim"
    who = Text(f"server log {event.level}", style=f"bold {style}")
    _line(console, event.t, who, Text(f"{event.logger}: {event.message}", style=style))


@draw_rich.register
def _(event: Check, env: Env, console: Console) -> None:
    text = Text(say("socketio.render.check-rich"), style="bold green")
    text.append(event.item, style="bold")
    text.append(f" · {event.evidence}", style="green")
    console.print(text, overflow="fold")
    console.print()
    env.pause(0.4)


@draw_rich.register
def _(event: Checklist, env: Env, console: Console) -> None:
    console.print(checklist(event))


@draw_rich.register
def _(event: DeliveryTable, env: Env, console: Console) -> None:
    console.print(delivery_table(event))
    env.pause(0.6)


@draw_rich.register
def _(event: CodePair, env: Env, console: Console) -> None:
    console.print(code_pair(event))
    env.pause(0.6)


@draw_rich.register
def _(event: DecodedPacket, env: Env, console: Console) -> None:
    from rich.table import Table

    raw = Text()
    for n, part in enumerate(event.parts):
        raw.append(show_raw(part.text, 2000), style=PART_STYLES[n % len(PART_STYLES)])
    if not raw.plain:
        raw = Text(show_raw(event.raw, 2000), style="bold")
    console.print(raw, overflow="fold")
    console.print(Text(event.summary, style="bold"))
    table = Table(show_header=True, expand=True, show_lines=False, box=None, padding=(0, 1))
    table.add_column("text", no_wrap=False, ratio=2, overflow="fold")
    table.add_column("field", ratio=1)
    table.add_column("meaning", ratio=4)
    for n, part in enumerate(event.parts):
        shown = say("socketio.render.nothing") if part.text == "" else show_raw(part.text, 200)
        style = PART_STYLES[n % len(PART_STYLES)] if part.text else "dim"
        table.add_row(Text(shown, style=style), Text(part.field), Text(part.meaning))
    console.print(table)
    from rich.padding import Padding

    for detail in event.details:
        console.print(Padding(Text(detail), (0, 0, 0, 2)))
    for warning in event.warnings:
        careful = say("socketio.render.careful", warning=warning)
        console.print(Padding(Text(careful, style="red"), (0, 0, 0, 2)))
    console.print()
