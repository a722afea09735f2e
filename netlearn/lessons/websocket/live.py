"""The thin I/O layer of the guided demo: the core loopback wire with a WebSocket machine per end.

A `WsWire` is one TCP connection (`netlearn.live.wire.Wire`) whose two ends each carry a sans-I/O
protocol object (`netlearn.lessons.websocket.protocol`); `pump(side)` reads from that end's socket
until its protocol object reports something whole (a request, a response, a frame) or the peer
closes, and returns exactly the bytes `recv()` gave. `LiveRig` is the core `Loopback` making
`WsWire`s; its `close()` closes every socket (on Ctrl-C too).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.lessons.websocket.protocol import ClientConnection, ServerConnection
from netlearn.live.wire import BUFFER, TIMEOUT, Loopback, Pumped, Wire

__all__ = ["BUFFER", "TIMEOUT", "LiveRig", "Pumped", "Wire", "WsWire"]


@dataclass
class WsWire(Wire):
    """One TCP connection, both ends in this process, each with its WebSocket machine."""

    cproto: ClientConnection | None = None
    sproto: ServerConnection | None = None

    def pump(self, side: str, timeout: float = TIMEOUT) -> Pumped:  # type: ignore[override]
        """Read on `side` until its protocol object reports something whole, or EOF."""
        proto = self.cproto if side == "client" else self.sproto
        feed = proto.receive_data if proto is not None else None
        on_eof = self.cproto.eof if side == "client" and self.cproto is not None else None
        return Wire.pump(self, side, feed, timeout, on_eof)  # type: ignore[arg-type]


class LiveRig(Loopback):
    """A listening socket on 127.0.0.1 (port chosen by the kernel) and the `WsWire`s made to it."""

    def __init__(self) -> None:
        super().__init__(WsWire)

    def connect(self) -> WsWire:
        wire = super().connect()
        assert isinstance(wire, WsWire)
        return wire

    def __enter__(self) -> LiveRig:
        return self
