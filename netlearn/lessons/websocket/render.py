"""How the WebSocket lesson's events are drawn: plain lines and Rich.

Registered on the shared single-dispatch renderers; the producers import this module so the
drawing exists before their first event is rendered.
"""

from __future__ import annotations

import textwrap

from rich.console import Console

from netlearn.env import Env
from netlearn.events import FieldInfo
from netlearn.lessons.websocket.events import (
    AcceptProof,
    HttpMessage,
    ServerLog,
    SocketCall,
    Unmask,
    WsFrame,
)
from netlearn.render.registry import draw_rich, plain_lines

SIDE_STYLE = {"client": "cyan", "browser": "cyan", "server": "yellow"}
HEX_LIMIT = 32


def _wrap(text: str, width: int, indent: str = "  ", sub: str = "      ") -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=sub, break_on_hyphens=False
    ) or [indent]


def _arrow(src: str, dst: str) -> str:
    return f"{src} -> {dst}" if src and dst else src or dst or "frame"


def _hex(data: bytes, limit: int = HEX_LIMIT) -> str:
    text = data[:limit].hex(" ")
    if len(data) > limit:
        text += f" … (+{len(data) - limit} bytes)"
    return text


def _char(byte: int) -> str:
    return repr(chr(byte)) if 32 <= byte < 127 else "·"


def wire_bits(raw: bytes, field: FieldInfo) -> str:
    """The field's bits exactly as they sit in the frame: binary up to 16 bits, else hex."""
    start, n = field.bit_offset, field.bits
    if start + n > len(raw) * 8:
        return ""
    value = int.from_bytes(raw, "big") >> (len(raw) * 8 - start - n) & ((1 << n) - 1)
    if n <= 16:
        return format(value, f"0{n}b")
    return value.to_bytes(n // 8, "big").hex(" ")


def field_value(raw: bytes, field: FieldInfo) -> str:
    """'0001 = 1 (text)': the wire bits, then scapy's reading of them when it adds anything."""
    bits = wire_bits(raw, field)
    value = field.value
    if field.name == "masking_key" or not bits:
        return bits or value
    return bits if bits == value else f"{bits} = {value}"


def bit_strip(raw: bytes) -> tuple[str, str]:
    """The first two header bytes as labelled bits, as RFC 6455 section 5.2 draws them."""
    b0, b1 = format(raw[0], "08b"), format(raw[1], "08b")
    labels = "F R R R opcode M payload len"
    bits = f"{b0[0]} {b0[1]} {b0[2]} {b0[3]} {b0[4:]:^6} {b1[0]} {b1[1:]:^11}"
    return bits, labels


# ------------------------------------------------------------------ plain


@plain_lines.register
def _(event: SocketCall, env: Env) -> list[str]:
    text = f"[{event.side}] {event.call}"
    if event.result:
        text += f" -> {event.result}"
    lines = _wrap(text, env.width, indent="  ", sub="      ")
    if event.meaning:
        lines += _wrap(event.meaning, env.width, indent="      ", sub="      ")
    return lines


@plain_lines.register
def _(event: HttpMessage, env: Env) -> list[str]:
    lines = [f"{_arrow(event.src, event.dst)}: {event.label} ({len(event.raw)} bytes as sent)"]
    text = event.raw.decode("latin-1")
    head, sep, body = text.partition("\r\n\r\n")
    for line in head.split("\r\n"):
        lines.append(f"  | {line}\\r\\n")
    if sep:
        lines.append("  | \\r\\n")
    for line in body.splitlines():
        lines.append(f"  | {line}")
    if event.start_meaning:
        lines += _wrap(f"{event.start_line}: {event.start_meaning}", env.width, "  - ", "    ")
    for h in event.headers:
        if h.meaning:
            lines += _wrap(f"{h.name}: {h.meaning}", env.width, "  - ", "    ")
    return [*lines, ""]


@plain_lines.register
def _(event: AcceptProof, env: Env) -> list[str]:
    lines = ["Sec-WebSocket-Accept, stage by stage (RFC 6455 sections 1.3 and 4.2.2):"]
    lines.append(f"  1. the key: {event.key}")
    if event.key_bytes:
        lines += _wrap(
            f"(base64 of the 16 random bytes {event.key_bytes.hex(' ')})",
            env.width,
            "     ",
            "     ",
        )
    lines.append(f"  2. append the GUID {event.guid}:")
    lines.append(f"     {event.joined}")
    lines.append(f"  3. SHA-1 of those {len(event.joined)} bytes, a 20-byte digest:")
    lines.append(f"     {event.digest.hex(' ')}")
    lines.append(f"  4. base64 of the digest: {event.accept}")
    return [*lines, ""]


@plain_lines.register
def _(event: WsFrame, env: Env) -> list[str]:
    head = f"{_arrow(event.src, event.dst)}: {event.meaning}"
    flags = f"{'final' if event.fin else 'not final'}, {'masked' if event.masked else 'unmasked'}"
    if not event.detail:
        return _wrap(
            f"{head} [{event.opname}, {flags}, {len(event.raw)} bytes: {_hex(event.raw, 12)}]",
            env.width,
            "",
            "    ",
        )
    title = f"{event.label}: " if event.label else ""
    lines = _wrap(
        f"{title}{head} ({event.header_len + event.length}-byte frame: {event.header_len}-byte "
        f"header, {event.length}-byte payload)",
        env.width,
        "",
        "    ",
    )
    top, labels = bit_strip(event.raw)
    lines.append(f"  first two bytes: {labels}")
    lines.append(f"                   {top}")
    if event.explain:
        for f in event.fields:
            bits = f"{f.bits} bit{'s' if f.bits != 1 else ''}"
            text = f"{f.name} ({bits}) = {field_value(event.raw, f)}"
            if f.meaning:
                text += f" -- {f.meaning}"
            lines += _wrap(text, env.width, "  ", "      ")
    else:
        text = "  ".join(f"{f.name}={field_value(event.raw, f)}" for f in event.fields)
        lines += _wrap(text, env.width, "  ", "  ")
    body = event.raw[event.header_len :]
    if event.masked and body:
        lines += _wrap(f"payload as sent (masked): {_hex(body)}", env.width, "  ", "      ")
        lines += _wrap(f"payload unmasked: {_hex(event.payload)}", env.width, "  ", "      ")
    elif body:
        lines += _wrap(f"payload: {_hex(body)}", env.width, "  ", "      ")
    lines += _wrap(f"whole frame: {_hex(event.raw)}", env.width, "  ", "      ")
    return [*lines, ""]


def _xor_rows(event: Unmask) -> list[tuple[int, int, int, int]]:
    n = min(event.shown, len(event.masked))
    return [(i, event.masked[i], event.key[i % 4], event.clear[i]) for i in range(n)]


@plain_lines.register
def _(event: Unmask, env: Env) -> list[str]:
    lines = [
        f"Unmasking, byte by byte: clear[i] = masked[i] XOR key[i mod 4], "
        f"key = {event.key.hex(' ')} (RFC 6455 section 5.3)"
    ]
    lines = _wrap(lines[0], env.width, "", "  ")
    if event.masked:
        m, k, c = event.masked[0], event.key[0], event.clear[0]
        lines += [
            f"  byte 0:  {m:02x} = {m:08b}   (masked)",
            f"     key:  {k:02x} = {k:08b}   (key byte 0)",
            f"     XOR:  {c:02x} = {c:08b}   {_char(c)}  (a bit flips wherever the key has a 1)",
            "    i  masked  key  clear",
        ]
    for i, m, k, c in _xor_rows(event):
        lines.append(f"  {i:>3}  {m:02x}      {k:02x}   {c:02x} {_char(c)}")
    rest = len(event.masked) - min(event.shown, len(event.masked))
    if rest > 0:
        lines.append(f"  ... {rest} more bytes, the key repeating every 4 bytes")
    return [*lines, ""]


@plain_lines.register
def _(event: ServerLog, env: Env) -> list[str]:
    prefix = {"warn": "! ", "tip": "* "}.get(event.tone, "")
    return _wrap(f"{prefix}[#{event.conn} {event.peer}] {event.text}", env.width, "", "    ")


# ------------------------------------------------------------------ rich


@draw_rich.register
def _(event: SocketCall, env: Env, console: Console) -> None:
    from rich.table import Table

    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style=SIDE_STYLE.get(event.side, "white"))
    grid.add_column(overflow="fold")
    text = f"[bold]{_esc(event.call)}[/]"
    if event.result:
        text += f"\n[green]→ {_esc(event.result)}[/]"
    if event.meaning:
        text += f"  [dim]{_esc(event.meaning)}[/]"
    grid.add_row(f" {event.side}", text)
    console.print(grid)
    env.pause(0.4)


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@draw_rich.register
def _(event: HttpMessage, env: Env, console: Console) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    body = Text()
    text = event.raw.decode("latin-1")
    head, sep, rest = text.partition("\r\n\r\n")
    for i, line in enumerate(head.split("\r\n")):
        if i == 0:
            body.append(line, style="bold")
        else:
            name, colon, value = line.partition(":")
            body.append(name, style="magenta")
            body.append(colon + value)
        body.append("\\r\\n\n", style="dim")
    if sep:
        body.append("\\r\\n", style="dim")
    if rest:
        body.append("\n" + rest.rstrip("\n"), style="italic")
    src_style = SIDE_STYLE.get(event.src, "white")
    console.print(
        Panel(
            body,
            title=f"[{src_style}]{_arrow(event.src, event.dst)}[/]  {event.label}",
            subtitle=f"{len(event.raw)} bytes, exactly as they crossed the socket",
            title_align="left",
            subtitle_align="right",
            border_style=src_style,
        )
    )
    rows = []
    if event.start_meaning:
        first = event.start_line.split(" ")
        rows.append(
            (
                " ".join(first[1:2]) if event.start_line.startswith("HTTP") else first[0],
                event.start_meaning,
            )
        )
    rows += [(h.name, h.meaning) for h in event.headers if h.meaning]
    if rows:
        table = Table(show_header=False, box=None, padding=(0, 1), expand=False)
        table.add_column(style="magenta", no_wrap=True)
        table.add_column(overflow="fold")
        for name, meaning in rows:
            table.add_row(name, meaning)
        console.print(table)
    console.print()
    env.pause(0.8)


@draw_rich.register
def _(event: AcceptProof, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title="Sec-WebSocket-Accept, stage by stage (RFC 6455 §1.3, §4.2.2)",
        title_justify="left",
        show_header=False,
        expand=False,
    )
    table.add_column(justify="right", style="bold")
    table.add_column(overflow="fold")
    key_note = f"\n[dim]base64 of {event.key_bytes.hex(' ')}[/]" if event.key_bytes else ""
    table.add_row("1 key", f"[cyan]{event.key}[/]{key_note}")
    table.add_row("2 + GUID", f"[cyan]{event.key}[/][magenta]{event.guid}[/]")
    table.add_row("3 SHA-1", event.digest.hex(" "))
    table.add_row("4 base64", f"[bold green]{event.accept}[/]")
    console.print(table)
    console.print()
    env.pause(0.8)


@draw_rich.register
def _(event: WsFrame, env: Env, console: Console) -> None:
    from rich.table import Table
    from rich.text import Text

    src_style = SIDE_STYLE.get(event.src, "white")
    head = Text()
    head.append(_arrow(event.src, event.dst), style=f"bold {src_style}")
    head.append("  ")
    head.append(event.meaning)
    if not event.detail:
        head.append(f"   [{event.opname}, {len(event.raw)} B: {_hex(event.raw, 8)}]", style="dim")
        console.print(head)
        return
    if event.label.startswith("#"):  # a connection number: keep it on the same line
        head = Text(f"{event.label} ", style="dim") + head
    elif event.label:
        console.print(Text(event.label, style="bold"))
    console.print(head)
    top, labels = bit_strip(event.raw)
    console.print(Text("  " + labels, style="dim"))
    strip = Text("  ")
    styles = ["bold", "dim", "dim", "dim", "magenta", "cyan", "green"]
    widths = [1, 1, 1, 1, 6, 1, 11]
    pos = 0
    for width, style in zip(widths, styles, strict=True):
        strip.append(top[pos : pos + width] + " ", style=style)
        pos += width + 1
    console.print(strip)
    table = Table(expand=False, show_lines=False, border_style="magenta", padding=(0, 1))
    table.add_column("field", style="bold", no_wrap=True)
    table.add_column("bits", justify="right")
    table.add_column("on the wire", overflow="fold", max_width=26)
    if event.explain:
        table.add_column("meaning", overflow="fold", ratio=1)
    for f in event.fields:
        cells = [f.name, str(f.bits), field_value(event.raw, f)]
        table.add_row(*cells, *([f.meaning] if event.explain else []))
    body = event.raw[event.header_len :]
    if body:
        note = "masked: XOR it with the key to read it" if event.masked else "the data"
        table.add_row(
            "payload", str(8 * len(body)), _hex(body, 12), *([note] if event.explain else [])
        )
    console.print(table)
    console.print()
    env.pause(0.6)


@draw_rich.register
def _(event: Unmask, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(
        Text(
            f"Unmasking byte by byte: clear[i] = masked[i] XOR key[i mod 4]   "
            f"key = {event.key.hex(' ')}",
            style="bold",
        )
    )
    if event.masked:
        m, k, c = event.masked[0], event.key[0], event.clear[0]
        console.print(Text(f"   byte 0  {m:02x} = {m:08b}", style="red"))
        console.print(Text(f"   key  0  {k:02x} = {k:08b}", style="magenta"))
        console.print(Text(f"   XOR     {c:02x} = {c:08b}  {_char(c)}", style="green"))
    per_line = max(1, (console.width - 3) // 16)
    lines: list[Text] = []
    live = None
    if env.animate:
        from rich.console import Group
        from rich.live import Live

        live = Live(console=console, auto_refresh=False, transient=False)
        live.start()
    try:
        for n, (_i, m, k, c) in enumerate(_xor_rows(event)):
            if n % per_line == 0:
                lines.append(Text("   "))
            cell = lines[-1]
            cell.append(f"{m:02x}", style="red")
            cell.append("^", style="dim")
            cell.append(f"{k:02x}", style="magenta")
            cell.append("=", style="dim")
            cell.append(f"{c:02x}", style="green")
            cell.append(f" {chr(c) if 32 <= c < 127 else '·'}    ", style="bold")
            if live is not None:
                live.update(Group(*lines), refresh=True)
                env.pause(0.12)
    finally:
        if live is not None:
            live.stop()
    if live is None:
        for line in lines:
            console.print(line)
    rest = len(event.masked) - min(event.shown, len(event.masked))
    if rest > 0:
        console.print(Text(f"   … {rest} more bytes, the key repeating every 4", style="dim"))
    console.print()


@draw_rich.register
def _(event: ServerLog, env: Env, console: Console) -> None:
    from rich.text import Text

    style = {"warn": "red", "tip": "green"}.get(event.tone, "")
    line = Text(f"#{event.conn} {event.peer} ", style="dim")
    line.append(event.text, style=style)
    console.print(line)
