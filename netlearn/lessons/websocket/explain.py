"""`netlearn websocket frame HEX`: any frame (or frames, back to back) explained field by field.

The RFC 6455 section 5.7 examples decode exactly; malformed input is one clear error line.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note, Title
from netlearn.lessons.websocket.frames import (
    MAX_INPUT,
    OPNAMES,
    close_codes,
    frame_event,
    is_control,
    parse_hex,
    split_frames,
    unmask_event,
)

# The example frames of RFC 6455 section 5.7, for the lesson and the tests.
RFC_EXAMPLES: dict[str, str] = {
    "text": "81 05 48 65 6c 6c 6f",
    "masked": "81 85 37 fa 21 3d 7f 9f 4d 51 58",
    "fragmented": "01 03 48 65 6c 80 02 6c 6f",
    "ping": "89 05 48 65 6c 6c 6f",
    "pong": "8a 85 37 fa 21 3d 7f 9f 4d 51 58",
    "binary256": "82 7e 01 00" + " 00" * 256,
    "binary64k": "82 7f 00 00 00 00 00 01 00 00" + " 00" * 65536,
}


def explain(env: Env, hex: str = "", example: str = "") -> Iterator[Event]:
    """Decode frames given as hex (or one of the RFC 6455 section 5.7 examples by name)."""
    if example:
        from netlearn.errors import NetlearnError

        if example not in RFC_EXAMPLES:
            examples = ", ".join(RFC_EXAMPLES)
            raise NetlearnError(
                say(
                    "websocket.explain.explain.unknown-example",
                    example=repr(example),
                    examples=examples,
                )
            )
        hex = RFC_EXAMPLES[example]
    data = parse_hex(hex)
    frames = split_frames(data)
    if len(frames) > 1:
        count = say("websocket.explain.explain.frames", n=len(frames))
    else:
        count = say("websocket.explain.explain.one-frame")
    yield Title(text=say("websocket.explain.explain.title", size=len(data), count=count))
    message: int | None = None  # opcode of a fragmented message in progress
    parts: list[bytes] = []
    first_part = 0
    for n, (head, raw) in enumerate(frames, start=1):
        sender = "client" if head.masked else "server"
        event = frame_event(
            raw,
            src=sender,
            dst="server" if head.masked else "client",
            label=say("websocket.explain.explain.label", n=n) if len(frames) > 1 else "",
            message=message,
            explain=n == 1,
            prefix=b"".join(parts) if head.opcode == 0 and message is not None else None,
        )
        yield event
        if head.masked and head.length:
            yield unmask_event(event)
        if head.masked:
            who = say("websocket.explain.explain.from-client")
        else:
            who = say("websocket.explain.explain.from-server")
        notes = [say("websocket.explain.explain.mask", mask=int(head.masked), who=who)]
        payload = event.payload
        if head.rsv1:
            notes.append(_deflate_note(head.opcode, payload))
        if not is_control(head.opcode):
            if head.opcode and message is not None:
                notes.append(say("websocket.explain.explain.new-message"))
            if head.opcode == 0 and message is None:
                notes.append(say("websocket.explain.explain.orphan"))
            if head.opcode:
                message, parts, first_part = head.opcode, [], n
            parts.append(payload)
            if head.fin:
                if n > first_part and message is not None:
                    notes.append(_joined(message, parts, first_part, n))
                message = None
            elif head.opcode:
                notes.append(say("websocket.explain.explain.more-follow"))
        notes.extend(_validity(head.opcode, payload, head.fin))
        yield Note(text=" ".join(notes))
    if message is not None:
        yield Note(text=say("websocket.explain.explain.unfinished"), tone="tip")


SHOWN = 200  # characters of a message or an inflated payload shown in a note


def _clip(text: str) -> str:
    if len(text) <= SHOWN:
        return text
    return say("websocket.explain.explain.clipped", text=text[:SHOWN], size=len(text))


def _joined(message: int, parts: list[bytes], first: int, last: int) -> str:
    whole = b"".join(parts)
    kind = OPNAMES.get(message, "data")
    if message == 1:
        try:
            text = whole.decode()
        except UnicodeDecodeError:
            return say("websocket.explain.joined.not-utf8", first=first, last=last, kind=kind)
        split = ""
        if any(not _utf8(p) for p in parts):
            split = " " + say("websocket.explain.joined.split")
        return say(
            "websocket.explain.joined.text",
            first=first,
            last=last,
            kind=kind,
            text=_clip(text),
            split=split,
        )

    size = len(whole)
    return say("websocket.explain.joined.data", first=first, last=last, kind=kind, size=size)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _validity(opcode: int, payload: bytes, fin: bool) -> list[str]:
    out = []
    if opcode == 0x1 and fin:
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            out.append(say("websocket.explain.validity.not-utf8"))
    if opcode == 0x8 and len(payload) >= 2:
        code = int.from_bytes(payload[:2], "big")
        if code in (1005, 1006, 1015):
            out.append(say("websocket.explain.validity.never-sent", code=code))
        elif code < 1000 or (code < 3000 and code not in close_codes()) or code > 4999:
            out.append(say("websocket.explain.validity.invalid-code", code=code))
    if opcode == 0x8 and len(payload) == 1:
        out.append(say("websocket.explain.validity.close-1-byte"))
    return out


MAX_INFLATED = 4 * MAX_INPUT  # a deflate bomb inflates this far and no further


def _deflate_note(opcode: int, payload: bytes) -> str:
    """RSV1 on a data frame is permessage-deflate (RFC 7692): try to inflate the payload.

    Bounded: a few hundred bytes of deflate can stand for gigabytes, so at most `MAX_INFLATED`
    bytes are inflated (zlib's max_length), and the rest is only reported."""
    if opcode not in (0x1, 0x2):
        return say("websocket.explain.deflate.not-data")
    inflater = zlib.decompressobj(-15)
    try:
        raw = inflater.decompress(payload + b"\x00\x00\xff\xff", MAX_INFLATED + 1)
    except zlib.error:
        return say("websocket.explain.deflate.no-inflate")
    if len(raw) > MAX_INFLATED or inflater.unconsumed_tail:
        head = raw[:SHOWN].decode("utf-8", "replace") if opcode == 0x1 else raw[:32].hex(" ")
        size, limit = len(payload), MAX_INFLATED
        return say("websocket.explain.deflate.bomb", size=size, limit=limit, head=repr(head))
    shown = _clip(raw.decode("utf-8", "replace")) if opcode == 0x1 else raw[:32].hex(" ")
    return say(
        "websocket.explain.deflate.inflated",
        size=len(payload),
        inflated=len(raw),
        shown=repr(shown),
    )
