"""The WebSocket lesson's events: socket calls, HTTP messages, the accept proof, frames, unmasking.

Each carries the bytes as they crossed the socket; how they look is the renderer's business
(`netlearn.lessons.websocket.render`, which the render dispatch imports the first time it meets
one of these events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlearn.events import Event, FieldInfo


@dataclass(frozen=True, kw_only=True)
class SocketCall(Event):
    """A socket system call one side made, and what it returned."""

    kind: ClassVar[str] = "socket-call"
    side: str
    call: str
    result: str = ""
    meaning: str = ""


@dataclass(frozen=True, kw_only=True)
class HeaderNote:
    """One HTTP header as sent, with what it means."""

    name: str
    value: str
    meaning: str = ""


@dataclass(frozen=True, kw_only=True)
class HttpMessage(Event):
    """An HTTP request or response head (and body, if any) exactly as it crossed the socket."""

    kind: ClassVar[str] = "http-message"
    src: str
    dst: str
    label: str
    raw: bytes
    start_line: str
    start_meaning: str = ""
    headers: tuple[HeaderNote, ...] = ()
    body: bytes = b""


@dataclass(frozen=True, kw_only=True)
class AcceptProof(Event):
    """Sec-WebSocket-Accept computed stage by stage from Sec-WebSocket-Key."""

    kind: ClassVar[str] = "ws-accept"
    key: str
    guid: str
    joined: str
    digest: bytes
    accept: str
    key_bytes: bytes = b""


@dataclass(frozen=True, kw_only=True)
class WsFrame(Event):
    """One WebSocket frame as it crossed the socket, decoded field by field.

    `fields` come from the scapy `WebSocketFrame` layer's `fields_desc` (header fields only);
    `payload` is the payload with any mask removed. `detail` asks for the full bit-by-bit view
    rather than one line; `explain` adds what each field means (once per scene is enough).
    """

    kind: ClassVar[str] = "ws-frame"
    src: str
    dst: str
    raw: bytes
    header_len: int
    fin: bool
    opcode: int
    opname: str
    masked: bool
    masking_key: bytes
    length: int
    payload: bytes
    meaning: str
    fields: tuple[FieldInfo, ...] = ()
    label: str = ""
    detail: bool = True
    explain: bool = True


@dataclass(frozen=True, kw_only=True)
class Unmask(Event):
    """The receiver removing the client's mask: clear[i] = masked[i] XOR key[i mod 4]."""

    kind: ClassVar[str] = "ws-unmask"
    key: bytes
    masked: bytes
    clear: bytes
    shown: int = 16


@dataclass(frozen=True, kw_only=True)
class ServerLog(Event):
    """One line about a connection of the `serve` server (opened, refused, closed, ...)."""

    kind: ClassVar[str] = "ws-log"
    conn: int
    peer: str
    text: str
    tone: str = "explain"
