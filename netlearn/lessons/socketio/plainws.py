"""A WebSocket client that knows nothing about Socket.IO: wsproto over a plain socket.

It is the "outsider" of the lesson: it shows what a bare WebSocket (RFC 6455) peer sees when it
knocks on a Socket.IO server, and what it must send by hand to be let in.
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
    """Blocking, single-threaded, with a timeout on every wait."""

    def __init__(self, host: str, port: int, target: str, timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.target = target
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.closed = False
        self._pending: list[str | bytes | None] = []
        self._partial: list = []  # the pieces of a message still arriving

    def connect(self) -> Refused | None:
        """Open the TCP connection and do the opening handshake; a Refused if the server said no."""
        self.sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        self.sock.sendall(
            self.ws.send(Request(host=f"{self.host}:{self.port}", target=self.target))
        )
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

    def send(self, text: str) -> None:
        assert self.sock is not None
        self.sock.sendall(self.ws.send(TextMessage(data=text)))

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

    def close(self) -> None:
        if self.sock is None:
            return
        if not self.closed:
            with contextlib.suppress(Exception):  # already broken is fine
                self.sock.sendall(self.ws.send(CloseConnection(code=1000, reason="bye")))
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
