"""How the WebSocket lesson's events are drawn: plain lines and Rich.

Registered on the shared single-dispatch renderers, which import this module the first time they
meet one of this lesson's events (`netlearn.render.registry`). The frame's first bits are the
`BitStrip` widget, its fields the inspector's `FieldTable`; the words around the bytes are in
lessons/websocket/render.toml.
"""

from __future__ import annotations

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.lessons.websocket.events import (
    AcceptProof,
    HttpMessage,
    ServerLog,
    SocketCall,
    Unmask,
    WsFrame,
)
from netlearn.lessons.websocket.render_parts import (
    arrow,
    bit_strip,
    char_of,
    field_value,
    hex_of,
    wire_bits,
    wrap_lines,
    xor_rows,
)
from netlearn.lessons.websocket.render_rich import DRAWINGS
from netlearn.render.registry import draw_rich, plain_lines
from netlearn.render.text import plural

__all__ = ["bit_strip", "field_value", "wire_bits"]

# ------------------------------------------------------------------ plain


@plain_lines.register
def _(event: SocketCall, env: Env) -> list[str]:
    text = f"[{event.side}] {event.call}"
    if event.result:
        text += f" -> {event.result}"
    lines = wrap_lines(text, env.width, indent="  ", sub="      ")
    if event.meaning:
        lines += wrap_lines(event.meaning, env.width, indent="      ", sub="      ")
    return lines


@plain_lines.register
def _(event: HttpMessage, env: Env) -> list[str]:
    route_ = arrow(event.src, event.dst)
    lines = [
        say("websocket.render.http.heading", route=route_, label=event.label, size=len(event.raw))
    ]
    text = event.raw.decode("latin-1")
    head, sep, body = text.partition("\r\n\r\n")
    for line in head.split("\r\n"):
        lines.append(f"  | {line}\\r\\n")
    if sep:
        lines.append("  | \\r\\n")
    for line in body.splitlines():
        lines.append(f"  | {line}")
    if event.start_meaning:
        lines += wrap_lines(f"{event.start_line}: {event.start_meaning}", env.width, "  - ", "    ")
    for h in event.headers:
        if h.meaning:
            lines += wrap_lines(f"{h.name}: {h.meaning}", env.width, "  - ", "    ")
    return [*lines, ""]


@plain_lines.register
def _(event: AcceptProof, env: Env) -> list[str]:
    lines = [say("websocket.render.accept.title")]
    lines.append(say("websocket.render.accept.key", key=event.key))
    if event.key_bytes:
        nonce = event.key_bytes.hex(" ")
        text = say("websocket.render.accept.key-bytes", nonce=nonce)
        lines += wrap_lines(text, env.width, "     ", "     ")
    lines.append(say("websocket.render.accept.guid", guid=event.guid))
    lines.append(f"     {event.joined}")
    lines.append(say("websocket.render.accept.sha1", size=len(event.joined)))
    lines.append(f"     {event.digest.hex(' ')}")
    lines.append(say("websocket.render.accept.base64", accept=event.accept))
    return [*lines, ""]


@plain_lines.register
def _(event: WsFrame, env: Env) -> list[str]:
    head = f"{arrow(event.src, event.dst)}: {event.meaning}"
    if event.fin:
        final = say("websocket.render.frame.final")
    else:
        final = say("websocket.render.frame.not-final")
    if event.masked:
        masked = say("websocket.render.frame.masked")
    else:
        masked = say("websocket.render.frame.unmasked")
    if not event.detail:
        text = say(
            "websocket.render.frame.brief",
            head=head,
            opname=event.opname,
            flags=f"{final}, {masked}",
            size=len(event.raw),
            hex=hex_of(event.raw, 12),
        )
        return wrap_lines(text, env.width, "", "    ")
    text = say(
        "websocket.render.frame.sizes",
        title=f"{event.label}: " if event.label else "",
        head=head,
        total=event.header_len + event.length,
        header=event.header_len,
        length=event.length,
    )
    lines = wrap_lines(text, env.width, "", "    ")
    top, labels = bit_strip(event.raw)
    first = say("websocket.render.frame.first-bytes", labels=labels)
    lines.append(first)
    lines.append(" " * (len(first) - len(labels)) + top)
    if event.explain:
        for f in event.fields:
            value = field_value(event.raw, f)
            text = say(
                "websocket.render.frame.field", name=f.name, bits=plural(f.bits, "bit"), value=value
            )
            if f.meaning:
                text += f" -- {f.meaning}"
            lines += wrap_lines(text, env.width, "  ", "      ")
    else:
        text = "  ".join(f"{f.name}={field_value(event.raw, f)}" for f in event.fields)
        lines += wrap_lines(text, env.width, "  ", "  ")
    body = event.raw[event.header_len :]
    if event.masked and body:
        text = say("websocket.render.frame.payload-masked", hex=hex_of(body))
        lines += wrap_lines(text, env.width, "  ", "      ")
        text = say("websocket.render.frame.payload-unmasked", hex=hex_of(event.payload))
        lines += wrap_lines(text, env.width, "  ", "      ")
    elif body:
        lines += wrap_lines(
            say("websocket.render.frame.payload", hex=hex_of(body)), env.width, "  ", "      "
        )
    lines += wrap_lines(
        say("websocket.render.frame.whole", hex=hex_of(event.raw)), env.width, "  ", "      "
    )
    return [*lines, ""]


@plain_lines.register
def _(event: Unmask, env: Env) -> list[str]:
    title = say("websocket.render.unmask.title", key=event.key.hex(" "))
    lines = wrap_lines(title, env.width, "", "  ")
    if event.masked:
        m, k, c = event.masked[0], event.key[0], event.clear[0]
        flips = say("websocket.render.unmask.flips")
        lines += [
            f"  byte 0:  {m:02x} = {m:08b}   ({say('websocket.render.unmask.masked')})",
            f"     key:  {k:02x} = {k:08b}   ({say('websocket.render.unmask.key-byte')})",
            f"     XOR:  {c:02x} = {c:08b}   {char_of(c)}  ({flips})",
            say("websocket.render.unmask.columns"),
        ]
    for i, m, k, c in xor_rows(event):
        lines.append(f"  {i:>3}  {m:02x}      {k:02x}   {c:02x} {char_of(c)}")
    rest = len(event.masked) - min(event.shown, len(event.masked))
    if rest > 0:
        lines.append(say("websocket.render.unmask.more", rest=rest))
    return [*lines, ""]


@plain_lines.register
def _(event: ServerLog, env: Env) -> list[str]:
    prefix = {"warn": "! ", "tip": "* "}.get(event.tone, "")
    return wrap_lines(f"{prefix}[#{event.conn} {event.peer}] {event.text}", env.width, "", "    ")


# The Rich drawings live in render_rich; registered here, explicitly, for the types they draw.
for _drawing in DRAWINGS:
    draw_rich.register(_drawing)
