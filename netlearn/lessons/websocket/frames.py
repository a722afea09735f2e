"""WebSocket frames (RFC 6455 section 5.2): headers read off a byte stream, frames explained.

`parse_head` is pure Python and cheap: the server uses it on every frame to find frame boundaries
and to refuse an oversized message before its payload arrives. `frame_event` builds the lesson's
`WsFrame` event, taking the header's bit layout from the scapy `WebSocketFrame` layer's
`fields_desc` (so the drawing is not hand-made). `explain_hex` is `netlearn websocket frame HEX`.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.lessons.websocket.events import Unmask, WsFrame
from netlearn.lessons.websocket.frames_text import (
    OPNAMES,
    close_code_name,
    close_codes,
    describe_payload,
    is_control,
)

__all__ = [
    "OPNAMES",
    "FrameHead",
    "close_code_name",
    "close_codes",
    "describe_payload",
    "frame_event",
    "head_problems",
    "is_control",
    "parse_head",
    "parse_hex",
    "split_frames",
    "unmask_event",
    "xor_mask",
]


def __getattr__(name: str) -> dict[int, str]:
    """`CLOSE_CODES`, read from the glossary on first use."""
    if name == "CLOSE_CODES":
        return close_codes()
    raise AttributeError(name)


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
        opcode = f"{head.opcode:#x}"
        problems.append(say("websocket.frames.problems.reserved-opcode", opcode=opcode, kind=kind))
    if is_control(head.opcode) and not head.fin:
        problems.append(say("websocket.frames.problems.control-fragmented"))
    if is_control(head.opcode) and head.length > 125:
        problems.append(say("websocket.frames.problems.control-too-long", length=head.length))
    if head.rsv2 or head.rsv3:
        problems.append(say("websocket.frames.problems.rsv"))
    if head.len_field == 126 and head.length < 126:
        problems.append(say("websocket.frames.problems.len16", length=head.length))
    if head.len_field == 127 and head.length < 1 << 16:
        problems.append(say("websocket.frames.problems.len64", length=head.length))
    if head.len_field == 127 and head.length >> 63:
        problems.append(say("websocket.frames.problems.msb"))
    return problems


def xor_mask(data: bytes, key: bytes) -> bytes:
    """Masking and unmasking are the same XOR (RFC 6455 section 5.3)."""
    if not key:
        return data
    return bytes(b ^ key[i % 4] for i, b in enumerate(data))


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
            say(
                "websocket.frames.payload.announced",
                name=OPNAMES.get(head.opcode, "reserved"),
                length=head.length,
            )
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
        kib = MAX_INPUT // 1024
        raise NetlearnError(say("websocket.frames.errors.too-much", chars=len(text), kib=kib))
    cleaned = re.sub(r"0[xX](?=[0-9a-fA-F])", "", text)
    cleaned = _HEX_JUNK.sub("", cleaned)
    if not cleaned:
        raise NetlearnError(say("websocket.frames.errors.no-hex"))
    bad = re.search(r"[^0-9a-fA-F]", cleaned)
    if bad:
        raise NetlearnError(say("websocket.frames.errors.not-hex", char=repr(bad.group(0))))
    if len(cleaned) % 2:
        raise NetlearnError(say("websocket.frames.errors.odd", n=len(cleaned)))
    if len(cleaned) // 2 > MAX_INPUT:
        n, kib = len(cleaned) // 2, MAX_INPUT // 1024
        raise NetlearnError(say("websocket.frames.errors.too-many-bytes", n=n, kib=kib))
    return bytes.fromhex(cleaned)


def split_frames(data: bytes) -> list[tuple[FrameHead, bytes]]:
    """Cut back-to-back frames apart; a truncated or invalid frame is one clear error."""
    out = []
    pos = 0
    while pos < len(data):
        n = len(out) + 1
        if n > MAX_FRAMES:
            raise NetlearnError(say("websocket.frames.errors.too-many-frames", max=MAX_FRAMES))
        if n > 1:
            which = say("websocket.frames.errors.which-nth", n=n)
        else:
            which = say("websocket.frames.errors.which-first")
        head = parse_head(data, pos)
        if head is None:
            have = len(data) - pos
            raise NetlearnError(_truncated_header(which, data[pos:], have))
        problems = head_problems(head)
        if problems:
            problem = problems[0]
            raise NetlearnError(
                say("websocket.frames.errors.invalid", which=which, problem=problem)
            )
        if pos + head.total > len(data):
            have = len(data) - pos - head.header_len
            raise NetlearnError(
                say(
                    "websocket.frames.errors.truncated-payload",
                    which=which,
                    length=head.length,
                    have=have,
                )
            )
        out.append((head, data[pos : pos + head.total]))
        pos += head.total
    return out


def _truncated_header(which: str, rest: bytes, have: int) -> str:
    if have < 2:
        return say("websocket.frames.errors.truncated-short", which=which, have=have)
    len_field = rest[1] & 0x7F
    need = 2 + {126: 2, 127: 8}.get(len_field, 0) + (4 if rest[1] & 0x80 else 0)
    parts = []
    if len_field in (126, 127):
        bits = 16 if len_field == 126 else 64
        parts.append(say("websocket.frames.errors.ext-length", field=len_field, bits=bits))
    if rest[1] & 0x80:
        parts.append(say("websocket.frames.errors.mask-key"))
    return say(
        "websocket.frames.errors.truncated-header",
        which=which,
        parts=" and ".join(parts),
        need=need,
        have=have,
    )
