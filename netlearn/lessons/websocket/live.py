"""The thin I/O layer of the guided demo: real sockets on 127.0.0.1, driven from one thread.

A `Wire` is one TCP connection with its two ends in this process. Each end has a sans-I/O
protocol object (`netlearn.lessons.websocket.protocol`); `pump(side)` reads from that end's socket until its
protocol object reports something whole (a request, a response, a frame) or the peer closes, and
returns exactly the bytes `recv()` gave. Every socket has a timeout, and `LiveRig.close()` closes
them all (it runs on Ctrl-C too, through the `with` block or the generator's `finally`).
"""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass, field

from netlearn.errors import NetlearnError
from netlearn.lessons.websocket.protocol import ClientConnection, Incoming, ServerConnection

TIMEOUT = 5.0
# Big enough that a 64 KiB message fits in the kernel's buffers while nobody reads it yet.
BUFFER = 512 * 1024


@dataclass
class Pumped:
    """What one end read: the bytes as recv() returned them, what they completed, EOF or not."""

    data: bytes
    items: list[Incoming]
    eof: bool = False


@dataclass
class Wire:
    """One TCP connection, both ends in this process."""

    client: socket.socket
    server: socket.socket
    cproto: ClientConnection | None = None
    sproto: ServerConnection | None = None
    client_addr: tuple[str, int] = ("", 0)
    closed: set[str] = field(default_factory=set)

    def sock(self, side: str) -> socket.socket:
        return self.client if side == "client" else self.server

    def send(self, side: str, data: bytes) -> None:
        """`side` writes `data` to its socket (all of it)."""
        try:
            self.sock(side).sendall(data)
        except TimeoutError:
            raise NetlearnError(f"the {side} could not send within {TIMEOUT:.0f} s") from None

    def pump(self, side: str, timeout: float = TIMEOUT) -> Pumped:
        """Read on `side` until its protocol object reports something whole, or EOF."""
        sock = self.sock(side)
        proto = self.cproto if side == "client" else self.sproto
        got = bytearray()
        sock.settimeout(timeout)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    if side == "client" and self.cproto is not None:
                        self.cproto.eof()
                    return Pumped(bytes(got), [], eof=True)
                got += chunk
                items = proto.receive_data(chunk) if proto is not None else []
                if items:
                    return Pumped(bytes(got), list(items))
        except TimeoutError:
            raise NetlearnError(
                f"the {side} waited {timeout:.0f} s for data that never came"
            ) from None
        except ConnectionResetError:
            return Pumped(bytes(got), [], eof=True)
        finally:
            sock.settimeout(TIMEOUT)

    def read_to_eof(self, side: str, timeout: float = TIMEOUT) -> bytes:
        """Read and keep everything until the peer closes (used to drain after failing)."""
        sock = self.sock(side)
        sock.settimeout(timeout)
        got = bytearray()
        try:
            while chunk := sock.recv(65536):
                got += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return bytes(got)

    def shutdown(self, side: str) -> None:
        """`side` sends TCP's FIN: it will write no more, but can still read."""
        with contextlib.suppress(OSError):
            self.sock(side).shutdown(socket.SHUT_WR)

    def close(self, side: str) -> None:
        if side not in self.closed:
            self.closed.add(side)
            self.sock(side).close()


class LiveRig:
    """A listening socket on 127.0.0.1 (port chosen by the kernel) and the wires made to it."""

    def __init__(self) -> None:
        self.listener: socket.socket | None = None
        self.port = 0
        self.wires: list[Wire] = []

    def listen(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener = sock
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, BUFFER)
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.settimeout(TIMEOUT)
        self.port = sock.getsockname()[1]
        return self.port

    def connect(self) -> Wire:
        assert self.listener is not None
        client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, BUFFER)
        client.settimeout(TIMEOUT)
        try:
            client.connect(("127.0.0.1", self.port))
            server, _addr = self.listener.accept()
        except (TimeoutError, OSError) as exc:
            client.close()
            raise NetlearnError(f"could not connect to 127.0.0.1:{self.port}: {exc}") from None
        server.settimeout(TIMEOUT)
        wire = Wire(client, server, client_addr=client.getsockname())
        self.wires.append(wire)
        return wire

    def close(self) -> None:
        for wire in self.wires:
            wire.close("client")
            wire.close("server")
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def __enter__(self) -> LiveRig:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
