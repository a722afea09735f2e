"""WebSocket frames as bytes (RFC 6455 §5): build them, read a header, unmask, join fragments.

Pure functions, shared by the WebSocket labs and the Socket.IO lab's relay. Nothing here trusts a
library's parser: the labs must say which byte is wrong and why.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
OPCODE_NAMES = {
    CONT: "continuation",
    TEXT: "text",
    BINARY: "binary",
    CLOSE: "close",
    PING: "ping",
    PONG: "pong",
}


def encode_length(n: int, mask_bit: int = 0) -> bytes:
    """The payload length field, minimal (RFC 6455 §5.2)."""
    if n <= 125:
        return bytes([mask_bit | n])
    if n <= 0xFFFF:
        return bytes([mask_bit | 126]) + struct.pack("!H", n)
    return bytes([mask_bit | 127]) + struct.pack("!Q", n)


def server_frame(opcode: int, payload: bytes, fin: bool = True) -> bytes:
    """One unmasked frame, as a server sends it."""
    return bytes([(0x80 if fin else 0) | opcode]) + encode_length(len(payload)) + payload


def mask(payload: bytes, key: bytes) -> bytes:
    """XOR with key[i % 4] (RFC 6455 §5.3); masking twice gives the payload back."""
    if not payload:
        return b""
    reps = key * (len(payload) // 4 + 1)
    return (int.from_bytes(payload, "big") ^ int.from_bytes(reps[: len(payload)], "big")).to_bytes(
        len(payload), "big"
    )


def client_frame(opcode: int, payload: bytes, key: bytes, fin: bool = True) -> bytes:
    """One masked frame, as a client sends it."""
    head = bytes([(0x80 if fin else 0) | opcode]) + encode_length(len(payload), 0x80)
    return head + key + mask(payload, key)


def close_payload(code: int, reason: str | bytes = "") -> bytes:
    """A close frame's body: the status code (2 bytes, big-endian), then the reason."""
    return struct.pack("!H", code) + (reason.encode("utf-8") if isinstance(reason, str) else reason)


@dataclass(frozen=True)
class Head:
    """A frame header as it was on the wire."""

    fin: bool
    rsv: int
    opcode: int
    masked: bool
    field: int  # the 7-bit length field
    length: int  # the payload length it announces
    size: int  # header size, masking key included
    key: bytes

    @property
    def control(self) -> bool:
        return self.opcode >= 0x8


def head_size(second_byte: int) -> int:
    """A frame header's size in bytes, told by its second byte (length code and mask bit)."""
    field = second_byte & 0x7F
    return 2 + (2 if field == 126 else 8 if field == 127 else 0) + (4 if second_byte & 0x80 else 0)


def parse_head(buf: bytes) -> Head | None:
    """The header at the start of `buf`, or None if more bytes are needed."""
    if len(buf) < 2:
        return None
    b0, b1 = buf[0], buf[1]
    field = b1 & 0x7F
    at = 2
    if field == 126:
        if len(buf) < 4:
            return None
        length = struct.unpack("!H", buf[2:4])[0]
        at = 4
    elif field == 127:
        if len(buf) < 10:
            return None
        length = struct.unpack("!Q", buf[2:10])[0]
        at = 10
    else:
        length = field
    masked = bool(b1 & 0x80)
    key = b""
    if masked:
        if len(buf) < at + 4:
            return None
        key = bytes(buf[at : at + 4])
        at += 4
    return Head(bool(b0 & 0x80), (b0 >> 4) & 0x7, b0 & 0x0F, masked, field, length, at, key)


class Frames:
    """Decodes the WebSocket frames of one direction (masked or not), joins fragments."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.parts: list[bytes] = []
        self.raws: list[bytes] = []
        self.opcode = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes, bytes]]:
        """Whole messages and control frames: (opcode, payload, the frames' raw bytes)."""
        self.buf += data
        out = []
        while True:
            head = parse_head(bytes(self.buf[:14]))
            if head is None or len(self.buf) < head.size + head.length:
                return out
            raw = bytes(self.buf[: head.size + head.length])
            del self.buf[: head.size + head.length]
            payload = mask(raw[head.size :], head.key) if head.masked else raw[head.size :]
            if head.control:
                out.append((head.opcode, payload, raw))
                continue
            if head.opcode != CONT:
                self.opcode, self.parts, self.raws = head.opcode, [], []
            self.parts.append(payload)
            self.raws.append(raw)
            if head.fin:
                out.append((self.opcode, b"".join(self.parts), b"".join(self.raws)))


def first_difference(a: bytes, b: bytes) -> int | None:
    """The first index where `a` and `b` differ (a length difference counts), or None."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return None if len(a) == len(b) else min(len(a), len(b))


def window(view: bytes, offset: int, size: int = 96) -> tuple[bytes, int, str]:
    """A slice of `view` around `offset` small enough to draw: bytes, new offset, a note."""
    if len(view) <= size:
        return view, offset, ""
    if offset < size - 16:
        return view[:size], offset, f" (the first {size} of {len(view)} bytes shown)"
    start = offset - 32
    return (
        view[start : start + 64],
        32,
        f" (bytes {start}..{min(start + 63, len(view) - 1)} of {len(view)} shown)",
    )
