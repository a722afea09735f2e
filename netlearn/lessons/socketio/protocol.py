"""Engine.IO v4 and Socket.IO v5 packets: decode and encode, sans-I/O.

Two layers, one inside the other (the specifications: github.com/socketio/engine.io-protocol,
"Packet encoding", and github.com/socketio/socket.io-protocol, "Packet encoding"):

- An Engine.IO packet is one type digit (0 open ... 6 noop) and its data. Over WebSocket each
  packet is one frame; binary data goes as a binary frame, unchanged. Over HTTP long-polling
  several packets share one body, separated by the record separator `\\x1e`, and binary data is
  written as `b` followed by base64.
- A Socket.IO packet travels as the data of an Engine.IO `message` (4) packet:
  `<type>[<attachments>-][<namespace>,][<ack id>][JSON payload]`.

The checks follow the reference parser (socket.io-parser) so that what this module refuses, a
real server refuses too; each refusal is a `PacketError` with a problem code (`Problem`), whose
sentence lives in lessons/socketio/errors.toml. No sockets, no clock, no sentences here.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

from netlearn.lessons.socketio.bounded_json import MAX_DEPTH, MAX_INT_DIGITS
from netlearn.lessons.socketio.bounded_json import loads as _loads
from netlearn.lessons.socketio.problems import PacketError, Problem

RECORD_SEPARATOR = "\x1e"

EIO_TYPES = ("open", "close", "ping", "pong", "message", "upgrade", "noop")
OPEN, CLOSE, PING, PONG, MESSAGE, UPGRADE, NOOP = range(7)

SIO_TYPES = (
    "CONNECT",
    "DISCONNECT",
    "EVENT",
    "ACK",
    "CONNECT_ERROR",
    "BINARY_EVENT",
    "BINARY_ACK",
)
CONNECT, DISCONNECT, EVENT, ACK, CONNECT_ERROR, BINARY_EVENT, BINARY_ACK = range(7)

# Event names the JavaScript library keeps for itself (socket.io-parser, RESERVED_EVENTS).
RESERVED_EVENTS = (
    "connect",
    "connect_error",
    "disconnect",
    "disconnecting",
    "newListener",
    "removeListener",
)

# The keys of the open packet's JSON (Engine.IO protocol, "Handshake").
OPEN_KEYS = ("sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload")


# Bounds on every count and size read from a packet, so that no input costs more than a few
# megabytes or milliseconds. Each is far above what real traffic uses, and at least what
# python-socketio accepts in practice.
MAX_PACKET_CHARS = 1_000_000  # Engine.IO's default maxPayload (maxHttpBufferSize) is 1e6 bytes
MAX_ATTACHMENTS = 1000  # python-socketio reads at most 10 digits; nobody sends 1000 buffers
MAX_ACK_DIGITS = 15  # ack ids count up from 0; 15 digits stay exact in a JavaScript Number
MAX_NAMESPACE = 256  # characters, the slash included


# ----------------------------------------------------------------------------- Engine.IO


@dataclass(frozen=True)
class EioPacket:
    """One Engine.IO packet. `data` is text, or bytes for a binary message."""

    type: int
    data: str | bytes = ""

    @property
    def name(self) -> str:
        return EIO_TYPES[self.type]

    @property
    def binary(self) -> bool:
        return isinstance(self.data, bytes)

    def encode(self, *, polling: bool = False) -> str | bytes:
        """The packet as sent: binary stays bytes over WebSocket, becomes b+base64 for polling."""
        if isinstance(self.data, bytes):
            if polling:
                return "b" + base64.b64encode(self.data).decode("ascii")
            return self.data
        return f"{self.type}{self.data}"


def decode_eio(raw: str | bytes) -> EioPacket:
    """Decode one Engine.IO packet: a WebSocket frame's payload, or one piece of a polling body.

    Bytes (a binary WebSocket frame) are a binary message. Text starting with `b` is base64
    binary (polling only); otherwise the first character is the packet type, 0 to 6.
    """
    if isinstance(raw, bytes | bytearray):
        return EioPacket(MESSAGE, bytes(raw))
    if not raw:
        raise PacketError(Problem.EMPTY_EIO)
    _check_size(raw)
    head = raw[0]
    if head == "b":
        try:
            data = base64.b64decode(raw[1:], validate=True)
        except (binascii.Error, ValueError):
            raise PacketError(Problem.BAD_BASE64, packet=_clip(raw)) from None
        return EioPacket(MESSAGE, data)
    if head not in "0123456":
        raise PacketError(Problem.BAD_EIO_TYPE, packet=_clip(raw))
    return EioPacket(int(head), raw[1:])


def decode_payload(body: str) -> list[EioPacket]:
    """Decode an HTTP long-polling body: packets separated by the record separator \\x1e."""
    if body == "":
        return []
    return [decode_eio(part) for part in body.split(RECORD_SEPARATOR)]


def encode_payload(packets: list[EioPacket]) -> str:
    """The long-polling body for these packets (binary ones as b+base64)."""
    return RECORD_SEPARATOR.join(str(p.encode(polling=True)) for p in packets)


def parse_open(data: str) -> dict[str, Any]:
    """The JSON object of an open packet; a PacketError if it is not one."""
    _check_size(data)
    try:
        value = _loads(data)
    except PacketError as exc:
        raise PacketError(Problem.OPEN_JSON, problem=exc) from None
    except ValueError:
        raise PacketError(Problem.OPEN_NOT_OBJECT) from None
    if not isinstance(value, dict):
        raise PacketError(Problem.OPEN_NOT_OBJECT)
    return value


# ----------------------------------------------------------------------------- Socket.IO


@dataclass(frozen=True)
class SioPacket:
    """One Socket.IO packet (the data of an Engine.IO message packet).

    `data` is the decoded JSON payload, or None when the packet has none. Binary parts are
    replaced in `data` by placeholders `{"_placeholder": true, "num": n}`; the bytes follow as
    `attachments` separate Engine.IO messages.
    """

    type: int
    namespace: str = "/"
    data: Any = None
    id: int | None = None
    attachments: int = 0

    @property
    def name(self) -> str:
        return SIO_TYPES[self.type]

    @property
    def event(self) -> str | None:
        """The event name of an EVENT/BINARY_EVENT (the first element of its array)."""
        if self.type in (EVENT, BINARY_EVENT) and isinstance(self.data, list) and self.data:
            return str(self.data[0])
        return None

    @property
    def args(self) -> list[Any]:
        """The arguments: after the name for events, the whole array for acknowledgements."""
        if not isinstance(self.data, list):
            return []
        return self.data[1:] if self.type in (EVENT, BINARY_EVENT) else list(self.data)

    def encode(self) -> str:
        """The packet as text, as the reference encoder writes it."""
        out = str(self.type)
        if self.type in (BINARY_EVENT, BINARY_ACK):
            out += f"{self.attachments}-"
        if self.namespace and self.namespace != "/":
            out += self.namespace + ","
        if self.id is not None:
            out += str(self.id)
        if self.data is not None:
            out += json.dumps(self.data, separators=(",", ":"), ensure_ascii=False)
        return out


def decode_sio(text: str) -> SioPacket:
    """Decode a Socket.IO packet (without the Engine.IO `4` in front), checking it as the
    reference parser does."""
    if not text:
        raise PacketError(Problem.EMPTY_SIO)
    if text[0] not in "0123456":
        raise PacketError(Problem.BAD_SIO_TYPE, packet=_clip(text))
    _check_size(text)
    kind = int(text[0])
    i = 1
    attachments = 0
    if kind in (BINARY_EVENT, BINARY_ACK):
        match = _DIGITS.match(text, i)
        count = match.group() if match else ""
        i += len(count)
        if not count or not text.startswith("-", i):
            raise PacketError(Problem.ATTACHMENTS_MISSING, name=SIO_TYPES[kind], kind=kind)
        if len(count) > len(str(MAX_ATTACHMENTS)) or int(count) > MAX_ATTACHMENTS:
            raise PacketError(
                Problem.TOO_MANY_ATTACHMENTS, count=_clip(count, 20), limit=MAX_ATTACHMENTS
            )
        attachments = int(count)
        i += 1
    namespace = "/"
    if text.startswith("/", i):
        comma = text.find(",", i, i + MAX_NAMESPACE + 1)
        if comma < 0 and len(text) - i > MAX_NAMESPACE:
            raise PacketError(Problem.NAMESPACE_TOO_LONG, limit=MAX_NAMESPACE)
        end = len(text) if comma < 0 else comma
        namespace = text[i:end]
        i = end + 1 if comma >= 0 else end
    ack_id = None
    match = _DIGITS.match(text, i, i + MAX_ACK_DIGITS + 1)
    if match:
        if len(match.group()) > MAX_ACK_DIGITS:
            raise PacketError(Problem.ACK_ID_TOO_LONG, limit=MAX_ACK_DIGITS)
        ack_id = int(match.group())
        i = match.end()
    data: Any = None
    rest = text[i:]
    if rest:
        try:
            data = _loads(rest)
        except PacketError:
            raise
        except ValueError:
            problem = Problem.BAD_JSON_ACK_ID if rest[:1].isalpha() else Problem.BAD_JSON
            raise PacketError(problem, payload=_clip(rest)) from None
    _check_payload(kind, data, rest != "", ack_id)
    return SioPacket(kind, namespace, data, ack_id, attachments)


def _check_payload(kind: int, data: Any, present: bool, ack_id: int | None) -> None:
    name = SIO_TYPES[kind]
    if kind == CONNECT:
        if present and not isinstance(data, dict):
            raise PacketError(Problem.CONNECT_PAYLOAD)
    elif kind == DISCONNECT:
        if present:
            raise PacketError(Problem.DISCONNECT_PAYLOAD)
    elif kind == CONNECT_ERROR:
        if not present or not isinstance(data, dict | str):
            raise PacketError(Problem.CONNECT_ERROR_PAYLOAD)
    elif kind in (EVENT, BINARY_EVENT):
        if not isinstance(data, list) or not data:
            raise PacketError(Problem.EVENT_PAYLOAD, name=name)
        first = data[0]
        if isinstance(first, bool) or not isinstance(first, str | int | float):
            raise PacketError(Problem.EVENT_NAME)
        if isinstance(first, str) and first in RESERVED_EVENTS:
            raise PacketError(Problem.RESERVED_EVENT, event=first)
    elif kind in (ACK, BINARY_ACK):
        if not isinstance(data, list):
            raise PacketError(Problem.ACK_PAYLOAD, name=name)
        if ack_id is None:
            raise PacketError(Problem.ACK_NEEDS_ID, name=name)


def placeholders(data: Any) -> list[int]:
    """The attachment numbers of the binary placeholders inside a payload, in order."""
    found: list[int] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("_placeholder") is True and isinstance(value.get("num"), int):
                found.append(value["num"])
                return
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(data)
    return found


_DIGITS = re.compile(r"[0-9]+")


def _check_size(text: str) -> None:
    if len(text) > MAX_PACKET_CHARS:
        raise PacketError(Problem.TOO_LONG, limit=MAX_PACKET_CHARS)


def _clip(text: str, size: int = 60) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


__all__ = [
    "ACK",
    "BINARY_ACK",
    "BINARY_EVENT",
    "CLOSE",
    "CONNECT",
    "CONNECT_ERROR",
    "DISCONNECT",
    "EIO_TYPES",
    "EVENT",
    "EioPacket",
    "MAX_ACK_DIGITS",
    "MAX_ATTACHMENTS",
    "MAX_DEPTH",
    "MAX_INT_DIGITS",
    "MAX_NAMESPACE",
    "MAX_PACKET_CHARS",
    "MESSAGE",
    "NOOP",
    "OPEN",
    "OPEN_KEYS",
    "PING",
    "PONG",
    "PacketError",
    "Problem",
    "RECORD_SEPARATOR",
    "RESERVED_EVENTS",
    "SIO_TYPES",
    "SioPacket",
    "UPGRADE",
    "decode_eio",
    "decode_payload",
    "decode_sio",
    "encode_payload",
    "parse_open",
    "placeholders",
]
