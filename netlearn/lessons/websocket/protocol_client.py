"""The client's side of the WebSocket handshake, sans-I/O: an upgrade request written with h11,
the 101 checked as RFC 6455 section 4.1 requires, then frames through wsproto."""

from __future__ import annotations

from dataclasses import dataclass

import h11
from wsproto import ConnectionType
from wsproto.connection import Connection, ConnectionState
from wsproto.events import Event as WsEvent

from netlearn.content.words import say
from netlearn.lessons.websocket.handshake import accept_for
from netlearn.lessons.websocket.protocol_frames import Failure, FrameReader, Received
from netlearn.lessons.websocket.protocol_states import (
    CLIENT_MOVES,
    ClientMove,
    ClientState,
    _move,
)


@dataclass
class ResponseIn:
    """The server's answer to the client's upgrade request, as received."""

    raw: bytes
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    accepted: bool = False
    problem: str = ""


ClientIncoming = ResponseIn | Received | Failure


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
        self.state = ClientState.NEW
        self.ws: Connection | None = None
        self.reader: FrameReader | None = None
        self.response: ResponseIn | None = None
        self._status = 0
        self._resp_headers: list[tuple[str, str]] = []
        self._body = bytearray()

    def _do(self, move: ClientMove) -> None:
        self.state = _move(CLIENT_MOVES, self.state, move)

    def request(self) -> bytes:
        self._do(ClientMove.REQUEST)
        return (
            self._h11.send(h11.Request(method="GET", target=self.target, headers=self.headers))
            or b""
        )

    def receive_data(self, data: bytes) -> list[ClientIncoming]:
        if self.state is ClientState.OPEN:
            assert self.reader is not None
            return list(self.reader.feed(data))
        if self.state is not ClientState.REQUESTED:
            return []
        self._raw += data
        self._h11.receive_data(data)
        out: list[ClientIncoming] = []
        while True:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as exc:
                self._do(ClientMove.REJECTED)
                problem = say("websocket.protocol.problems.bad-response", error=exc)
                out.append(ResponseIn(bytes(self._raw), 0, [], problem=problem))
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
                self._do(ClientMove.REJECTED)
                out.append(
                    ResponseIn(
                        bytes(self._raw),
                        self._status,
                        self._resp_headers,
                        bytes(self._body),
                        problem=say("websocket.protocol.problems.not-101", status=self._status),
                    )
                )
                return out

    def _switched(self) -> list[ClientIncoming]:
        trailing = self._h11.trailing_data[0]
        raw = bytes(self._raw[: len(self._raw) - len(trailing)])
        problem = check_accept(self._resp_headers, self.key)
        resp = ResponseIn(raw, 101, self._resp_headers, accepted=not problem, problem=problem)
        self.response = resp
        if problem:
            self._do(ClientMove.REJECTED)
            return [resp]
        self._do(ClientMove.SWITCHED)
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
        return say("websocket.protocol.problems.no-upgrade")
    if "upgrade" not in [t.strip().lower() for t in got.get("connection", "").split(",")]:
        return say("websocket.protocol.problems.no-connection")
    if got.get("sec-websocket-accept") != accept_for(key):
        return say("websocket.protocol.problems.accept-mismatch")
    if "sec-websocket-extensions" in got:
        return say("websocket.protocol.problems.extension")
    if "sec-websocket-protocol" in got:
        return say("websocket.protocol.problems.subprotocol")
    return ""
