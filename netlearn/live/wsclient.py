"""A blocking WebSocket client on plain wsproto: a WebSocket peer none of our machines wrote.

It knows nothing of the lessons' machines: `connect()` does the opening handshake (a `Refused`
when the server answers with an HTTP status instead of 101), `send` and `recv` exchange whole
messages (pings are answered), `close` sends a close frame. Every wait has a timeout::

    ws = PlainWebSocket("127.0.0.1", port, "/chat", timeout=5)
    if ws.connect() is None:
        ws.send("hello")
        print(ws.recv())          # the next whole message; None once the connection closed
        ws.close()

The Socket.IO lesson uses it as its "outsider", the peer that speaks RFC 6455 and nothing more.
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)


@dataclass(frozen=True)
class Refused:
    """The server answered the opening handshake with an HTTP status instead of 101."""

    status: int
    body: bytes


class PlainWebSocket:
    """Blocking, single-threaded, with a timeout on every wait.

    `origin`: an Origin header to send, as a browser would."""

    def __init__(
        self,
        host: str,
        port: int,
        target: str,
        timeout: float = 5.0,
        origin: str | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.target = target
        self.timeout = timeout
        self.origin = origin
        self.sock: socket.socket | None = None
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.closed = False
        self._pending: list[str | bytes | None] = []
        self._partial: list[str | bytes] = []  # the pieces of a message still arriving

    def connect(self) -> Refused | None:
        """Open the TCP connection and do the opening handshake; a Refused if the server said no."""
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        extra = [(b"Origin", self.origin.encode())] if self.origin else []
        request = Request(host=f"{self.host}:{self.port}", target=self.target, extra_headers=extra)
        self.sock.sendall(self.ws.send(request))
        status, body = 0, bytearray()
        while True:
            events = self._read()
            for n, event in enumerate(events):
                if isinstance(event, AcceptConnection):
                    # The server may have sent its first messages in the same read: keep them.
                    self._handle(events[n + 1 :])
                    return None
                if isinstance(event, RejectConnection):
                    status = event.status_code
                    if not event.has_body:
                        return self._refused(status, body)
                elif isinstance(event, RejectData):
                    body.extend(event.data)
                    if event.body_finished:
                        return self._refused(status, body)

    def _refused(self, status: int, body: bytearray) -> Refused:
        self.closed = True
        self._close_socket()
        return Refused(status, bytes(body))

    def send(self, data: str | bytes) -> None:
        """One whole message: text for a str, binary for bytes."""
        assert self.sock is not None
        if isinstance(data, str):
            self.sock.sendall(self.ws.send(TextMessage(data=data)))
        else:
            self.sock.sendall(self.ws.send(BytesMessage(data=data)))

    def recv(self, timeout: float | None = None) -> str | bytes | None:
        """The next whole message (None once the connection is closed); answers WebSocket pings.

        Raises TimeoutError if nothing whole arrives within `timeout` (default: the connect
        timeout) seconds.
        """
        if self.sock is not None:
            self.sock.settimeout(self.timeout if timeout is None else max(0.01, timeout))
        while not self._pending:
            if self.closed:
                return None
            self._handle(self._read())
        return self._pending.pop(0)

    def _handle(self, events: list[object]) -> None:
        """Queue whole messages (None for the close) and answer pings."""
        for event in events:
            if isinstance(event, TextMessage | BytesMessage):
                # wsproto hands a message over in pieces as its bytes arrive: join them.
                self._partial.append(event.data)
                if event.message_finished:
                    parts, self._partial = self._partial, []
                    whole = "".join(parts) if isinstance(event, TextMessage) else b"".join(parts)
                    self._pending.append(whole)
            elif isinstance(event, Ping):
                assert self.sock is not None
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.closed = True
                self._pending.append(None)

    def close(self, code: int = 1000, reason: str = "bye") -> None:
        """Send a close frame (unless closed already) and close the socket."""
        if self.sock is None:
            return
        if not self.closed:
            with contextlib.suppress(Exception):  # already broken is fine
                self.sock.sendall(self.ws.send(CloseConnection(code=code, reason=reason)))
            self.closed = True
        self._close_socket()

    def _close_socket(self) -> None:
        if self.sock is not None:
            try:
                self.sock.close()
            finally:
                self.sock = None

    def _read(self) -> list[object]:
        assert self.sock is not None
        data = self.sock.recv(65536)
        if not data:
            self.closed = True
            self.ws.receive_data(None)
            return [CloseConnection(code=1006, reason="TCP closed")]
        self.ws.receive_data(data)
        return list(self.ws.events())
