"""What `netlearn websocket serve` may be told: its address, and the limits that keep one client
from holding the server hostage (see `server`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from netlearn.paths import assets_dir


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 0
    max_message: int = 1 << 20
    max_clients: int = 200
    push_every: float = 5.0
    ping_every: float = 20.0
    handshake_timeout: float = 10.0
    drain_timeout: float = 2.0
    allow_hosts: tuple[str, ...] = ()
    max_pending: int = 0  # requests still arriving at once; 0: max(64, max_clients)
    max_backlog: int = 256 * 1024  # bytes waiting to be sent to one client before it is dropped
    web_dir: Path = field(default_factory=lambda: assets_dir() / "web" / "websocket")
