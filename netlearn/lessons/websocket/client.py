"""A small blocking WebSocket client on the lesson's sans-I/O `ClientConnection` (h11 + wsproto).

For scripts and the interoperability tests: `with WsClient("ws://127.0.0.1:8765/echo") as ws:`
then `ws.send("hi")`, `ws.recv()`. Every call has a timeout; `close()` runs the closing handshake.
It exists to drive this lesson's own client machine against peers we did not write; a client
that is only a WebSocket peer is the live toolkit's `netlearn.live.wsclient.PlainWebSocket`.
"""

from __future__ import annotations

import base64
import os
import socket
from urllib.parse import urlsplit

from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Pong,
    TextMessage,
)

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.lessons.websocket.protocol import ClientConnection, Failure, Received, ResponseIn


class WsClient:
    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        origin: str | None = None,
        key: str | None = None,
        max_message: int | None = 1 << 24,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "ws" or not parts.hostname:
            raise NetlearnError(say("websocket.cli.client.not-ws-url", url=repr(url)))
        self.host = parts.hostname
        self.port = parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = parts.netloc
        key = key or base64.b64encode(os.urandom(16)).decode()
        extra = (("Origin", origin),) if origin else ()
        self.proto = ClientConnection(
            host_header, target, key=key, extra_headers=extra, max_message=max_message
        )
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.response: ResponseIn | None = None
        self.pending: list[object] = []
        self.parts: list[str | bytes] = []
        self.close_event: CloseConnection | None = None

    def connect(self) -> ResponseIn:
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.sendall(self.proto.request())
        while self.response is None:
            self._read()
        if not self.response.accepted:
            raise NetlearnError(say("websocket.cli.client.refused", problem=self.response.problem))
        return self.response

    def _read(self) -> None:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            self.proto.eof()
            if self.response is None:
                raise NetlearnError(say("websocket.cli.client.closed-in-handshake"))
            raise ConnectionError(say("websocket.cli.client.closed"))
        for item in self.proto.receive_data(data):
            if isinstance(item, ResponseIn):
                self.response = item
            elif isinstance(item, Received):
                self.pending.extend(item.events)
            elif isinstance(item, Failure):
                self._send(CloseConnection(code=item.code, reason=item.reason))
                raise NetlearnError(say("websocket.cli.client.broke-protocol", reason=item.reason))

    def _send(self, event: object) -> None:
        assert self.sock is not None
        self.sock.sendall(self.proto.send(event))  # type: ignore[arg-type]

    def send(self, data: str | bytes) -> None:
        self._send(TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data))

    def ping(self, payload: bytes = b"") -> None:
        self._send(Ping(payload=payload))

    def recv(self) -> str | bytes | Pong | CloseConnection:
        """The next whole message (a pong or the server's close are returned as events)."""
        while True:
            while self.pending:
                event = self.pending.pop(0)
                if isinstance(event, Message):
                    self.parts.append(event.data)
                    if event.message_finished:
                        parts, self.parts = self.parts, []
                        if isinstance(parts[0], str):
                            return "".join(str(p) for p in parts)
                        return b"".join(bytes(p) for p in parts)  # type: ignore[arg-type]
                elif isinstance(event, Ping):
                    self._send(event.response())
                elif isinstance(event, Pong):
                    return event
                elif isinstance(event, CloseConnection):
                    self.close_event = event
                    return event
            self._read()

    def close(self, code: int = 1000, reason: str = "") -> CloseConnection | None:
        """Send a close frame, wait for the server's, then close the socket."""
        if self.sock is None:
            return None
        try:
            ws = self.proto.ws
            if ws is not None and ws.state.name == "OPEN":
                self._send(CloseConnection(code=code, reason=reason))
                while self.close_event is None:
                    self.recv()
        except (OSError, ConnectionError):
            pass
        finally:
            self.sock.close()
            self.sock = None
        return self.close_event

    def __enter__(self) -> WsClient:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
