"""Sans-I/O WebSocket connections: bytes in, events out, bytes to send back. No sockets here.

`ServerConnection` reads one HTTP request with h11, hands a WebSocket handshake to wsproto (which
validates it and writes the 101 response), and from then on cuts the byte stream into frames for
wsproto, enforcing a message size limit before a payload is buffered. `ClientConnection` writes
its upgrade request with h11 (so the lesson chooses the key), checks the server's answer as RFC
6455 section 4.1 requires, then hands the connection to wsproto. The live demo and the `serve`
server drive these objects; the bytes they return are the bytes that go on the socket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Message, Request
from wsproto.events import Event as WsEvent
from wsproto.utilities import RemoteProtocolError

from netlearn.lessons.websocket.frames import FrameHead, is_control, parse_head
from netlearn.lessons.websocket.handshake import accept_for, key_is_valid

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
class ResponseIn:
    """The server's answer to the client's upgrade request, as received."""

    raw: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    accepted: bool = False
    problem: str = ""


@dataclass
class Received:
    """One whole frame as it arrived, and the wsproto events it produced."""

    raw: bytes
    head: FrameHead
    events: list[WsEvent] = field(default_factory=list)
    message: int | None = None  # opcode of the message a continuation frame belongs to


@dataclass
class Failure:
    """The peer broke the protocol: the close code to send, why, and the RFC 6455 section."""

    code: int
    reason: str
    section: str


@dataclass
class BadRequest:
    """Bytes that are not an HTTP request at all (h11 could not parse them)."""

    refusal: Refusal
    raw: bytes


Incoming = RequestIn | ResponseIn | Received | Failure | BadRequest


# ------------------------------------------------------------------ frames after the handshake


def _short_reason(reason: str) -> str:
    """wsproto's reasons, made readable (a close frame's reason has at most 123 bytes)."""
    import re

    match = re.search(r"can't decode byte (0x[0-9a-f]+) in position (\d+): (.*)", reason)
    if match:
        return f"text is not valid UTF-8: byte {match[1]}: {match[3]}"
    return reason


def _failure_section(code: int, reason: str) -> str:
    text = reason.lower()
    if "unmasked" in text or "masked frame" in text:
        return "5.1 and 5.3"
    if code == 1007:
        return "8.1"
    if "continuation" in text:
        return "5.4"
    if "control frame" in text:
        return "5.5"
    if "close" in text:
        return "5.5.1 and 7.4"
    return "5.2"


class FrameReader:
    """Cuts a byte stream into whole frames, checks the size limit, and feeds wsproto.

    The limit is checked as soon as a header arrives (RFC 6455 section 10.4: an endpoint must
    protect itself against messages over its limits), so an oversized payload is never buffered.
    A frame's bytes go to wsproto as they arrive, not when the frame is whole: wsproto checks a
    text message's UTF-8 incrementally, so a bad byte fails the connection (1007) the moment it
    arrives, even in a frame whose payload is still on its way (RFC 6455 section 8.1). What the
    caller gets is still one `Received` per whole frame, its events merged.
    """

    def __init__(self, conn: Connection, max_message: int | None = None) -> None:
        self.conn = conn
        self.max_message = max_message
        self.buf = bytearray()
        self.fed = 0  # bytes of the frame at the start of `buf` that wsproto has seen
        self.events: list[WsEvent] = []  # wsproto's events for that frame so far
        self.message_size = 0  # bytes of the data message being reassembled so far
        self.message: int | None = None  # its opcode, while it is fragmented
        self.failed = False

    def _pass_on(self, data: bytes) -> Failure | None:
        """Give wsproto more of the current frame; keep its events, or say how it failed."""
        self.conn.receive_data(data)
        for event in self.conn.events():
            # wsproto reports a protocol violation it detected as a CloseConnection while the
            # connection is still OPEN (a real close from the peer moves it to REMOTE_CLOSING).
            if isinstance(event, CloseConnection) and self.conn.state is ConnectionState.OPEN:
                code, reason = int(event.code), _short_reason(event.reason or "")
                return Failure(code, reason, _failure_section(code, reason))
            self.events.append(event)
        return None

    def feed(self, data: bytes) -> list[Received | Failure]:
        if self.failed or self.conn.state is ConnectionState.CLOSED:
            return []
        self.buf += data
        out: list[Received | Failure] = []
        while not self.failed:
            head = parse_head(self.buf)
            if head is None:
                break
            if (
                not self.fed
                and self.max_message is not None
                and not is_control(head.opcode)
                and self.message_size + head.length > self.max_message
            ):
                self.failed = True
                out.append(
                    Failure(
                        1009,
                        f"message of {self.message_size + head.length} bytes is over this "
                        f"endpoint's limit of {self.max_message} bytes",
                        "7.4.1 and 10.4",
                    )
                )
                break
            have = min(len(self.buf), head.total)
            failure = None
            if have > self.fed:
                failure = self._pass_on(bytes(self.buf[self.fed : have]))
                self.fed = have
            if failure is not None and have < head.total:
                self.failed = True  # failed before the frame was even whole
                out.append(failure)
                break
            if have < head.total:
                break
            raw = bytes(self.buf[: head.total])
            del self.buf[: head.total]
            message = self.message if head.opcode == 0 else None
            events, self.events, self.fed = _merged(self.events), [], 0
            out.append(Received(raw, head, events, message))
            if failure is not None:
                self.failed = True
                out.append(failure)
                break
            if not is_control(head.opcode):
                if head.fin:
                    self.message_size, self.message = 0, None
                else:
                    self.message_size += head.length
                    if head.opcode:
                        self.message = head.opcode
            if self.conn.state is ConnectionState.CLOSED:
                break
        return out


def _merged(events: list[WsEvent]) -> list[WsEvent]:
    """One frame's message events, which wsproto gives piece by piece, as one event."""
    out: list[WsEvent] = []
    for event in events:
        last = out[-1] if out else None
        if isinstance(event, Message) and type(last) is type(event):
            assert isinstance(last, Message)
            out[-1] = type(event)(
                data=last.data + event.data,  # type: ignore[operator]
                frame_finished=event.frame_finished,
                message_finished=event.message_finished,
            )
        else:
            out.append(event)
    return out


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


def _wsproto_refusal(exc: RemoteProtocolError) -> Refusal:
    """wsproto's own verdict on a bad handshake, with the RFC section it enforces."""
    message = str(exc)
    hint = exc.event_hint
    status = getattr(hint, "status_code", 400)
    headers = tuple(
        (k.decode("latin-1"), v.decode("latin-1")) for k, v in getattr(hint, "headers", ())
    )
    sections = {
        "Request method must be GET": "4.2.1, item 1",
        "Missing header, 'Connection: Upgrade'": "4.2.1, item 4",
        "Missing header, 'Sec-WebSocket-Key'": "4.2.1, item 5",
        "Missing header, 'Upgrade: websocket'": "4.2.1, item 3",
        "Missing header, 'Host'": "4.2.1, item 2",
    }
    section = sections.get(message, "4.2.1")
    if "Sec-WebSocket-Version" in message:
        if status == 426:
            message = "this server speaks WebSocket version 13 only"
            section = "4.2.2 and 4.4"
            # RFC 9110 section 15.5.22: a 426 MUST name the protocol to upgrade to.
            headers = (("Upgrade", "websocket"), *headers)
        else:
            section = "4.2.1, item 6"
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
        self.state = "request"  # request -> open | responded; open -> closed
        self.request: RequestIn | None = None
        self.reader: FrameReader | None = None

    @property
    def ws(self) -> Connection | None:
        """wsproto's connection once the handshake is accepted."""
        return self._ws.connection

    def receive_data(self, data: bytes) -> list[Incoming]:
        """Feed bytes from the socket; get what they complete."""
        if self.state == "open":
            assert self.reader is not None
            return list(self.reader.feed(data))
        if self.state != "request":
            return []
        self._raw += data
        cut = self._raw.find(b"\r\n\r\n")
        if (cut < 0 and len(self._raw) > self.max_head) or cut + 4 > self.max_head:
            self.state = "responded"
            refusal = Refusal(
                431, "the request head is larger than this server accepts", "RFC 6585 section 5"
            )
            return [BadRequest(refusal, bytes(self._raw[: self.max_head]))]
        self._h11.receive_data(data)
        try:
            return self._read_request()
        except h11.RemoteProtocolError as exc:
            self.state = "responded"
            status = exc.error_status_hint
            reason = (
                "the request head is larger than this server accepts"
                if status == 431
                else f"not a valid HTTP/1.1 request ({str(exc).split(':')[0]})"
            )
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
            req.refusal = Refusal(404, f"no WebSocket endpoint at {req.path}", "4.2.1")
        return [req]

    def _check_handshake(self, req: RequestIn, event: h11.Request) -> None:
        if event.http_version < b"1.1":
            req.refusal = Refusal(400, "a handshake must be HTTP/1.1 or later", "4.2.1, item 1")
            return
        try:
            self._ws.receive_data(req.raw)
            events = list(self._ws.events())
        except RemoteProtocolError as exc:
            req.refusal = _wsproto_refusal(exc)
            return
        upgrade = next((e for e in events if isinstance(e, Request)), None)
        key = req.header("sec-websocket-key") or ""
        if upgrade is None:
            req.refusal = Refusal(400, "not a WebSocket handshake", "4.2.1")
        elif not key_is_valid(key):
            req.refusal = Refusal(
                400, "Sec-WebSocket-Key must be the base64 of 16 bytes", "4.2.1, item 5"
            )
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
        self.state = "open"
        early = self.reader.feed(self._trailing) if self._trailing else []
        return data, early

    def refuse(self, refusal: Refusal) -> bytes:
        """An HTTP error response that ends the handshake (and the connection)."""
        self.state = "responded"
        return http_response(
            refusal.status,
            f"{refusal.reason} (RFC 6455 section {refusal.section})\n".encode()
            if "RFC" not in refusal.section
            else f"{refusal.reason} ({refusal.section})\n".encode(),
            refusal.headers,
        )

    def respond(self, data: bytes) -> bytes:
        """Send a plain HTTP response the application made (a page, a 404)."""
        self.state = "responded"
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


# ------------------------------------------------------------------ the client side


class ClientConnection:
    """The client's side: an upgrade request written with h11, then frames through wsproto.

    `headers` replaces the standard handshake headers when given, so that the demo can send
    deliberately broken requests (no Upgrade header, a wrong version) through the same code.
    """

    def __init__(
        self,
        host: str,
        target: str = "/",
        *,
        key: str,
        headers: list[tuple[str, str]] | None = None,
        extra_headers: tuple[tuple[str, str], ...] = (),
        max_message: int | None = None,
    ) -> None:
        self.host = host
        self.target = target
        self.key = key
        base = headers if headers is not None else standard_headers(host, key)
        self.headers = [*base, *extra_headers]
        self.max_message = max_message
        self._h11 = h11.Connection(h11.CLIENT)
        self._raw = bytearray()
        self.state = "new"  # new -> requested -> open | refused
        self.ws: Connection | None = None
        self.reader: FrameReader | None = None
        self.response: ResponseIn | None = None
        self._status = 0
        self._resp_headers: list[tuple[str, str]] = []
        self._body = bytearray()

    def request(self) -> bytes:
        self.state = "requested"
        return (
            self._h11.send(h11.Request(method="GET", target=self.target, headers=self.headers))
            or b""
        )

    def receive_data(self, data: bytes) -> list[Incoming]:
        if self.state == "open":
            assert self.reader is not None
            return list(self.reader.feed(data))
        if self.state != "requested":
            return []
        self._raw += data
        self._h11.receive_data(data)
        out: list[Incoming] = []
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                self.state = "refused"
                out.append(ResponseIn(bytes(self._raw), 0, [], problem=f"bad HTTP response: {exc}"))
                return out
            if event is h11.NEED_DATA:
                return out
            if event is h11.PAUSED:
                return out + self._switched()
            if isinstance(event, h11.InformationalResponse | h11.Response):
                self._status = event.status_code
                self._resp_headers = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in event.headers.raw_items()
                ]
                if event.status_code == 101:
                    continue
            elif isinstance(event, h11.Data):
                self._body += event.data
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                self.state = "refused"
                out.append(
                    ResponseIn(
                        bytes(self._raw),
                        self._status,
                        self._resp_headers,
                        bytes(self._body),
                        problem=f"the server answered {self._status}, not 101",
                    )
                )
                return out

    def _switched(self) -> list[Incoming]:
        trailing = self._h11.trailing_data[0]
        raw = bytes(self._raw[: len(self._raw) - len(trailing)])
        problem = check_accept(self._resp_headers, self.key)
        resp = ResponseIn(raw, 101, self._resp_headers, accepted=not problem, problem=problem)
        self.response = resp
        if problem:
            self.state = "refused"
            return [resp]
        self.state = "open"
        self.ws = Connection(ConnectionType.CLIENT)
        self.reader = FrameReader(self.ws, self.max_message)
        return [resp, *self.reader.feed(trailing)]

    def eof(self) -> None:
        """The server closed the TCP connection."""
        if self.ws is not None and self.ws.state is not ConnectionState.CLOSED:
            self.ws.receive_data(None)

    def send(self, event: WsEvent) -> bytes:
        assert self.ws is not None
        return self.ws.send(event)


def standard_headers(host: str, key: str, version: str = "13") -> list[tuple[str, str]]:
    """The handshake headers RFC 6455 section 4.1 requires of a client, in its order."""
    return [
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", version),
    ]


def check_accept(headers: list[tuple[str, str]], key: str) -> str:
    """What is wrong with a 101 response, per RFC 6455 section 4.1 (empty when all is right)."""
    got = {k.lower(): v for k, v in headers}
    if got.get("upgrade", "").lower() != "websocket":
        return "the 101 response lacks 'Upgrade: websocket' (RFC 6455 section 4.1)"
    if "upgrade" not in [t.strip().lower() for t in got.get("connection", "").split(",")]:
        return "the 101 response lacks 'Connection: Upgrade' (RFC 6455 section 4.1)"
    if got.get("sec-websocket-accept") != accept_for(key):
        return "Sec-WebSocket-Accept does not match the key (RFC 6455 section 4.1)"
    if "sec-websocket-extensions" in got:
        return "the server chose an extension the client did not offer (RFC 6455 section 4.1)"
    if "sec-websocket-protocol" in got:
        return "the server chose a subprotocol the client did not offer (RFC 6455 section 4.1)"
    return ""
