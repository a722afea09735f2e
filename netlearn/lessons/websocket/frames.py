"""WebSocket frames (RFC 6455 section 5.2): headers read off a byte stream, frames explained.

`parse_head` is pure Python and cheap: the server uses it on every frame to find frame boundaries
and to refuse an oversized message before its payload arrives. `frame_event` builds the lesson's
`WsFrame` event, taking the header's bit layout from the scapy `WebSocketFrame` layer's
`fields_desc` (so the drawing is not hand-made). `explain_hex` is `netlearn websocket frame HEX`.
"""

from __future__ import annotations

import codecs
import re
import struct
from dataclasses import dataclass

from netlearn.errors import NetlearnError
from netlearn.lessons.websocket.events import Unmask, WsFrame
from netlearn.packets.opcodes import OPCODES

OPNAMES = OPCODES  # RFC 6455 section 5.2 (scapy-free: the server's hot path)

# RFC 6455 section 7.4.1, and the IANA registry it created (section 11.7) for 1012-1014.
CLOSE_CODES: dict[int, str] = {
    1000: "normal closure",
    1001: "going away",
    1002: "protocol error",
    1003: "unsupported data",
    1005: "no status received (never sent on the wire)",
    1006: "abnormal closure (never sent on the wire)",
    1007: "invalid frame payload data",
    1008: "policy violation",
    1009: "message too big",
    1010: "mandatory extension",
    1011: "internal error",
    1012: "service restart",
    1013: "try again later",
    1014: "bad gateway",
    1015: "TLS handshake failed (never sent on the wire)",
}


def close_code_name(code: int) -> str:
    """What a close status code means (RFC 6455 sections 7.4.1 and 7.4.2)."""
    if code in CLOSE_CODES:
        return CLOSE_CODES[code]
    if 3000 <= code <= 3999:
        return "registered for libraries and frameworks"
    if 4000 <= code <= 4999:
        return "private use by applications"
    return "not a valid status code"


def is_control(opcode: int) -> bool:
    """Close, ping and pong (opcodes 0x8-0xF) are control frames (RFC 6455 section 5.5)."""
    return opcode >= 0x8


@dataclass(frozen=True)
class FrameHead:
    """A frame's header, read from the first 2 to 14 bytes."""

    fin: bool
    rsv1: bool
    rsv2: bool
    rsv3: bool
    opcode: int
    masked: bool
    length: int
    header_len: int
    masking_key: bytes
    len_field: int  # the 7-bit payload length field as sent (126 and 127 mean "extended")

    @property
    def total(self) -> int:
        """Header plus payload: the whole frame's size in bytes."""
        return self.header_len + self.length


def parse_head(buf: bytes | bytearray | memoryview, start: int = 0) -> FrameHead | None:
    """The header of the frame at `buf[start:]`, or None while its header is incomplete."""
    avail = len(buf) - start
    if avail < 2:
        return None
    b0, b1 = buf[start], buf[start + 1]
    masked = bool(b1 & 0x80)
    len_field = b1 & 0x7F
    pos = 2
    if len_field == 126:
        if avail < 4:
            return None
        (length,) = struct.unpack_from("!H", buf, start + 2)
        pos = 4
    elif len_field == 127:
        if avail < 10:
            return None
        (length,) = struct.unpack_from("!Q", buf, start + 2)
        pos = 10
    else:
        length = len_field
    key = b""
    if masked:
        if avail < pos + 4:
            return None
        key = bytes(buf[start + pos : start + pos + 4])
        pos += 4
    return FrameHead(
        fin=bool(b0 & 0x80),
        rsv1=bool(b0 & 0x40),
        rsv2=bool(b0 & 0x20),
        rsv3=bool(b0 & 0x10),
        opcode=b0 & 0x0F,
        masked=masked,
        length=length,
        header_len=pos,
        masking_key=key,
        len_field=len_field,
    )


def head_problems(head: FrameHead) -> list[str]:
    """What makes this header invalid for any receiver, each with its RFC 6455 section."""
    problems = []
    if head.opcode not in OPNAMES:
        kind = "control" if is_control(head.opcode) else "data"
        problems.append(
            f"opcode {head.opcode:#x} is reserved for future {kind} frames "
            "(RFC 6455 section 5.2): a receiver must fail the connection"
        )
    if is_control(head.opcode) and not head.fin:
        problems.append(
            "a control frame must not be fragmented: FIN must be 1 (RFC 6455 section 5.5)"
        )
    if is_control(head.opcode) and head.length > 125:
        problems.append(
            f"a control frame carries at most 125 payload bytes, this one {head.length} "
            "(RFC 6455 section 5.5)"
        )
    if head.rsv2 or head.rsv3:
        problems.append(
            "RSV2/RSV3 are set, but no extension defines them (RFC 6455 section 5.2): a "
            "receiver must fail the connection"
        )
    if head.len_field == 126 and head.length < 126:
        problems.append(
            f"length {head.length} is sent in 16 bits, but the minimal encoding (7 bits) is "
            "required (RFC 6455 section 5.2)"
        )
    if head.len_field == 127 and head.length < 1 << 16:
        problems.append(
            f"length {head.length} is sent in 64 bits, but the minimal encoding is required "
            "(RFC 6455 section 5.2)"
        )
    if head.len_field == 127 and head.length >> 63:
        problems.append(
            "the most significant bit of a 64-bit length must be 0 (RFC 6455 section 5.2)"
        )
    return problems


def xor_mask(data: bytes, key: bytes) -> bytes:
    """Masking and unmasking are the same XOR (RFC 6455 section 5.3)."""
    if not key:
        return data
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _hex(data: bytes, limit: int = 16) -> str:
    out = data[:limit].hex(" ")
    return out + (" …" if len(data) > limit else "")


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
        part = " (last fragment)" if fin else " (middle fragment)"
    elif not fin and not is_control(opcode):
        part = " (first fragment)"
    if opcode == 0x8:
        if not payload:
            return "close, no status code"
        if len(payload) == 1:
            return "close with a 1-byte payload: invalid, a status code takes 2 bytes"
        code = int.from_bytes(payload[:2], "big")
        try:
            reason = payload[2:].decode("utf-8")
        except UnicodeDecodeError:
            return f"close, code {code} ({close_code_name(code)}), reason not valid UTF-8"
        text = f"close, code {code} ({close_code_name(code)})"
        return text + (f', reason "{_short(reason)}"' if reason else "")
    if kind == 0x1:
        label = name if opcode else "continuation of a text message"
        reading = _text_fragment(payload, fin, opcode == 0, prefix)
        if reading is None:
            return f"{label}{part}, {len(payload)} bytes, NOT valid UTF-8: {_hex(payload)}"
        text, note = reading
        return f'{label}{part} "{_short(text)}"{note}'
    if opcode in (0x9, 0xA):
        if not payload:
            return f"{name}, empty payload"
        try:
            return f'{name}, payload "{_short(payload.decode("utf-8"))}"'
        except UnicodeDecodeError:
            return f"{name}, payload {_hex(payload)}"
    label = name if opcode or kind is None else f"continuation of a {OPNAMES.get(kind)} message"
    return f"{label}{part}, {len(payload)} bytes: {_hex(payload)}"


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
        notes.append("begins by finishing a character started in the previous fragment")
    if decoder.getstate()[0]:
        notes.append("ends inside a character that the next fragment finishes")
    return text, (f" ({'; '.join(notes)})" if notes else "")


def frame_event(
    raw: bytes,
    *,
    src: str = "",
    dst: str = "",
    label: str = "",
    detail: bool = True,
    message: int | None = None,
    t: float = 0.0,
    actor: str = "",
    partial: bool = False,
    explain: bool = True,
    prefix: bytes | None = None,
) -> WsFrame:
    """The `WsFrame` event for one complete frame; header fields from scapy's `fields_desc`.

    With `partial`, only the header is kept (for a frame refused before its payload arrived).
    `prefix`: the earlier fragments' payload of the message a continuation frame belongs to.
    """
    head = parse_head(raw)
    if head is None or (len(raw) < head.total and not partial):
        raise ValueError("frame_event needs one complete frame")
    raw = bytes(raw[: head.header_len if partial else head.total])
    payload = xor_mask(raw[head.header_len :], head.masking_key)
    fields = ()
    if detail:
        from netlearn.packets.fields import layer_fields
        from netlearn.packets.websocket import WebSocketFrame

        fields = tuple(f for f in layer_fields(WebSocketFrame(raw)) if f.name != "data")
    return WsFrame(
        t=t,
        actor=actor,
        src=src,
        dst=dst,
        raw=raw,
        header_len=head.header_len,
        fin=head.fin,
        opcode=head.opcode,
        opname=OPNAMES.get(head.opcode, f"reserved {head.opcode:#x}"),
        masked=head.masked,
        masking_key=head.masking_key,
        length=head.length,
        payload=payload,
        meaning=(
            f"{OPNAMES.get(head.opcode, 'reserved')} frame announcing {head.length} payload bytes"
            if partial
            else describe_payload(head.opcode, payload, head.fin, message, prefix)
        ),
        fields=fields,
        label=label,
        detail=detail,
        explain=explain,
    )


def unmask_event(frame: WsFrame, shown: int = 16) -> Unmask:
    """The XOR walk that turns a masked frame's payload back into the clear bytes."""
    return Unmask(
        t=frame.t,
        key=frame.masking_key,
        masked=frame.raw[frame.header_len :],
        clear=frame.payload,
        shown=shown,
    )


_HEX_JUNK = re.compile(r"[\s,:;_\-\[\]{}()]+")
MAX_INPUT = 512 * 1024  # bytes of frames `frame HEX` explains at once (RFC examples: 64 KiB)
MAX_FRAMES = 1000  # frames in one paste


def parse_hex(text: str) -> bytes:
    """Hex as people paste it: '81 05 48 65', '0x81 0x05', '81:05:48', '8105486c6c6f'."""
    if len(text) > 6 * MAX_INPUT:  # generous for '0x81, ' separators; checked before any work
        raise NetlearnError(
            f"too much input ({len(text)} characters): give at most {MAX_INPUT // 1024} KiB "
            "of frames at a time"
        )
    cleaned = re.sub(r"0[xX](?=[0-9a-fA-F])", "", text)
    cleaned = _HEX_JUNK.sub("", cleaned)
    if not cleaned:
        raise NetlearnError("no hex bytes given: paste a frame such as '81 05 48 65 6c 6c 6f'")
    bad = re.search(r"[^0-9a-fA-F]", cleaned)
    if bad:
        raise NetlearnError(f"not hex: {bad.group(0)!r} is not a hex digit (0-9, a-f)")
    if len(cleaned) % 2:
        raise NetlearnError(
            f"odd number of hex digits ({len(cleaned)}): each byte is two digits, like 0a"
        )
    if len(cleaned) // 2 > MAX_INPUT:
        raise NetlearnError(
            f"{len(cleaned) // 2} bytes given: this explainer takes at most "
            f"{MAX_INPUT // 1024} KiB of frames at a time"
        )
    return bytes.fromhex(cleaned)


def split_frames(data: bytes) -> list[tuple[FrameHead, bytes]]:
    """Cut back-to-back frames apart; a truncated or invalid frame is one clear error."""
    out = []
    pos = 0
    while pos < len(data):
        n = len(out) + 1
        if n > MAX_FRAMES:
            raise NetlearnError(
                f"more than {MAX_FRAMES} frames given: paste at most {MAX_FRAMES} at a time"
            )
        which = f"frame {n}" if n > 1 else "the frame"
        head = parse_head(data, pos)
        if head is None:
            have = len(data) - pos
            raise NetlearnError(_truncated_header(which, data[pos:], have))
        problems = head_problems(head)
        if problems:
            raise NetlearnError(f"{which} is not a valid WebSocket frame: {problems[0]}")
        if pos + head.total > len(data):
            have = len(data) - pos - head.header_len
            raise NetlearnError(
                f"{which} is truncated: its header announces {head.length} payload bytes, "
                f"but only {have} follow"
            )
        out.append((head, data[pos : pos + head.total]))
        pos += head.total
    return out


def _truncated_header(which: str, rest: bytes, have: int) -> str:
    if have < 2:
        return f"{which} is truncated: a frame header is at least 2 bytes, only {have} given"
    len_field = rest[1] & 0x7F
    need = 2 + {126: 2, 127: 8}.get(len_field, 0) + (4 if rest[1] & 0x80 else 0)
    parts = []
    if len_field in (126, 127):
        parts.append(
            f"payload length {len_field} means a {16 if len_field == 126 else 64}-bit length"
        )
    if rest[1] & 0x80:
        parts.append("MASK=1 means a 4-byte masking key")
    return (
        f"{which} is truncated: {' and '.join(parts)} must follow, so the header is {need} "
        f"bytes; only {have} given"
    )
