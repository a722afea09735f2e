"""The loopback wire: real TCP connections on 127.0.0.1 with both ends in this process.

A `Loopback` listens on 127.0.0.1 (port 0: the kernel picks a free one) and makes `Wire`s to
itself; a `Wire` is one TCP connection, its two ends named "client" and "server"::

    with Loopback() as rig:
        port = rig.listen()
        wire = rig.connect()                       # connect() + accept(): TCP's handshake done
        wire.send("client", b"hello")
        got = wire.pump("server", feed=parser.receive_data)   # read until the parser has something
        wire.close("server"); wire.close("client")

`pump` reads on one end until `feed` (a sans-I/O machine's `receive_data`) returns something,
or the peer closes, and returns exactly the bytes `recv()` gave. Every socket has a timeout,
and `Loopback.close()` closes them all (on Ctrl-C too, through `with` or a `finally`).

`wait_until(env, condition, timeout)` waits for a condition on the `Env`'s clock and sleep, so
a test with a fake clock never waits for real time.
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from netlearn.env import Env

TIMEOUT = 5.0
# Big enough that a 64 KiB message fits in the kernel's buffers while nobody reads it yet.
BUFFER = 512 * 1024

Feed = Callable[[bytes], Sequence[Any]]


@dataclass
class Pumped:
    """What one end read: the bytes as recv() returned them, what they completed, EOF or not."""

    data: bytes
    items: list[Any]
    eof: bool = False


@dataclass
class Wire:
    """One TCP connection, both ends in this process."""

    client: socket.socket
    server: socket.socket
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

    def pump(
        self,
        side: str,
        feed: Feed | None = None,
        timeout: float = TIMEOUT,
        on_eof: Callable[[], object] | None = None,
    ) -> Pumped:
        """Read on `side` until `feed(chunk)` returns something, or EOF (then `on_eof()`)."""
        sock = self.sock(side)
        got = bytearray()
        sock.settimeout(timeout)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    if on_eof is not None:
                        on_eof()
                    return Pumped(bytes(got), [], eof=True)
                got += chunk
                items = feed(chunk) if feed is not None else []
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


class Loopback:
    """A listening socket on 127.0.0.1 (port chosen by the kernel) and the wires made to it.

    `wire_type` is the `Wire` (sub)class `connect()` makes (a lesson's wire may carry its two
    protocol machines)."""

    def __init__(self, wire_type: type[Wire] = Wire) -> None:
        self.wire_type = wire_type
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

    def connect(self) -> Any:
        """A new connection to the listener (a `wire_type`)."""
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
        wire = self.wire_type(client, server, client_addr=client.getsockname())
        self.wires.append(wire)
        return wire

    def close(self) -> None:
        for wire in self.wires:
            wire.close("client")
            wire.close("server")
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def __enter__(self) -> Loopback:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def wait_until(env: Env, condition: Callable[[], bool], timeout: float, step: float = 0.01) -> bool:
    """Wait until `condition()` is true or `timeout` seconds passed on `env.clock`.

    Sleeps with `env.sleep`, so a fake clock (tests) makes it instant; returns the condition's
    last answer (checked once more at the deadline)."""
    deadline = env.clock() + timeout
    while not condition():
        if env.clock() >= deadline:
            return condition()
        env.sleep(step)
    return True


if __name__ == "__main__":
    with Loopback() as _rig:
        _port = _rig.listen()
        _wire = _rig.connect()
        _wire.send("client", b"hello")
        print(f"127.0.0.1:{_port} server read:", _wire.pump("server", feed=lambda b: [b]).data)
