"""WebSocket bytes for the websocket-client lab, checked byte by byte (RFC 6455).

Pure functions: netlearn's own frames and handshake answer, and checks of the learner's bytes that
return a `StageFailed` (with the offset of the first wrong byte) or None. The lab module does the
I/O. Nothing here trusts a library's parser: the point is to say which byte is wrong and why.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from netlearn.labs.core import StageFailed

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

TEXT, BINARY, CONT, CLOSE, PING, PONG = 0x1, 0x2, 0x0, 0x8, 0x9, 0xA
OPCODE_NAMES = {
    CONT: "continuation",
    TEXT: "text",
    BINARY: "binary",
    CLOSE: "close",
    PING: "ping",
    PONG: "pong",
}

# Steps of `netlearn learn websocket` (lessons/websocket/lesson.md, 1-based).
# Lesson steps by id (the report turns an id into the step's current number).
STEP_HANDSHAKE = "websocket#handshake"
STEP_ACCEPT = "websocket#accept"
STEP_FRAMES = "websocket#frames"
STEP_MASKING = "websocket#masking"
STEP_FRAGMENTS = "websocket#fragments"
STEP_PING = "websocket#control-frames"
STEP_CLOSE = "websocket#close"

# The catalogue of known mistakes: what usually causes each failure.
CAUSES: dict[str, str] = {
    "library": "A WebSocket library wrote this handshake (websockets, ws and browsers offer "
    "compression by themselves). This lab is about writing the bytes yourself on a raw socket: "
    "`socket` in Python, `net` in Node.",
    "bare-lf": "The lines end with \\n alone. HTTP lines end with \\r\\n, and the head ends "
    "with an empty line: \\r\\n\\r\\n.",
    "method": "The request line is `GET <path> HTTP/1.1`, with single spaces.",
    "target": "The request target is the path (and query) of NETLEARN_URL, not the whole URL "
    "and not a fixed path.",
    "host": "Host is the host and port of NETLEARN_URL, e.g. `Host: 127.0.0.1:PORT`; the port "
    "is part of it because it is not 80.",
    "upgrade": "Both headers are needed: `Upgrade: websocket` and `Connection: Upgrade`.",
    "key": "The key is 16 random bytes written in base64 (24 characters ending in `==`), e.g. "
    "base64.b64encode(os.urandom(16)); not hex, not a word, not 16 characters of base64.",
    "version": "The only version is 13: `Sec-WebSocket-Version: 13`.",
    "early": "The program sends before netlearn has sent anything to answer: a hard-coded "
    "answer, or a frame sent right after the handshake. A client echoes only what it received.",
    "rejected-good-accept": "netlearn's Sec-WebSocket-Accept was right, so the program's check "
    "is wrong: accept = base64(SHA-1(key + GUID)) of the raw 20-byte digest (not its hex), with "
    "the key exactly as sent (the base64 text, not the decoded bytes).",
    "no-accept-check": "The program does not compare Sec-WebSocket-Accept with base64(SHA-1(key "
    "+ GUID)). Without that check, it would talk WebSocket to any server that answers 101.",
    "no-close-after-bad-accept": "After a wrong Sec-WebSocket-Accept the client must close the "
    "TCP connection (and may exit with an error code): no frames, no waiting.",
    "rsv": "The first byte is FIN, three RSV bits (0 without an extension), then the opcode: "
    "0x81 for a whole text message, 0x82 for binary, 0x88 close, 0x8A pong.",
    "opcode": "Opcodes are 0 (continuation), 1 (text), 2 (binary), 8 (close), 9 (ping), "
    "10 (pong); the others are reserved.",
    "unmasked": "The MASK bit (0x80 in the second byte) is 0: the frame has no masking key. "
    "A client sets it and follows the length with 4 random bytes, then the payload XORed with "
    "them.",
    "not-xored": "The MASK bit and a key are there, but the payload is the plain message: each "
    "byte i must be XORed with key[i % 4].",
    "bad-xor": "The unmasked payload differs from what netlearn sent: the XOR uses the wrong key "
    "byte (it must be key[i % 4], i counted from the payload's first byte), or the payload was "
    "changed (decoded and re-encoded?).",
    "len7-overflow": "A length of 126 or more does not fit the 7-bit field: 126..65535 is "
    "written as 126 then 2 bytes (big-endian), larger as 127 then 8 bytes.",
    "len16-overflow": "A length above 65535 does not fit 16 bits: write 127 then the length in "
    "8 bytes (struct.pack('!Q', n), buf.writeBigUInt64BE).",
    "len-not-minimal": "The length uses more bytes than it needs: up to 125 it goes in the 7-bit "
    "field itself, 126..65535 in 16 bits; 127 + 64 bits only above 65535.",
    "len-wrong": "The length field does not say how many bytes the echo has: count the bytes "
    "of the payload (UTF-8 bytes, not characters) after reassembly.",
    "fragments-separately": "Each fragment was echoed as a message of its own. A message is "
    "the first frame (FIN=0, opcode 1 or 2) plus continuation frames (opcode 0) up to the one "
    "with FIN=1: collect them, then echo the whole message.",
    "wrong-type": "The echo must have the message's type: text (opcode 1) for text, binary "
    "(opcode 2) for binary. In a fragmented message the type is in the first frame only.",
    "cont-without-start": "A continuation frame (opcode 0) only continues a message whose "
    "first frame (opcode 1 or 2, FIN=0) came before.",
    "ping-mid-message": "Control frames (ping, pong, close) may arrive between the fragments "
    "of a message. Answer the ping at once and keep collecting the message.",
    "pong-payload": "A pong carries exactly the ping's payload (the application data), masked "
    "like every client frame.",
    "no-pong": "Every ping gets a pong (opcode 10, 0x8A) with the same payload, as soon as "
    "possible, even in the middle of a fragmented message.",
    "close-no-code": "The close frame has no body. Answer a close with a close frame whose "
    "first two bytes are the status code you received (big-endian), masked.",
    "close-code": "The code in the answer must be the one netlearn sent: read the first two "
    "bytes of the close payload (big-endian) and send them back.",
    "no-close-reply": "When a close frame arrives, answer with a close frame of the same code, "
    "then wait for the server to close TCP and exit 0.",
    "control-fragmented": "Control frames (close, ping, pong) always have FIN=1 and at most 125 "
    "bytes of payload.",
    "timeout-echo": "The program did not answer in time: does it read a whole frame (2-14 byte "
    "header, then exactly `length` bytes, looping over recv), and send the echo?",
    "closed-early": "The program closed the connection (did it crash? its output is below).",
}


def accept_for(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2)."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


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
    """One masked frame, as a client sends it (tests)."""
    head = bytes([(0x80 if fin else 0) | opcode]) + encode_length(len(payload), 0x80)
    return head + key + mask(payload, key)


def close_payload(code: int, reason: str = "") -> bytes:
    return struct.pack("!H", code) + reason.encode("utf-8")


def switching_protocols(accept: str) -> bytes:
    return (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept}\r\n"
        "\r\n"
    ).encode("ascii")


# -- the client's handshake -------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    raw: bytes
    method: str
    target: str
    version: str
    headers: dict[str, tuple[str, int]]  # lower-case name -> (value, offset of the value)


def _hs_fail(message: str, raw: bytes, offset: int, expected: str, rule: str, cause: str,
             rfc: str = "RFC 6455 §4.1", lesson: str = STEP_HANDSHAKE) -> StageFailed:  # fmt: skip
    return StageFailed(
        message,
        got=raw,
        offset=offset,
        expected=expected,
        rule=rule,
        rfc=rfc,
        cause=CAUSES[cause],
        lesson=lesson,
    )


def parse_request(raw: bytes) -> Request | StageFailed:
    """The request head (up to and including the empty line), or why it is not one."""
    text = raw.decode("latin-1")
    lines = text.split("\r\n")
    first = lines[0]
    parts = first.split(" ")
    if len(parts) != 3:
        return _hs_fail(
            f"the request line {first!r} is not `METHOD target HTTP/1.1`",
            raw,
            0,
            "GET /path HTTP/1.1",
            "The request line is method, target and version, separated by single spaces",
            "method",
            rfc="RFC 9112 §3",
        )
    method, target, version = parts
    headers: dict[str, tuple[str, int]] = {}
    pos = len(first) + 2
    for line in lines[1:]:
        if line == "":
            break
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            return _hs_fail(
                f"the header line {line!r} is not `Name: value`",
                raw,
                pos,
                "Name: value",
                "A header line is a name, a colon, then the value",
                "method",
                rfc="RFC 9112 §5",
            )
        lead = len(value) - len(value.lstrip(" \t"))
        headers.setdefault(name.lower(), (value.strip(" \t"), pos + len(name) + 1 + lead))
        pos += len(line) + 2
    return Request(raw, method, target, version, headers)


def check_request(raw: bytes, host: str, port: int, target: str) -> Request | StageFailed:
    """The upgrade request per RFC 6455 §4.1, or the first thing wrong with it."""
    req = parse_request(raw)
    if isinstance(req, StageFailed):
        return req
    end = max(len(raw) - 2, 0)  # where a missing header would go
    if req.method != "GET":
        return _hs_fail(
            f"the request's method is {req.method!r}, not GET",
            raw,
            0,
            "GET",
            "The opening handshake is an HTTP GET request",
            "method",
        )
    if req.target != target:
        return _hs_fail(
            f"the request asks for {req.target!r}, but NETLEARN_URL's path is {target!r}",
            raw,
            len(req.method) + 1,
            target,
            "The request target is the resource name of the WebSocket URI (its path and query)",
            "target",
            rfc="RFC 6455 §3, §4.1",
        )
    if req.version != "HTTP/1.1":
        return _hs_fail(
            f"the request's version is {req.version!r}, not HTTP/1.1",
            raw,
            len(req.method) + len(req.target) + 2,
            "HTTP/1.1",
            "The method MUST be GET, and the HTTP version MUST be at least 1.1",
            "method",
        )
    host_value = req.headers.get("host")
    wanted = f"{host}:{port}"
    if host_value is None:
        return _hs_fail(
            "the request has no Host header",
            raw,
            end,
            f"Host: {wanted}",
            "The request MUST contain a Host header with the host and (when not the default) "
            "the port",
            "host",
        )
    if host_value[0].lower() not in (wanted, f"localhost:{port}"):
        return _hs_fail(
            f"Host says {host_value[0]!r}, not {wanted!r}",
            raw,
            host_value[1],
            wanted,
            "The Host header names the server's host and port (here not the default port 80)",
            "host",
        )
    upgrade = req.headers.get("upgrade")
    if upgrade is None or "websocket" not in _tokens(upgrade[0]):
        return _hs_fail(
            "the request has no `Upgrade: websocket` header"
            if upgrade is None
            else f"Upgrade says {upgrade[0]!r}, not websocket",
            raw,
            end if upgrade is None else upgrade[1],
            "Upgrade: websocket",
            "The request MUST contain an Upgrade header whose value includes `websocket`",
            "upgrade",
        )
    connection = req.headers.get("connection")
    if connection is None or "upgrade" not in _tokens(connection[0]):
        return _hs_fail(
            "the request has no `Connection: Upgrade` header"
            if connection is None
            else f"Connection says {connection[0]!r}, without Upgrade",
            raw,
            end if connection is None else connection[1],
            "Connection: Upgrade",
            "The request MUST contain a Connection header whose value includes `Upgrade`",
            "upgrade",
        )
    key = req.headers.get("sec-websocket-key")
    if key is None:
        return _hs_fail(
            "the request has no Sec-WebSocket-Key header",
            raw,
            end,
            "Sec-WebSocket-Key: <base64 of 16 random bytes>",
            "The request MUST contain a Sec-WebSocket-Key: 16 random bytes, base64-encoded",
            "key",
        )
    try:
        decoded = base64.b64decode(key[0].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        decoded = None
    if decoded is None or len(decoded) != 16:
        what = "is not valid base64" if decoded is None else f"decodes to {len(decoded)} bytes"
        return _hs_fail(
            f"Sec-WebSocket-Key {key[0]!r} {what}, not 16 bytes",
            raw,
            key[1],
            "24 base64 characters ending in == (16 bytes)",
            "The key is a randomly selected 16-byte value that has been base64-encoded",
            "key",
        )
    version = req.headers.get("sec-websocket-version")
    if version is None or version[0] != "13":
        return _hs_fail(
            "the request has no Sec-WebSocket-Version header"
            if version is None
            else f"Sec-WebSocket-Version is {version[0]!r}, not 13",
            raw,
            end if version is None else version[1],
            "Sec-WebSocket-Version: 13",
            "The request MUST include Sec-WebSocket-Version with the value 13",
            "version",
        )
    ext = req.headers.get("sec-websocket-extensions")
    if ext is not None:
        return _hs_fail(
            f"the request offers the extension {ext[0]!r}, which this lab never asks for: "
            "a WebSocket library wrote this request",
            raw,
            ext[1],
            "no Sec-WebSocket-Extensions header",
            "A client offers only the extensions it implements; this lab is written on a raw "
            "socket, without extensions",
            "library",
            rfc="RFC 6455 §4.1, §9.1",
        )
    return req


def _tokens(value: str) -> list[str]:
    return [t.strip().lower() for t in value.split(",")]


# -- the client's frames ----------------------------------------------------------------------
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


def _frame_fail(message: str, got: bytes, offset: int, expected: str, rule: str, rfc: str,
                cause: str, lesson: str) -> StageFailed:  # fmt: skip
    return StageFailed(
        message,
        got=got,
        offset=offset,
        expected=expected,
        rule=rule,
        rfc=rfc,
        cause=CAUSES[cause],
        lesson=lesson,
    )


def check_client_head(head: Head, got: bytes) -> StageFailed | None:
    """Rules every client frame header follows, whatever it carries. `got`: its first bytes."""
    if head.rsv:
        return _frame_fail(
            f"byte 0 is 0x{got[0]:02x}: RSV bits set without an extension",
            got,
            0,
            "RSV1-3 = 0, e.g. 0x81 or 0x82",
            "RSV1, RSV2 and RSV3 MUST be 0 unless an extension was negotiated",
            "RFC 6455 §5.2",
            "rsv",
            STEP_FRAMES,
        )
    if head.opcode not in OPCODE_NAMES:
        return _frame_fail(
            f"opcode 0x{head.opcode:x} is reserved",
            got,
            0,
            "opcode 0, 1, 2, 8, 9 or 10",
            "An endpoint that receives a reserved opcode MUST fail the connection",
            "RFC 6455 §5.2",
            "opcode",
            STEP_FRAMES,
        )
    if not head.masked:
        return _frame_fail(
            f"a {OPCODE_NAMES[head.opcode]} frame from the client is not masked "
            f"(byte 1 is 0x{got[1]:02x}, MASK bit 0)",
            got,
            1,
            f"0x{got[1] | 0x80:02x}: MASK bit 1 (0x80 in byte 1), then a 4-byte masking key",
            "A client MUST mask all frames that it sends to the server",
            "RFC 6455 §5.1, §5.3",
            "unmasked",
            STEP_MASKING,
        )
    if head.field == 126 and head.length < 126:
        return _frame_fail(
            f"a 16-bit length for {head.length} bytes: the length is not minimal",
            got,
            1,
            f"0x{0x80 | head.length:02x}: the length {head.length} in the 7-bit field",
            "The minimal number of bytes MUST be used to encode the length",
            "RFC 6455 §5.2",
            "len-not-minimal",
            STEP_FRAMES,
        )
    if head.field == 127 and head.length >> 63:
        return _frame_fail(
            "the 64-bit length has its most significant bit set",
            got,
            2,
            "the most significant bit 0",
            "The most significant bit of a 64-bit length MUST be 0",
            "RFC 6455 §5.2",
            "len-wrong",
            STEP_FRAMES,
        )
    if head.field == 127 and head.length <= 0xFFFF:
        return _frame_fail(
            f"a 64-bit length for {head.length} bytes: the length is not minimal",
            got,
            1,
            "0xfe (126) and a 16-bit length"
            if head.length > 125
            else f"0x{0x80 | head.length:02x}: the length in the 7-bit field",
            "The minimal number of bytes MUST be used to encode the length",
            "RFC 6455 §5.2",
            "len-not-minimal",
            STEP_FRAMES,
        )
    if head.control and (not head.fin or head.length > 125):
        bad_fin = not head.fin
        return _frame_fail(
            f"a {OPCODE_NAMES[head.opcode]} frame "
            + ("with FIN=0" if bad_fin else f"of {head.length} bytes"),
            got,
            0 if bad_fin else 1,
            "FIN=1" if bad_fin else "at most 125 bytes",
            "Control frames MUST have a payload of 125 bytes or less and MUST NOT be fragmented",
            "RFC 6455 §5.5",
            "control-fragmented",
            STEP_PING,
        )
    return None


def length_cause(announced: int, expected: int, fragments: tuple[int, ...]) -> str:
    """The catalogue key that best explains an echo whose length field says `announced`."""
    if len(fragments) > 1 and announced in fragments:
        return "fragments-separately"
    if expected > 0xFFFF and announced == expected & 0xFFFF:
        return "len16-overflow"
    if expected > 125 and announced in (expected & 0x7F, expected & 0xFF):
        return "len7-overflow"
    return "len-wrong"


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
