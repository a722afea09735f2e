"""A WebSocket frame read aloud: its payload in one line, close codes by name (RFC 6455).

Pure Python, no scapy: the server describes every frame it shows. The words are in
lessons/websocket/frames.toml and lessons/glossary/websocket-close-codes.toml.
"""

from __future__ import annotations

import codecs

from netlearn.content.words import say, table
from netlearn.packets.opcodes import OPCODES
from netlearn.render.text import hex_bytes

OPNAMES = OPCODES  # RFC 6455 section 5.2

_close_codes: dict[int, str] = {}


def close_codes() -> dict[int, str]:
    """The close status codes and their names (lessons/glossary/websocket-close-codes.toml):
    RFC 6455 section 7.4.1, and the IANA registry it created (section 11.7) for 1012-1014."""
    if not _close_codes:
        names = table("glossary.websocket-close-codes.codes")
        _close_codes.update({int(code): name for code, name in names.items()})
    return _close_codes


def __getattr__(name: str) -> dict[int, str]:
    """`CLOSE_CODES`, read from the glossary on first use."""
    if name == "CLOSE_CODES":
        return close_codes()
    raise AttributeError(name)


def close_code_name(code: int) -> str:
    """What a close status code means (RFC 6455 sections 7.4.1 and 7.4.2)."""
    codes = close_codes()
    if code in codes:
        return codes[code]
    if 3000 <= code <= 3999:
        return say("glossary.websocket-close-codes.ranges.libraries")
    if 4000 <= code <= 4999:
        return say("glossary.websocket-close-codes.ranges.private")
    return say("glossary.websocket-close-codes.ranges.invalid")


def is_control(opcode: int) -> bool:
    """Close, ping and pong (opcodes 0x8-0xF) are control frames (RFC 6455 section 5.5)."""
    return opcode >= 0x8


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_payload(
    opcode: int, payload: bytes, fin: bool, message: int | None = None, prefix: bytes | None = None
) -> str:
    """A one-line reading of a frame's (unmasked) payload.

    `message` is the opcode of the message a continuation frame belongs to, when known, and
    `prefix` the payload bytes of that message's earlier fragments, when known. UTF-8 is checked
    across the message, not per frame (RFC 6455 section 5.6): a character may start in one
    fragment and end in the next.
    """
    name = OPNAMES.get(opcode, f"reserved opcode {opcode:#x}")
    kind = message if opcode == 0 else opcode
    part = ""
    if opcode == 0:
        if fin:
            part = say("websocket.frames.payload.last-fragment")
        else:
            part = say("websocket.frames.payload.middle-fragment")
    elif not fin and not is_control(opcode):
        part = say("websocket.frames.payload.first-fragment")
    if opcode == 0x8:
        return _describe_close(payload)
    if kind == 0x1:
        label = name if opcode else say("websocket.frames.payload.text-continuation")
        reading = _text_fragment(payload, fin, opcode == 0, prefix)
        if reading is None:
            return say(
                "websocket.frames.payload.text-invalid",
                label=label,
                part=part,
                size=len(payload),
                hex=hex_bytes(payload),
            )
        text, note = reading
        return say(
            "websocket.frames.payload.text", label=label, part=part, text=_short(text), note=note
        )
    if opcode in (0x9, 0xA):
        if not payload:
            return say("websocket.frames.payload.control-empty", name=name)
        try:
            text = _short(payload.decode("utf-8"))
        except UnicodeDecodeError:
            return say("websocket.frames.payload.control-hex", name=name, hex=hex_bytes(payload))
        return say("websocket.frames.payload.control-text", name=name, text=text)
    if opcode or kind is None:
        label = name
    else:
        label = say("websocket.frames.payload.continuation-of", kind=OPNAMES.get(kind))
    return say(
        "websocket.frames.payload.data",
        label=label,
        part=part,
        size=len(payload),
        hex=hex_bytes(payload),
    )


def _describe_close(payload: bytes) -> str:
    """A close frame's payload read aloud: its code, its name, its reason."""
    if not payload:
        return say("websocket.frames.payload.close-empty")
    if len(payload) == 1:
        return say("websocket.frames.payload.close-1-byte")
    code = int.from_bytes(payload[:2], "big")
    name = close_code_name(code)
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        return say("websocket.frames.payload.close-bad-reason", code=code, name=name)
    text = say("websocket.frames.payload.close", code=code, name=name)
    if reason:
        text += say("websocket.frames.payload.close-reason", reason=_short(reason))
    return text


def _text_fragment(
    payload: bytes, fin: bool, continuation: bool, prefix: bytes | None
) -> tuple[str, str] | None:
    """This fragment's text and a note on characters split at its edges; None if invalid.

    The message's UTF-8 is decoded incrementally, as a receiver must (RFC 6455 section 5.6).
    With `prefix` unknown, a continuation may begin with up to 3 bytes that end a character
    started in the previous fragment."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    skipped = 0
    try:
        if prefix:
            decoder.decode(prefix, final=False)
        elif continuation:
            while skipped < min(3, len(payload)) and 0x80 <= payload[skipped] <= 0xBF:
                skipped += 1
        carried = bool(decoder.getstate()[0])
        text = decoder.decode(payload[skipped:], final=fin)
    except UnicodeDecodeError:
        return None
    notes = []
    if carried or skipped:
        notes.append(say("websocket.frames.payload.finishes"))
    if decoder.getstate()[0]:
        notes.append(say("websocket.frames.payload.unfinished"))
    return text, (f" ({'; '.join(notes)})" if notes else "")
