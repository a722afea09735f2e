"""`netlearn websocket frame HEX`: any frame (or frames, back to back) explained field by field.

The RFC 6455 section 5.7 examples decode exactly; malformed input is one clear error line.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from netlearn.env import Env
from netlearn.events import Event, Note, Title
from netlearn.lessons.websocket.frames import (
    CLOSE_CODES,
    MAX_INPUT,
    OPNAMES,
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
            raise NetlearnError(
                f"unknown example {example!r}; choose one of {', '.join(RFC_EXAMPLES)}"
            )
        hex = RFC_EXAMPLES[example]
    data = parse_hex(hex)
    frames = split_frames(data)
    count = f"{len(frames)} frames" if len(frames) > 1 else "one frame"
    yield Title(text=f"{len(data)} bytes: {count}")
    message: int | None = None  # opcode of a fragmented message in progress
    parts: list[bytes] = []
    first_part = 0
    for n, (head, raw) in enumerate(frames, start=1):
        sender = "client" if head.masked else "server"
        event = frame_event(
            raw,
            src=sender,
            dst="server" if head.masked else "client",
            label=f"Frame {n}" if len(frames) > 1 else "",
            message=message,
            explain=n == 1,
            prefix=b"".join(parts) if head.opcode == 0 and message is not None else None,
        )
        yield event
        if head.masked and head.length:
            yield unmask_event(event)
        notes = [
            f"MASK = {int(head.masked)}: "
            + (
                "a client sent this (clients must mask every frame, RFC 6455 section 5.3)."
                if head.masked
                else "a server sent this (servers never mask, RFC 6455 section 5.1)."
            )
        ]
        payload = event.payload
        if head.rsv1:
            notes.append(_deflate_note(head.opcode, payload))
        if not is_control(head.opcode):
            if head.opcode and message is not None:
                notes.append(
                    "A new message starts before the previous one ended: invalid, a receiver "
                    "fails the connection (RFC 6455 section 5.4)."
                )
            if head.opcode == 0 and message is None:
                notes.append(
                    "A continuation frame with no message to continue: invalid on its own "
                    "(section 5.4), unless the frames before it were cut off."
                )
            if head.opcode:
                message, parts, first_part = head.opcode, [], n
            parts.append(payload)
            if head.fin:
                if n > first_part and message is not None:
                    notes.append(_joined(message, parts, first_part, n))
                message = None
            elif head.opcode:
                notes.append(
                    "FIN = 0: more fragments of this message follow (RFC 6455 section 5.4)."
                )
        notes.extend(_validity(head.opcode, payload, head.fin))
        yield Note(text=" ".join(notes))
    if message is not None:
        yield Note(
            text="The last frame has FIN = 0: the message is not finished in what you pasted.",
            tone="tip",
        )


SHOWN = 200  # characters of a message or an inflated payload shown in a note


def _clip(text: str) -> str:
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}… ({len(text)} characters in all)"


def _joined(message: int, parts: list[bytes], first: int, last: int) -> str:
    whole = b"".join(parts)
    kind = OPNAMES.get(message, "data")
    if message == 1:
        try:
            text = whole.decode()
        except UnicodeDecodeError:
            return (
                f"Frames {first}-{last} form one {kind} message, but it is not valid UTF-8: a "
                "receiver fails the connection with 1007 (RFC 6455 sections 5.6 and 8.1)."
            )
        split = ""
        if any(not _utf8(p) for p in parts):
            split = (
                " A character is split between fragments, which is allowed: a text *message*, "
                "not each frame, must be valid UTF-8, so a receiver decodes it across the "
                "fragments (RFC 6455 section 5.6)."
            )
        return f'Frames {first}-{last} form one {kind} message: "{_clip(text)}".{split}'

    return f"Frames {first}-{last} form one {kind} message of {len(whole)} bytes."


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
            out.append(
                "The payload is not valid UTF-8: a receiver fails the connection with 1007 "
                "(RFC 6455 section 8.1)."
            )
    if opcode == 0x8 and len(payload) >= 2:
        code = int.from_bytes(payload[:2], "big")
        if code in (1005, 1006, 1015):
            out.append(f"Code {code} must never be sent in a close frame (section 7.4.1).")
        elif code < 1000 or (code < 3000 and code not in CLOSE_CODES) or code > 4999:
            out.append(f"Code {code} is not a valid close code (RFC 6455 section 7.4.2).")
    if opcode == 0x8 and len(payload) == 1:
        out.append("A close payload of 1 byte is invalid: the code takes 2 (section 5.5.1).")
    return out


MAX_INFLATED = 4 * MAX_INPUT  # a deflate bomb inflates this far and no further


def _deflate_note(opcode: int, payload: bytes) -> str:
    """RSV1 on a data frame is permessage-deflate (RFC 7692): try to inflate the payload.

    Bounded: a few hundred bytes of deflate can stand for gigabytes, so at most `MAX_INFLATED`
    bytes are inflated (zlib's max_length), and the rest is only reported."""
    if opcode not in (0x1, 0x2):
        return "RSV1 = 1 here is only meaningful if an extension defined it for this frame."
    inflater = zlib.decompressobj(-15)
    try:
        raw = inflater.decompress(payload + b"\x00\x00\xff\xff", MAX_INFLATED + 1)
    except zlib.error:
        return (
            "RSV1 = 1: compressed with permessage-deflate (RFC 7692), but these bytes do not "
            "inflate on their own (compression may continue from earlier messages)."
        )
    if len(raw) > MAX_INFLATED or inflater.unconsumed_tail:
        head = raw[:SHOWN].decode("utf-8", "replace") if opcode == 0x1 else raw[:32].hex(" ")
        return (
            "RSV1 = 1: compressed with permessage-deflate (RFC 7692 section 7.2); the "
            f"{len(payload)} bytes inflate to more than {MAX_INFLATED} bytes, so inflating "
            f"stopped there (a receiver must bound this too: a deflate bomb). They begin "
            f"{head!r}."
        )
    shown = _clip(raw.decode("utf-8", "replace")) if opcode == 0x1 else raw[:32].hex(" ")
    return (
        "RSV1 = 1: compressed with permessage-deflate (RFC 7692 section 7.2); inflated, the "
        f"{len(payload)} bytes become {len(raw)}: {shown!r}."
    )
