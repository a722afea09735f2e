"""`socketio serve` takes a class: a burst of 200 clients, slowloris sockets, a full house, Ctrl-C.

The clients are bench/load.py's: Engine.IO/Socket.IO spoken over the `websockets` library with
python-socketio's own packet codec (half of them open with HTTP long-polling and upgrade, as
browsers do), so that 200 of them fit in this process. The server runs as a user starts it.
"""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_sio_serve import Served, _bindable

REPO = Path(__file__).resolve().parent.parent


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("netlearn_bench_load", REPO / "bench" / "load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


load = _bench()


@pytest.fixture
def served(netlearn_home: Path) -> Any:
    server = Served(netlearn_home)
    try:
        yield server
    finally:
        server.stop()


def test_a_class_of_200_arriving_within_half_a_second_and_ctrl_c_after(served: Served) -> None:
    tally = asyncio.run(
        load.sio_class(served.port, clients=200, messages=3, spread=0.5, timeout=30)
    )
    assert tally.errors == {}
    assert tally.served == 200
    # 200 joins are not counted as messages; 200 x 3 echoes and 200 chats, each acknowledged,
    # and each chat delivered to all 200
    assert (tally.sent, tally.answered) == (800, 800)
    assert (tally.broadcasts_expected, tally.broadcasts_got) == (40_000, 40_000)
    assert tally.lost == 0
    assert served.proc.poll() is None
    start = time.monotonic()
    served.proc.send_signal(signal.SIGINT)
    code = served.proc.wait(10)
    took = time.monotonic() - start
    assert code == 130
    assert took < 1.0, f"Ctrl-C took {took:.2f} s after the burst"
    assert _bindable(served.port)


async def _slowloris(port: int, count: int, drip: float, limit: float) -> list[float]:
    """`count` sockets that send a request line a byte at a time; when each was closed."""
    line = b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: "
    closed: list[float] = []

    async def one() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = time.monotonic()
        try:
            for i in range(int(limit / drip)):
                writer.write(line[i % len(line) : i % len(line) + 1])
                try:
                    data = await asyncio.wait_for(reader.read(4096), drip)
                except TimeoutError:
                    continue
                except ConnectionError:
                    data = b""
                if not data or data.startswith(b"HTTP/1.1 408"):
                    closed.append(time.monotonic() - start)
                    return
        finally:
            writer.transport.abort()

    await asyncio.gather(*(one() for _ in range(count)))
    return closed


async def _slow_second_request(port: int, limit: float) -> float | None:
    """A good request, then a second one dribbled: seconds until the server closed it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert head.startswith(b"HTTP/1.1 200")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        await reader.readexactly(length)
        start = time.monotonic()
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n":
            writer.write(bytes([byte]))
            try:
                if not await asyncio.wait_for(reader.read(4096), 0.5):
                    return time.monotonic() - start
            except TimeoutError:
                continue
            except ConnectionError:
                return time.monotonic() - start
            if time.monotonic() - start > limit:
                break
        return None
    finally:
        writer.transport.abort()


def test_slowloris_is_closed_and_locks_nobody_out(served: Served) -> None:
    from netlearn.lessons.socketio.proxy import HEAD_TIMEOUT

    async def scene() -> tuple[list[float], float | None, Any, float]:
        attack = asyncio.ensure_future(_slowloris(served.port, 200, 0.5, HEAD_TIMEOUT + 5))
        second = asyncio.ensure_future(_slow_second_request(served.port, HEAD_TIMEOUT + 5))
        await asyncio.sleep(1.0)  # the 200 sockets are open and dribbling
        start = time.monotonic()
        tally = await load.sio_class(served.port, clients=10, messages=2, spread=0.1, timeout=10)
        took = time.monotonic() - start
        return await attack, await second, tally, took

    closed, second, tally, took = asyncio.run(scene())
    # a normal class is served at once, in the middle of the attack
    assert tally.served == 10 and tally.lost == 0, tally.errors
    assert took < HEAD_TIMEOUT, took
    # every slow socket was closed a little after the head timeout, none before
    assert len(closed) == 200
    assert min(closed) >= HEAD_TIMEOUT - 0.6 and max(closed) <= HEAD_TIMEOUT + 2, closed
    # so was a slow second request on a connection that had made a good first one
    assert second is not None and HEAD_TIMEOUT - 0.6 <= second <= HEAD_TIMEOUT + 2
    served.wait_for(lambda e: "no whole request within" in e.get("text", ""))


def _raw(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        got = b""
        while chunk := sock.recv(65536):
            got += chunk
    return got


def test_a_full_class_gets_503_with_retry_after(netlearn_home: Path) -> None:
    served = Served(netlearn_home, extra=("--max-clients", "2"))

    async def scene() -> tuple[list[Any], bytes, bytes, Any]:
        inside = [load.SioClient("127.0.0.1", served.port) for _ in range(2)]
        for client in inside:
            await client.connect(5)
        host = f"Host: 127.0.0.1:{served.port}\r\n".encode()
        polling = _raw(
            served.port, b"GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n" + host + b"\r\n"
        )
        websocket = _raw(
            served.port,
            b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\n"
            + host
            + b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        await inside[0].close()
        later = load.SioClient("127.0.0.1", served.port)
        for _ in range(50):  # the server notices the departure within a moment
            try:
                await later.connect(5)
                break
            except Exception:  # noqa: BLE001 - still full; try again
                await asyncio.sleep(0.1)
        echoed = await later.call("echo", "in", 5)
        for client in (inside[1], later):
            await client.close()
        return inside, polling, websocket, echoed

    try:
        _, polling, websocket, echoed = asyncio.run(scene())
    finally:
        served.stop()
    for answer in (polling, websocket):
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
        assert b"\r\nretry-after: 5\r\n" in answer.lower()
        assert b"the class is full" in answer and b"--max-clients" in answer
    assert echoed == ["in"]


def test_too_many_connections_get_503_not_a_reset(netlearn_home: Path) -> None:
    served = Served(netlearn_home, extra=("--max-clients", "1"))  # 3 connections
    idle = [socket.create_connection(("127.0.0.1", served.port), timeout=5) for _ in range(3)]
    try:
        answer = _raw(
            served.port,
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\n\r\n".encode(),
        )
        assert answer.startswith(b"HTTP/1.1 503 "), answer[:200]
        assert b"\r\nRetry-After: 5\r\n" in answer
        assert b"the server is full (3 connections at once, --max-clients)" in answer
        served.wait_for(lambda e: "At the limit of 3 connections" in e.get("text", ""))
    finally:
        for sock in idle:
            sock.close()
        served.stop()


def test_the_limits_are_stated_at_start_and_in_help(served: Served, run_cli) -> None:  # type: ignore[no-untyped-def]
    from netlearn.lessons.socketio import serve
    from netlearn.lessons.socketio.proxy import HEAD_TIMEOUT, IDLE_TIMEOUT

    note = served.wait_for(lambda e: e.get("text", "").startswith("Limits:"))
    assert note["text"] == serve.limits_text(500, 1500)
    result = run_cli("socketio", "serve", "--help", env={"COLUMNS": "300"})
    text = " ".join(result.stdout.split())
    for fact in (
        f"(default {serve.MAX_CLIENTS})",
        "HTTP 503 with Retry-After: 5",
        f"within {HEAD_TIMEOUT:g} s of connecting",
        f"closed after {IDLE_TIMEOUT:g} s",
        f"dropped after {serve.PING_INTERVAL + serve.PING_TIMEOUT:g} s",
        f"at most {serve.MAX_PAYLOAD} bytes",
        f"backlog is {serve.BACKLOG}",
        "--redis",
    ):
        assert fact in text, fact
