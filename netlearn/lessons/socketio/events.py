"""Events of the Socket.IO lesson: what crossed the wire, what it meant, what was proven.

Drawn by `netlearn.lessons.socketio.render`, which the render dispatch finds from this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlearn.events import Event


@dataclass(frozen=True, kw_only=True)
class HttpLine(Event):
    """An HTTP request or response on one client's connection (the Engine.IO transport).

    `actor` is the client; `direction` is "up" (client to server) or "down"; `line` is the
    request line or the status line as sent; `note` says what it is for.
    """

    kind: ClassVar[str] = "sio-http"
    direction: str
    line: str
    note: str = ""
    peer: str = "server"
    conn: int = 0


@dataclass(frozen=True, kw_only=True)
class WirePacket(Event):
    """One Engine.IO packet as it crossed, and what it means.

    `raw` is the packet exactly as it was on the wire (the text of a WebSocket frame or of one
    piece of a polling body; for a binary frame, its bytes); `meaning` decodes it in words.
    """

    kind: ClassVar[str] = "sio-packet"
    direction: str
    transport: str
    raw: str | bytes
    eio: str
    sio: str = ""
    meaning: str = ""
    peer: str = "server"
    conn: int = 0


@dataclass(frozen=True, kw_only=True)
class LinkNote(Event):
    """Something about the connection itself: a WebSocket close frame, TCP closed, cut."""

    kind: ClassVar[str] = "sio-link"
    direction: str
    text: str
    peer: str = "server"
    conn: int = 0


@dataclass(frozen=True, kw_only=True)
class BrokerMessage(Event):
    """A message one server published on the message broker, for the other servers."""

    kind: ClassVar[str] = "sio-broker"
    server: str
    raw: str
    meaning: str = ""


@dataclass(frozen=True, kw_only=True)
class HandlerRan(Event):
    """A handler of the server's application code ran (what `io.on`/`socket.on` registered)."""

    kind: ClassVar[str] = "sio-handler"
    server: str
    call: str


@dataclass(frozen=True, kw_only=True)
class ServerLog(Event):
    """A record the server's logger wrote (python-socketio's own logging)."""

    kind: ClassVar[str] = "sio-log"
    level: str
    logger: str
    message: str


@dataclass(frozen=True, kw_only=True)
class Check(Event):
    """One item of the "proof of life" checklist was observed, with what proves it."""

    kind: ClassVar[str] = "sio-check"
    item: str
    evidence: str


@dataclass(frozen=True, kw_only=True)
class Checklist(Event):
    """The whole checklist: (item, observed, evidence) for each."""

    kind: ClassVar[str] = "sio-checklist"
    items: tuple[tuple[str, bool, str], ...]


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """One server call and which clients got its packet."""

    javascript: str
    python: str
    packet: str
    got: tuple[tuple[str, bool], ...]


@dataclass(frozen=True, kw_only=True)
class DeliveryTable(Event):
    """Side by side: several ways to emit, and who received each."""

    kind: ClassVar[str] = "sio-delivery"
    title: str
    rows: tuple[Delivery, ...]
    caption: str = ""


@dataclass(frozen=True, kw_only=True)
class CodePair(Event):
    """The same idea in JavaScript (the tutorials) and in Python (python-socketio)."""

    kind: ClassVar[str] = "sio-code"
    title: str
    javascript: str
    python: str
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class PacketPart:
    """One piece of a packet string: its text, which field it is, and what it says."""

    text: str
    field: str
    meaning: str


@dataclass(frozen=True, kw_only=True)
class DecodedPacket(Event):
    """A packet string taken apart, piece by piece, with what it asks of the receiver."""

    kind: ClassVar[str] = "sio-decoded"
    raw: str
    summary: str
    parts: tuple[PacketPart, ...]
    details: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
