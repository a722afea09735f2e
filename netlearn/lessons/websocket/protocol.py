"""Sans-I/O WebSocket connections: bytes in, events out, bytes to send back. No sockets here.

`ServerConnection` reads one HTTP request with h11, hands a WebSocket handshake to wsproto (which
validates it and writes the 101 response), and from then on cuts the byte stream into frames for
wsproto, enforcing a message size limit before a payload is buffered. `ClientConnection` writes
its upgrade request with h11 (so the lesson chooses the key), checks the server's answer as RFC
6455 section 4.1 requires, then hands the connection to wsproto. The live demo and the `serve`
server drive these objects; the bytes they return are the bytes that go on the socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Request
from wsproto.events import Event as WsEvent
from wsproto.utilities import RemoteProtocolError

from netlearn.content.words import say
from netlearn.lessons.websocket.handshake import key_is_valid
from netlearn.lessons.websocket.protocol_client import (
    ClientConnection,
    ResponseIn,
    check_accept,
    standard_headers,
)
from netlearn.lessons.websocket.protocol_frames import (
    SECTIONS,
    Failure,
    FrameReader,
    Received,
    Why,
    classify,
)
from netlearn.lessons.websocket.protocol_states import (
    SERVER_MOVES,
    ClientMove,
    ClientState,
    MoveError,
    ServerMove,
    ServerState,
    _move,
)

__all__ = [
    "SECTIONS",
    "BadRequest",
    "ClientConnection",
    "ClientMove",
    "ClientState",
    "Failure",
    "FrameReader",
    "Incoming",
    "MoveError",
    "Received",
    "Refusal",
    "RequestIn",
    "ResponseIn",
    "ServerConnection",
    "ServerMove",
    "ServerState",
    "Why",
    "check_accept",
    "classify",
    "http_response",
    "standard_headers",
]

MAX_HEAD = 16 * 1024
REASONS = {
    101: "Switching Protocols",
    200: "OK",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    421: "Misdirected Request",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
    503: "Service Unavailable",
}


# ------------------------------------------------------------------ what the connections report


@dataclass
class Refusal:
    """Why a handshake is refused: the HTTP status, a reason, the RFC 6455 section."""

    status: int
    reason: str
    section: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class RequestIn:
    """One complete HTTP request head, as received. `upgrade` is wsproto's reading of it when it
    is a valid WebSocket handshake; `refusal` says why not when it tried to be one."""

    raw: bytes
    method: str
    target: str
    path: str
    headers: list[tuple[str, str]]
    upgrade: Request | None = None
    refusal: Refusal | None = None

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


@dataclass
class BadRequest:
    """Bytes that are not an HTTP request at all (h11 could not parse them)."""

    refusal: Refusal
    raw: bytes


Incoming = RequestIn | ResponseIn | Received | Failure | BadRequest


# ------------------------------------------------------------------ plain HTTP responses


def http_response(
    status: int,
    body: bytes = b"",
    headers: tuple[tuple[str, str], ...] = (),
    content_type: str = "text/plain; charset=utf-8",
) -> bytes:
    """A complete HTTP/1.1 response that closes the connection (used for every non-101 answer)."""
    lines = [f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}"]
    lines += [f"{k}: {v}" for k, v in headers]
    # A response that carries Upgrade (a 426) must list "upgrade" in Connection (RFC 9110
    # section 7.8); every one of these responses also closes the connection.
    upgrade = any(k.lower() == "upgrade" for k, _ in headers)
    lines += [
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Connection: Upgrade, close" if upgrade else "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _handshake_rule(req: RequestIn) -> str:
    """The rule of RFC 6455 section 4.2.1 a refused request broke, checked in wsproto's order."""
    tokens = [t.strip().lower() for t in (req.header("connection") or "").split(",")]
    if req.method != "GET":
        return "4.2.1, item 1"
    if "upgrade" not in tokens:
        return "4.2.1, item 4"
    if req.header("sec-websocket-version") != "13":
        return "4.2.1, item 6"
    if req.header("sec-websocket-key") is None:
        return "4.2.1, item 5"
    if (req.header("upgrade") or "").lower() != "websocket":
        return "4.2.1, item 3"
    if req.header("host") is None:
        return "4.2.1, item 2"
    return "4.2.1"


def _wsproto_refusal(exc: RemoteProtocolError, req: RequestIn) -> Refusal:
    """wsproto's own verdict on a bad handshake (its status and message), with the RFC section
    it enforces, found from the request itself."""
    message = str(exc)
    hint = exc.event_hint
    status = getattr(hint, "status_code", 400)
    headers = tuple(
        (k.decode("latin-1"), v.decode("latin-1")) for k, v in getattr(hint, "headers", ())
    )
    section = _handshake_rule(req)
    if status == 426:  # a version, but not 13
        message = say("websocket.protocol.refusals.version-13")
        section = "4.2.2 and 4.4"
        # RFC 9110 section 15.5.22: a 426 MUST name the protocol to upgrade to.
        headers = (("Upgrade", "websocket"), *headers)
    return Refusal(status, message, section, headers)


class ServerConnection:
    """The server's side of one TCP connection: one HTTP request, then maybe WebSocket frames."""

    def __init__(
        self,
        *,
        endpoints: tuple[str, ...] | None = None,
        max_message: int | None = 1 << 20,
        max_head: int = MAX_HEAD,
    ) -> None:
        self.endpoints = endpoints
        self.max_message = max_message
        self.max_head = max_head
        self._h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=max_head)
        self._ws = WSConnection(ConnectionType.SERVER)
        self._raw = bytearray()
        self._trailing = b""
        self.state = ServerState.REQUEST
        self.request: RequestIn | None = None
        self.reader: FrameReader | None = None

    def _do(self, move: ServerMove) -> None:
        self.state = _move(SERVER_MOVES, self.state, move)

    @property
    def ws(self) -> Connection | None:
        """wsproto's connection once the handshake is accepted."""
        return self._ws.connection

    def receive_data(self, data: bytes) -> list[Incoming]:
        """Feed bytes from the socket; get what they complete."""
        if self.state is ServerState.OPEN:
            assert self.reader is not None
            return list(self.reader.feed(data))
        if self.state is not ServerState.REQUEST:
            return []
        self._raw += data
        cut = self._raw.find(b"\r\n\r\n")
        if (cut < 0 and len(self._raw) > self.max_head) or cut + 4 > self.max_head:
            self._do(ServerMove.UNREADABLE)
            reason = say("websocket.protocol.refusals.head-too-large")
            refusal = Refusal(431, reason, "RFC 6585 section 5")
            return [BadRequest(refusal, bytes(self._raw[: self.max_head]))]
        self._h11.receive_data(data)
        try:
            return self._read_request()
        except h11.RemoteProtocolError as exc:
            self._do(ServerMove.UNREADABLE)
            status = exc.error_status_hint
            if status == 431:
                reason = say("websocket.protocol.refusals.head-too-large")
            else:
                what = str(exc).split(":")[0]
                reason = say("websocket.protocol.refusals.not-http", what=what)
            section = "RFC 9112 section 2" if status == 400 else "RFC 6585 section 5"
            return [BadRequest(Refusal(status, reason, section), bytes(self._raw))]

    def _read_request(self) -> list[Incoming]:
        event = self._h11.next_event()
        while not isinstance(event, h11.Request):
            if event is h11.NEED_DATA:
                return []
            event = self._h11.next_event()
        # The request head is complete. Find where it ends in the raw bytes: once the request is
        # done h11 pauses, holding whatever came after it as trailing data.
        nxt = self._h11.next_event()
        while nxt is not h11.PAUSED and nxt is not h11.NEED_DATA:
            nxt = self._h11.next_event()
        if nxt is h11.PAUSED:
            self._trailing = self._h11.trailing_data[0]
            head = bytes(self._raw[: len(self._raw) - len(self._trailing)])
        else:  # a body is still arriving: the head ends at the first blank line
            cut = self._raw.find(b"\r\n\r\n")
            head = bytes(self._raw[: cut + 4] if cut >= 0 else self._raw)
        target = event.target.decode("latin-1")
        req = RequestIn(
            raw=head,
            method=event.method.decode("latin-1"),
            target=target,
            path=urlsplit(target).path or "/",
            headers=[
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items()
            ],
        )
        self.request = req
        wants_ws = self.endpoints is None or req.path in self.endpoints
        tried_ws = req.header("upgrade") is not None or req.header("sec-websocket-key") is not None
        if wants_ws:
            self._check_handshake(req, event)
        elif tried_ws:
            reason = say("websocket.protocol.refusals.no-endpoint", path=req.path)
            req.refusal = Refusal(404, reason, "4.2.1")
        return [req]

    def _check_handshake(self, req: RequestIn, event: h11.Request) -> None:
        if event.http_version < b"1.1":
            reason = say("websocket.protocol.refusals.http-10")
            req.refusal = Refusal(400, reason, "4.2.1, item 1")
            return
        try:
            self._ws.receive_data(req.raw)
            events = list(self._ws.events())
        except RemoteProtocolError as exc:
            req.refusal = _wsproto_refusal(exc, req)
            return
        upgrade = next((e for e in events if isinstance(e, Request)), None)
        key = req.header("sec-websocket-key") or ""
        if upgrade is None:
            req.refusal = Refusal(400, say("websocket.protocol.refusals.not-handshake"), "4.2.1")
        elif not key_is_valid(key):
            reason = say("websocket.protocol.refusals.bad-key")
            req.refusal = Refusal(400, reason, "4.2.1, item 5")
        else:
            req.upgrade = upgrade

    def accept(
        self, extra_headers: tuple[tuple[str, str], ...] = ()
    ) -> tuple[bytes, list[Received | Failure]]:
        """The 101 response (written by wsproto), and any frames that arrived with the request."""
        if self.request is None or self.request.upgrade is None:
            raise RuntimeError("accept() needs a valid handshake request")
        data = self._ws.send(
            AcceptConnection(extra_headers=[(k.encode(), v.encode()) for k, v in extra_headers])
        )
        assert self._ws.connection is not None
        self.reader = FrameReader(self._ws.connection, self.max_message)
        self._do(ServerMove.ACCEPT)
        early = self.reader.feed(self._trailing) if self._trailing else []
        return data, early

    def refuse(self, refusal: Refusal) -> bytes:
        """An HTTP error response that ends the handshake (and the connection)."""
        self._do(ServerMove.REFUSE)
        reason, section = refusal.reason, refusal.section
        if "RFC" not in section:
            body = say("websocket.protocol.refusals.body-rfc6455", reason=reason, section=section)
        else:
            body = say("websocket.protocol.refusals.body", reason=reason, section=section)
        return http_response(refusal.status, body.encode(), refusal.headers)

    def respond(self, data: bytes) -> bytes:
        """Send a plain HTTP response the application made (a page, a 404)."""
        self._do(ServerMove.RESPOND)
        return data

    def send(self, event: WsEvent) -> bytes:
        """A frame for a wsproto event (TextMessage, Ping, CloseConnection, ...)."""
        assert self._ws.connection is not None
        return self._ws.send(event)

    def fail(self, failure: Failure) -> bytes:
        """The Close frame that fails the connection (RFC 6455 section 7.1.7)."""
        conn = self._ws.connection
        if conn is None or conn.state not in (ConnectionState.OPEN, ConnectionState.REMOTE_CLOSING):
            return b""
        return conn.send(CloseConnection(code=failure.code, reason=failure.reason[:120]))
