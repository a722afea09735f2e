"""The WebSocket lesson's events on a Rich console (registered by `render`, which draws the
plain lines). The frame's first bits are the `BitStrip` widget, its fields the inspector's
`FieldTable`; the words are in lessons/websocket/render.toml.
"""

from __future__ import annotations

import dataclasses

from rich.console import Console

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import FieldInfo, LayerInfo
from netlearn.lessons.websocket.events import (
    AcceptProof,
    HttpMessage,
    ServerLog,
    SocketCall,
    Unmask,
    WsFrame,
)
from netlearn.lessons.websocket.render_parts import (
    SIDE_STYLE,
    arrow,
    char_of,
    field_value,
    hex_of,
    xor_rows,
)
from netlearn.render.widgets.bit_strip import BitStrip
from netlearn.render.widgets.field_table import FieldTable


def draw_socket_call(event: SocketCall, env: Env, console: Console) -> None:
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


def draw_http_message(event: HttpMessage, env: Env, console: Console) -> None:
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
            title=f"[{src_style}]{arrow(event.src, event.dst)}[/]  {event.label}",
            subtitle=say("websocket.render.http.subtitle", size=len(event.raw)),
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


def draw_accept_proof(event: AcceptProof, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(
        title=say("websocket.render.accept.title-rich"),
        title_justify="left",
        show_header=False,
        expand=False,
    )
    table.add_column(justify="right", style="bold")
    table.add_column(overflow="fold")
    key_note = ""
    if event.key_bytes:
        nonce = say("websocket.render.accept.key-bytes-rich", nonce=event.key_bytes.hex(" "))
        key_note = f"\n[dim]{nonce}[/]"
    table.add_row(say("websocket.render.accept.row-key"), f"[cyan]{event.key}[/]{key_note}")
    table.add_row(
        say("websocket.render.accept.row-guid"), f"[cyan]{event.key}[/][magenta]{event.guid}[/]"
    )
    table.add_row(say("websocket.render.accept.row-sha1"), event.digest.hex(" "))
    table.add_row(say("websocket.render.accept.row-base64"), f"[bold green]{event.accept}[/]")
    console.print(table)
    console.print()
    env.pause(0.8)


def draw_ws_frame(event: WsFrame, env: Env, console: Console) -> None:
    from rich.text import Text

    src_style = SIDE_STYLE.get(event.src, "white")
    head = Text()
    head.append(arrow(event.src, event.dst), style=f"bold {src_style}")
    head.append("  ")
    head.append(event.meaning)
    if not event.detail:
        brief = say(
            "websocket.render.frame.brief-rich",
            opname=event.opname,
            size=len(event.raw),
            hex=hex_of(event.raw, 8),
        )
        head.append(brief, style="dim")
        console.print(head)
        return
    if event.label.startswith("#"):  # a connection number: keep it on the same line
        head = Text(f"{event.label} ", style="dim") + head
    elif event.label:
        console.print(Text(event.label, style="bold"))
    console.print(head)
    console.print(BitStrip(event.raw))
    console.print(FieldTable(_frame_layer(event), highlight={"opcode"}))
    console.print()
    env.pause(0.6)


def _frame_layer(event: WsFrame) -> LayerInfo:
    """The frame as one layer for `FieldTable`: the header's fields (their bits as sent), then
    the payload as one more row."""
    from netlearn.packets.layers import by_number

    fields = [
        dataclasses.replace(
            f, value=field_value(event.raw, f), meaning=f.meaning if event.explain else ""
        )
        for f in event.fields
    ]
    body = event.raw[event.header_len :]
    if body:
        if event.masked:
            note = say("websocket.render.frame.payload-note-masked")
        else:
            note = say("websocket.render.frame.payload-note")
        payload = FieldInfo(
            name="payload",
            bits=8 * len(body),
            bit_offset=8 * event.header_len,
            value=hex_of(body, 12),
            meaning=note if event.explain else "",
        )
        fields.append(payload)
    return LayerInfo(
        name="WebSocket",
        long_name="WebSocket frame",
        osi=7,
        osi_name=by_number(7).name,
        start=0,
        end=len(event.raw),
        fields=tuple(fields),
    )


def draw_unmask(event: Unmask, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(
        Text(
            say("websocket.render.unmask.title-rich", key=event.key.hex(" ")),
            style="bold",
        )
    )
    if event.masked:
        m, k, c = event.masked[0], event.key[0], event.clear[0]
        console.print(Text(f"   byte 0  {m:02x} = {m:08b}", style="red"))
        console.print(Text(f"   key  0  {k:02x} = {k:08b}", style="magenta"))
        console.print(Text(f"   XOR     {c:02x} = {c:08b}  {char_of(c)}", style="green"))
    per_line = max(1, (console.width - 3) // 16)
    lines: list[Text] = []
    live = None
    if env.animate:
        from rich.console import Group
        from rich.live import Live

        live = Live(console=console, auto_refresh=False, transient=False)
        live.start()
    try:
        for n, (_i, m, k, c) in enumerate(xor_rows(event)):
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
        console.print(Text(say("websocket.render.unmask.more-rich", rest=rest), style="dim"))
    console.print()


def draw_server_log(event: ServerLog, env: Env, console: Console) -> None:
    from rich.text import Text

    style = {"warn": "red", "tip": "green"}.get(event.tone, "")
    line = Text(f"#{event.conn} {event.peer} ", style="dim")
    line.append(event.text, style=style)
    console.print(line)


DRAWINGS = (
    draw_socket_call,
    draw_http_message,
    draw_accept_proof,
    draw_ws_frame,
    draw_unmask,
    draw_server_log,
)
