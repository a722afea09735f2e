"""`websocket serve` answers only the Host names it knows (DNS rebinding); Origin is checked
against the same list."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from netlearn.events import Event
from netlearn.lessons.websocket.events import ServerLog
from netlearn.lessons.websocket.server import ServeConfig, ServerThread

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


@contextmanager
def running(**kw: object) -> Iterator[tuple[int, list[Event]]]:
    events: list[Event] = []
    config = ServeConfig(port=0, push_every=30, ping_every=30, handshake_timeout=2, **kw)  # type: ignore[arg-type]
    with ServerThread(config, events.append) as srv:
        yield srv.server.port, events
    assert srv.server.errors == 0


def ask(
    port: int, path: str, host: str | None, origin: str | None = None, ws: bool = True
) -> bytes:
    """One raw request; the answer's status line."""
    lines = [f"GET {path} HTTP/1.1"]
    if host is not None:
        lines.append(f"Host: {host}")
    if ws:
        lines += [
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {KEY}",
            "Sec-WebSocket-Version: 13",
        ]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0]


def logs(events: list[Event]) -> str:
    return "\n".join(e.text for e in list(events) if isinstance(e, ServerLog))


@pytest.mark.parametrize("bind", ["0.0.0.0", "127.0.0.1"])
def test_dns_rebinding_is_refused_on_every_path(bind: str) -> None:
    with running(host=bind) as (port, events):
        evil = f"evil.example:{port}"
        # The attack of the issue: Host and Origin agree, but the name is not ours.
        assert ask(port, "/chat", evil, f"http://{evil}") == b"HTTP/1.1 421 Misdirected Request"
        assert ask(port, "/echo", evil) == b"HTTP/1.1 421 Misdirected Request"
        for path in ("/", "/chat.js", "/nowhere"):
            assert ask(port, path, evil, ws=False) == b"HTTP/1.1 421 Misdirected Request"
        assert ask(port, "/", None, ws=False).startswith(b"HTTP/1.1 4")  # no Host at all
        assert ask(port, "/", f"127.0.0.1:{port + 1}", ws=False).startswith(b"HTTP/1.1 421")
        text = logs(events)
        assert "DNS rebinding" in text and "evil.example" in text
        # Our own names still work, pages and sockets alike.
        for name in ("127.0.0.1", "localhost", "[::1]"):
            host = f"{name}:{port}"
            assert ask(port, "/", host, ws=False) == b"HTTP/1.1 200 OK"
            assert ask(port, "/chat", host, f"http://{host}") == b"HTTP/1.1 101 Switching Protocols"
        # Another site's page on a good Host is still refused (cross-site WebSocket hijacking).
        good = f"127.0.0.1:{port}"
        assert ask(port, "/chat", good, f"http://{evil}") == b"HTTP/1.1 403 Forbidden"
        assert ask(port, "/chat", good, "http://127.0.0.1:1") == b"HTTP/1.1 403 Forbidden"
        # Clients that are not browsers send no Origin.
        assert ask(port, "/echo", good) == b"HTTP/1.1 101 Switching Protocols"


def test_wildcard_bind_accepts_ip_literals_and_allowed_names() -> None:
    with running(host="0.0.0.0", allow_hosts=("classroom.lan",)) as (port, _events):
        for host in (f"192.0.2.7:{port}", f"classroom.lan:{port}", f"CLASSROOM.lan:{port}"):
            assert ask(port, "/", host, ws=False) == b"HTTP/1.1 200 OK"
            assert ask(port, "/chat", host, f"http://{host}") == b"HTTP/1.1 101 Switching Protocols"
        assert ask(port, "/", f"other.lan:{port}", ws=False) == b"HTTP/1.1 421 Misdirected Request"


def test_loopback_bind_refuses_ip_literals_that_are_not_ours() -> None:
    with running(host="127.0.0.1") as (port, _events):
        assert ask(port, "/", f"192.0.2.7:{port}", ws=False) == b"HTTP/1.1 421 Misdirected Request"


def test_refusal_body_says_why() -> None:
    with running() as (port, _events):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(f"GET / HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(4096):
                data += chunk
        body = data.split(b"\r\n\r\n", 1)[1].decode()
        assert "evil.example" in body and "DNS rebinding" in body and len(body) < 600


def test_cli_help_names_the_new_options(run_cli) -> None:  # type: ignore[no-untyped-def]
    out = run_cli("websocket", "serve", "--help").stdout
    for needle in ("--allow-host", "--max-clients", "200", "handshake"):
        assert needle in out, needle


def test_welcome_counts_only_real_clients() -> None:
    with running() as (port, _events):
        origin = f"http://127.0.0.1:{port}"
        from websockets.sync.client import connect

        with connect(f"ws://127.0.0.1:{port}/chat", origin=origin) as ws:
            assert json.loads(ws.recv(timeout=5))["online"] == 1
