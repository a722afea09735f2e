"""`websocket serve` under load: 200 chat clients arriving within half a second, slow requests
(slowloris) contained by timeouts, Ctrl-C effective within a second even during a burst."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import connect as aconnect
from websockets.sync.client import connect

from netlearn.events import Event
from netlearn.lessons.websocket.events import ServerLog
from netlearn.lessons.websocket.server import ServeConfig, ServerThread

REPO = Path(__file__).resolve().parent.parent


class Serve:
    """`netlearn websocket serve` in a subprocess, its output going to a file."""

    def __init__(self, tmp: Path, *args: str) -> None:
        env = {**os.environ, "NETLEARN_HOME": str(tmp), "COLUMNS": "80"}
        self.out = tmp / "serve.out"
        with self.out.open("w") as sink:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "netlearn",
                    "websocket",
                    "serve",
                    "--format",
                    "plain",
                    *args,
                ],
                stdout=sink,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env=env,
            )
        self.port = 0
        deadline = time.monotonic() + 20
        while not self.port and time.monotonic() < deadline and self.proc.poll() is None:
            for line in self.out.read_text().splitlines():
                if line.startswith("Listening on 127.0.0.1:"):
                    self.port = int(line.split(":")[1].split(".")[0])
            time.sleep(0.05)
        assert self.port, self.out.read_text()

    def text(self) -> str:
        return self.out.read_text()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    srv = Serve(tmp_path)
    try:
        yield srv
    finally:
        srv.stop()


def test_the_limits_are_said_at_start(serve: Serve) -> None:
    text = serve.text()
    assert "200 clients" in text and "10 s" in text and "--max-clients" in text


async def _chat_burst(
    port: int, n: int, spread: float, patience: float = 20
) -> tuple[float, list[int]]:
    """`n` chat clients arriving over `spread` seconds; each waits at most `patience` seconds."""
    origin = f"http://127.0.0.1:{port}"
    url = f"ws://127.0.0.1:{port}/chat"
    start = time.monotonic()
    all_in = asyncio.Event()
    joined = 0

    async def one(i: int) -> int:
        nonlocal joined
        await asyncio.sleep(spread * i / n)  # arrivals spread over `spread` seconds
        async with aconnect(url, origin=origin, open_timeout=patience, max_queue=None) as ws:
            welcome = json.loads(await asyncio.wait_for(ws.recv(), patience))
            assert welcome["type"] == "welcome"
            joined += 1
            if joined == n:
                all_in.set()
            await asyncio.wait_for(all_in.wait(), patience)
            await ws.send(json.dumps({"text": f"from {i}"}))
            seen: set[str] = set()
            while len(seen) < n:
                msg = json.loads(await asyncio.wait_for(ws.recv(), patience))
                if msg.get("type") == "chat":
                    seen.add(msg["text"])
            assert seen == {f"from {k}" for k in range(n)}
            return len(seen)

    counts = await asyncio.gather(*(one(i) for i in range(n)))
    return time.monotonic() - start, list(counts)


def test_200_chat_clients_within_half_a_second_get_every_message(serve: Serve) -> None:
    took, counts = asyncio.run(_chat_burst(serve.port, 200, 0.5))
    assert counts == [200] * 200
    assert "/chat: 503" not in serve.text() and "too many" not in serve.text()
    assert took < 30


def test_slowloris_is_contained_and_a_normal_client_gets_in() -> None:
    events: list[Event] = []
    config = ServeConfig(port=0, max_clients=20, handshake_timeout=1.5, push_every=30)
    with ServerThread(config, events.append) as srv:
        port = srv.server.port
        slow: list[socket.socket] = []
        for _ in range(60):  # three times the client limit, all trickling
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /echo HTTP/1.1\r\n")
            slow.append(sock)
        stop = threading.Event()

        def trickle() -> None:
            n = 0
            while not stop.wait(0.1) and n < 60:
                n += 1
                for sock in slow:
                    with contextlib.suppress(OSError):
                        sock.sendall(b"X-a: b\r\n")

        worker = threading.Thread(target=trickle, daemon=True)
        worker.start()
        try:
            for _ in range(3):  # normal clients, again and again, get in at once
                time.sleep(0.3)
                start = time.monotonic()
                with connect(f"ws://127.0.0.1:{port}/echo", open_timeout=3) as ws:
                    ws.send("hi")
                    assert ws.recv(timeout=3) == "hi"
                assert time.monotonic() - start < 1.0
            # The slow ones are cut off by the handshake timeout (1.5 s), not served forever.
            time.sleep(1.5)
            closed = 0
            for sock in slow:
                sock.settimeout(2)
                try:
                    while sock.recv(4096):
                        pass
                    closed += 1
                except (TimeoutError, OSError):
                    closed += isinstance(sys.exc_info()[1], ConnectionResetError)
            assert closed == len(slow)
        finally:
            stop.set()
            worker.join(5)
            for sock in slow:
                sock.close()
    assert srv.server.errors == 0
    assert any("time limit" in e.text for e in events if isinstance(e, ServerLog))


def test_ctrl_c_during_a_burst(tmp_path: Path) -> None:
    """Ctrl-C in the middle of 150 arriving clients: exit 130 within a second, port freed.

    Every try must end well; the time is the best of up to three servers. On a loaded 2-core
    machine (the suite runs beside this) the scheduler alone can add tenths of a second to one
    shutdown, while a shutdown that waits on something is slow every time."""
    took: list[float] = []
    for attempt in range(3):
        where = tmp_path / f"try-{attempt}"
        where.mkdir()
        serve = Serve(where)
        try:
            took.append(_ctrl_c_in_a_burst(serve))
        finally:
            serve.stop()
        if took[-1] < 1.0:
            break
    assert min(took) < 1.0, "Ctrl-C took " + ", ".join(f"{t:.2f} s" for t in took)


def _ctrl_c_in_a_burst(serve: Serve) -> float:
    """Start a burst, Ctrl-C the server in its middle; check how it ended; the seconds it took."""
    port = serve.port

    def burst() -> None:
        # The server goes away in the middle of it, on purpose.
        with contextlib.suppress(Exception):
            asyncio.run(_chat_burst(port, 150, 0.3, patience=3))

    worker = threading.Thread(target=burst, daemon=True)
    worker.start()
    time.sleep(0.6)  # in the middle of the joins and their broadcasts
    start = time.monotonic()
    serve.proc.send_signal(signal.SIGINT)
    code = serve.proc.wait(5)
    took = time.monotonic() - start
    worker.join(30)
    assert code == 130
    assert f"port {port} released" in serve.text()
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()
    return took
