"""`websocket serve` forgets clients whose connection broke (reset, vanished, stopped reading),
and its memory and log do not grow with them."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

from websockets.sync.client import connect

from netlearn.events import Event
from netlearn.lessons.websocket.events import ServerLog
from netlearn.lessons.websocket.server import ServeConfig, ServerThread

REPO = Path(__file__).resolve().parent.parent
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def upgrade(port: int, path: str = "/chat", rcvbuf: int = 0) -> socket.socket:
    """A raw WebSocket client, handshake done (the 101 read, nothing more)."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(5)
    sock.connect(("127.0.0.1", port))
    host = f"127.0.0.1:{port}"
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 "), head
    return sock


def reset(sock: socket.socket) -> None:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def online(port: int) -> int:
    origin = f"http://127.0.0.1:{port}"
    with connect(f"ws://127.0.0.1:{port}/chat", origin=origin, open_timeout=5) as ws:
        return int(json.loads(ws.recv(timeout=5))["online"])


def wait_online(port: int, want: int, seconds: float = 5.0) -> int:
    deadline = time.monotonic() + seconds
    got = online(port)
    while got != want and time.monotonic() < deadline:
        time.sleep(0.1)
        got = online(port)
    return got


def test_reset_clients_are_forgotten() -> None:
    events: list[Event] = []
    config = ServeConfig(port=0, push_every=30, ping_every=30)
    with ServerThread(config, events.append) as srv:
        port = srv.server.port
        socks = [upgrade(port) for _ in range(20)]
        for sock in socks:
            reset(sock)
        assert wait_online(port, 1) == 1
        assert not srv.server.clients
    assert srv.server.errors == 0
    text = "\n".join(e.text for e in events if isinstance(e, ServerLog))
    assert "internal error" not in text


def test_a_client_that_stops_reading_is_dropped_not_buffered() -> None:
    events: list[Event] = []
    config = ServeConfig(port=0, push_every=30, ping_every=30, drain_timeout=0.5)
    with ServerThread(config, events.append) as srv:
        port = srv.server.port
        stalled = upgrade(port, rcvbuf=4096)
        # ... and then it neither reads nor writes (no FIN either: the host is gone).
        origin = f"http://127.0.0.1:{port}"
        with connect(f"ws://127.0.0.1:{port}/chat", origin=origin, max_size=None) as talker:
            talker.recv(timeout=5)  # welcome
            text = "x" * 1900
            deadline = time.monotonic() + 15
            sent = 0
            while len(srv.server.clients) > 1 and sent < 3000:
                talker.send(json.dumps({"text": text}))
                talker.recv(timeout=5)  # our own message, relayed: the server kept up
                sent += 1
                assert time.monotonic() < deadline
            # The stalled client was dropped once its backlog passed the bound.
            assert len(srv.server.clients) == 1
            assert sent * 1900 < 8 << 20
        stalled.close()
    assert srv.server.errors == 0


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_memory_and_log_stay_bounded_with_300_broken_clients(tmp_path: Path) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(tmp_path), "COLUMNS": "80"}
    out, err = tmp_path / "out.jsonl", tmp_path / "err.txt"
    with out.open("w") as fout, err.open("w") as ferr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "netlearn", "websocket", "serve", "--format", "json"],
            stdout=fout,
            stderr=ferr,
            cwd=REPO,
            env=env,
        )
    try:
        port = 0
        deadline = time.monotonic() + 20
        while not port and time.monotonic() < deadline:
            for line in out.read_text().splitlines():
                sub = json.loads(line).get("subtitle", "")
                if sub.startswith("Listening on 127.0.0.1:"):
                    port = int(sub.split(":")[1].split(".")[0])
            time.sleep(0.05)
        assert port
        origin = f"http://127.0.0.1:{port}"
        with connect(f"ws://127.0.0.1:{port}/chat", origin=origin) as talker:
            talker.recv(timeout=5)
            for _round in range(3):  # bounded: 3 x 100 broken clients
                socks = [upgrade(port, rcvbuf=4096) for _ in range(100)]
                for i, sock in enumerate(socks):
                    if i % 2:
                        reset(sock)
                    # the others vanish: they never read, never write, never close
                if _round == 0:
                    before = _rss_kb(proc.pid)
                    log_before = out.stat().st_size + err.stat().st_size
                for n in range(100):
                    talker.send(json.dumps({"text": f"{n} " + "y" * 1500}))
                    while True:  # wait for our own message back: the broadcast went out
                        msg = json.loads(talker.recv(timeout=10))
                        if msg.get("type") == "chat" and msg["text"].startswith(f"{n} "):
                            break
                for sock in socks:
                    sock.close()
            grown = _rss_kb(proc.pid) - before
            logged = out.stat().st_size + err.stat().st_size - log_before
        assert grown < 40_000, f"the server grew by {grown} kB"
        assert logged < 8_000_000, f"{logged} bytes of output"
        assert b"Traceback" not in err.read_bytes()
        assert b"socket.send() raised" not in err.read_bytes()
        proc.send_signal(signal.SIGINT)
        assert proc.wait(5) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
