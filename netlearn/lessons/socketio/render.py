"""How the Socket.IO lesson's events look: plain lines for pipes, Rich for terminals."""

from __future__ import annotations

import textwrap
import zlib

from rich.console import Console
from rich.text import Text

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


def _arrow(direction: str, ascii_only: bool) -> str:
    if ascii_only:
        return "->" if direction == "up" else "<-"
    return "──▶" if direction == "up" else "◀──"


def _wrap(text: str, width: int, indent: int) -> list[str]:
    pad = " " * indent
    return textwrap.wrap(
        text,
        width=max(20, width),
        initial_indent=pad,
        subsequent_indent=pad,
        break_long_words=True,
        break_on_hyphens=False,
        replace_whitespace=False,
        drop_whitespace=False,
    ) or [pad]


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
        return [head + raw + "  = " + ("heartbeat ping" if raw == "2" else "heartbeat pong")]
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
    return [
        *textwrap.wrap(
            f"[x] proof of life, {event.item}: {event.evidence}",
            width=env.width,
            subsequent_indent="    ",
        ),
        "",
    ]


@plain_lines.register
def _(event: Checklist, env: Env) -> list[str]:
    lines = ["Proof of life: what this run showed"]
    for item, done, evidence in event.items:
        mark = "[x]" if done else "[ ]"
        text = f"{mark} {item}: {evidence if done else 'not observed in this run'}"
        lines.extend(textwrap.wrap(text, width=env.width, subsequent_indent="    "))
    return [*lines, ""]


@plain_lines.register
def _(event: DeliveryTable, env: Env) -> list[str]:
    names = [name for name, _ in event.rows[0].got] if event.rows else []
    lines = [event.title]
    for row in event.rows:
        marks = ", ".join(f"{name} {'yes' if got else 'no'}" for name, got in row.got)
        lines.extend(
            textwrap.wrap(f"- {row.javascript}", width=env.width, subsequent_indent="    ")
        )
        lines.extend(
            textwrap.wrap(
                f"Python: {row.python}",
                width=env.width,
                initial_indent="    ",
                subsequent_indent="      ",
            )
        )
        lines.extend(
            textwrap.wrap(
                f"packet {row.packet} -> {marks}",
                width=env.width,
                initial_indent="    ",
                subsequent_indent="      ",
            )
        )
    if event.caption:
        lines.extend(textwrap.wrap(event.caption, width=env.width))
    del names
    return [*lines, ""]


@plain_lines.register
def _(event: CodePair, env: Env) -> list[str]:
    lines = [event.title, "  JavaScript (socket.io):"]
    lines.extend("    " + line for line in event.javascript.splitlines())
    lines.append("  Python (python-socketio):")
    lines.extend("    " + line for line in event.python.splitlines())
    if event.note:
        lines.extend(
            textwrap.wrap(event.note, width=env.width, initial_indent="  ", subsequent_indent="  ")
        )
    return [*lines, ""]


@plain_lines.register
def _(event: DecodedPacket, env: Env) -> list[str]:
    lines = [*_wrap(show_raw(event.raw, 2000), env.width, 0), event.summary]
    for part in event.parts:
        shown = "(none)" if part.text == "" else show_raw(part.text, 200)
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
                "Warning: " + warning,
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
        body.append("  heartbeat " + event.eio, style="dim italic")
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
    text = Text("✔ proof of life: ", style="bold green")
    text.append(event.item, style="bold")
    text.append(f" · {event.evidence}", style="green")
    console.print(text, overflow="fold")
    console.print()
    env.pause(0.4)


@draw_rich.register
def _(event: Checklist, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title="Proof of life: what this run showed",
        title_justify="left",
        expand=True,
        show_lines=True,
    )
    table.add_column("", width=1, no_wrap=True)
    table.add_column("item", style="bold", ratio=1)
    table.add_column("observed", ratio=3)
    for item, done, evidence in event.items:
        table.add_row(
            Text("✔", style="bold green") if done else Text("·", style="dim"),
            item,
            Text(evidence) if done else Text("not observed in this run", style="dim"),
        )
    console.print(table)
    console.print()


@draw_rich.register
def _(event: DeliveryTable, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(title=event.title, title_justify="left", expand=True, show_lines=True)
    table.add_column("server call", ratio=5, overflow="fold")
    names = [name for name, _ in event.rows[0].got] if event.rows else []
    for name in names:
        table.add_column(name, justify="center", ratio=1, style=actor_style(name))
    for row in event.rows:
        call = Text(row.javascript, style="yellow")
        call.append("\n" + row.python, style="blue")
        call.append("\n" + row.packet, style="bold")
        table.add_row(
            call,
            *(
                Text("✔", style="bold green") if got else Text("—", style="dim")
                for _, got in row.got
            ),
        )
    if event.caption:
        table.caption = event.caption
    console.print(table)
    console.print()
    env.pause(0.6)


@draw_rich.register
def _(event: CodePair, env: Env, console: Console) -> None:
    from rich.columns import Columns
    from rich.panel import Panel
    from rich.syntax import Syntax

    js = Panel(
        Syntax(event.javascript, "javascript", theme="ansi_dark", word_wrap=True),
        title="JavaScript (socket.io)",
        title_align="left",
        border_style="yellow",
    )
    py = Panel(
        Syntax(event.python, "python", theme="ansi_dark", word_wrap=True),
        title="Python (python-socketio)",
        title_align="left",
        border_style="blue",
    )
    console.print(Text(event.title, style="bold"))
    if console.width >= 110:
        half = (console.width - 1) // 2
        js.width = py.width = half
        console.print(Columns([js, py]))
    else:
        console.print(js)
        console.print(py)
    if event.note:
        console.print(Text(event.note, style="italic"))
    console.print()
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
        shown = "(nothing)" if part.text == "" else show_raw(part.text, 200)
        style = PART_STYLES[n % len(PART_STYLES)] if part.text else "dim"
        table.add_row(Text(shown, style=style), Text(part.field), Text(part.meaning))
    console.print(table)
    from rich.padding import Padding

    for detail in event.details:
        console.print(Padding(Text(detail), (0, 0, 0, 2)))
    for warning in event.warnings:
        console.print(Padding(Text("careful: " + warning, style="red"), (0, 0, 0, 2)))
    console.print()
