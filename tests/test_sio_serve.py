"""`netlearn socketio serve` against an independent peer: python-socketio's own client.

The server runs as a user would start it (a subprocess, kernel-chosen port, JSON output so the
test can read every packet it printed). Clients wait on their handlers, never on sleeps.
`Served` and `Peer` are also used by the browser test (test_sio_page.py).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


class Served:
    """`netlearn socketio serve --format json` running; its JSON lines collected as they come."""

    def __init__(self, home: Path, port: int = 0, extra: tuple[str, ...] = ()) -> None:
        env = {**os.environ, "NETLEARN_HOME": str(home), "COLUMNS": "80"}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "netlearn",
                "socketio",
                "serve",
                "--format",
                "json",
                "--port",
                str(port),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        self.lines: list[dict[str, Any]] = []
        self._cond = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        title = self.wait_for(lambda e: e.get("type") == "title", timeout=20)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", str(title.get("subtitle")))
        assert match, title
        self.port = int(match.group(1))
        self.url = f"http://127.0.0.1:{self.port}"

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"type": "unparsed", "text": line}
            with self._cond:
                self.lines.append(event)
                self._cond.notify_all()

    def wait_for(
        self, test: Callable[[dict[str, Any]], bool], timeout: float = 10
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.lines:
                    if test(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None and not self._reader.is_alive():
                    raise AssertionError(f"not seen in serve's output; last: {self.lines[-5:]}")
                self._cond.wait(min(left, 0.2))

    def packets(self, raw: str) -> list[dict[str, Any]]:
        with self._cond:
            return [e for e in self.lines if e.get("type") == "sio-packet" and e.get("raw") == raw]

    def interrupt(self) -> tuple[int, str]:
        """Ctrl-C: the exit code and stderr."""
        self.proc.send_signal(signal.SIGINT)
        try:
            _, err = self.proc.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        self._reader.join(5)
        return self.proc.returncode, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.interrupt()


class Peer:
    """A python-socketio client that records events; `wait(...)` blocks on its handlers."""

    def __init__(self, url: str, transports: list[str] | None = None) -> None:
        import requests
        import socketio

        http = requests.Session()
        http.trust_env = False
        self.url = url
        self.transports = transports
        self.sio = socketio.Client(
            handle_sigint=False,
            http_session=http,
            reconnection_delay=0.2,
            reconnection_delay_max=0.5,
            randomization_factor=0,
            request_timeout=5,
        )
        self.cond = threading.Condition()
        self.got: list[tuple[str, Any]] = []
        self.connects = 0
        self.disconnects: list[str] = []

        @self.sio.event
        def connect() -> None:
            with self.cond:
                self.connects += 1
                self.cond.notify_all()

        @self.sio.event
        def disconnect(reason: Any = None) -> None:
            with self.cond:
                self.disconnects.append(str(reason))
                self.cond.notify_all()

        @self.sio.on("*")
        def anything(event: str, *args: Any) -> None:
            with self.cond:
                self.got.append((event, args[0] if len(args) == 1 else args))
                self.cond.notify_all()

    def connect(self) -> Peer:
        self.sio.connect(self.url, transports=self.transports, wait_timeout=10)
        return self

    def wait(self, test: Callable[[], bool], timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not test():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.2))
        return True

    def chats(self) -> list[Any]:
        with self.cond:
            return [data for name, data in self.got if name == "chat"]

    def close(self) -> None:
        try:
            self.sio.reconnection = False
            if self.sio._reconnect_abort is not None:
                self.sio._reconnect_abort.set()
            self.sio.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001
            pass


# ------------------------------------------------------------------------------ fixtures


@pytest.fixture
def served(netlearn_home: Path) -> Iterator[Served]:
    server = Served(netlearn_home)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    made: list[Peer] = []
    try:
        yield made
    finally:
        for peer in made:
            peer.close()


def _bindable(port: int) -> bool:
    """Can a new server listen on this port (as any server would, with SO_REUSEADDR)?"""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        sock.close()


# ------------------------------------------------------------------------------ tests


def test_chat_reaches_two_clients_and_echo_is_acknowledged(
    served: Served, peers: list[Peer]
) -> None:
    ws_only = Peer(served.url, ["websocket"]).connect()
    default = Peer(served.url).connect()  # long-polling first, then the upgrade
    peers += [ws_only, default]
    answers: list[Any] = []
    ws_only.sio.emit("chat", {"text": "hello, both"}, callback=lambda *a: answers.append(a))
    for peer in (ws_only, default):
        assert peer.wait(lambda p=peer: any(c.get("text") == "hello, both" for c in p.chats()))
    assert ws_only.wait(lambda: bool(answers))
    assert answers == [({"ok": True},)]
    data = {"text": "same data back", "n": [1, "2", {"3": [False]}]}
    assert default.sio.call("echo", data, timeout=10) == data
    # the terminal showed the packets: the event going up, and one copy down to each client
    up = served.wait_for(
        lambda e: (
            e.get("direction") == "up"
            and e.get("raw", "").endswith('["chat",{"text":"hello, both"}]')
        )
    )
    assert up["raw"] == '421["chat",{"text":"hello, both"}]'  # python-socketio counts acks from 1
    down = served.wait_for(
        lambda e: (
            e.get("type") == "sio-packet"
            and e.get("direction") == "down"
            and e.get("raw", "").startswith('42["chat",{"text":"hello, both"')
        )
    )
    assert down["sio"] == "EVENT"
    copies = lambda: {  # noqa: E731
        e["actor"]
        for e in served.lines
        if e.get("type") == "sio-packet" and e.get("raw", "").startswith('42["chat",{"text":"hello')
    }
    served.wait_for(lambda e: len(copies()) >= 2)
    ack = served.wait_for(
        lambda e: e.get("raw", "").startswith("431[") and "same data back" in e.get("raw", "")
    )
    assert json.loads(ack["raw"][3:]) == [data]
    handshake = served.wait_for(
        lambda e: e.get("type") == "sio-http" and "transport=polling" in e.get("line", "")
    )
    assert handshake["line"].startswith("GET /socket.io/?")
    assert served.packets("2probe") and served.packets("3probe") and served.packets("5")


def test_reconnects_after_the_server_restarts(netlearn_home: Path, peers: list[Peer]) -> None:
    first = Served(netlearn_home)
    port = first.port
    try:
        peer = Peer(first.url, ["websocket"]).connect()
        peers.append(peer)
        assert peer.sio.call("echo", "before", timeout=10) == "before"
    finally:
        code, err = first.interrupt()
    assert code == 130, err
    assert peer.wait(lambda: len(peer.disconnects) >= 1)
    assert peer.disconnects[0] == "transport error"
    second = Served(netlearn_home, port=port)  # the same address, as after a redeploy
    try:
        assert peer.wait(lambda: peer.connects >= 2, timeout=20), "no automatic reconnection"
        assert peer.sio.call("echo", "after", timeout=10) == "after"
        second.wait_for(
            lambda e: (
                e.get("raw") == '42["echo","after"]'
                or e.get("raw", "").endswith('["echo","after"]')
            )
        )
    finally:
        code, _ = second.interrupt()
    assert code == 130


def test_ctrl_c_exits_130_and_frees_the_port(served: Served) -> None:
    code, err = served.interrupt()
    assert code == 130
    assert "Traceback" not in err
    assert _bindable(served.port)


def test_limits_and_bad_input_never_crash_it(served: Served, peers: list[Peer]) -> None:
    good = Peer(served.url, ["websocket"]).connect()
    peers.append(good)
    refused = good.sio.call("chat", {"text": "x" * 600}, timeout=10)
    assert refused["ok"] is False and "500" in refused["error"]
    assert good.sio.call("chat", "not an object", timeout=10)["ok"] is False
    assert good.sio.call("join", {"no": "room"}, timeout=10)["ok"] is False
    # a payload above maxPayload (16000 bytes) ends that client's connection, nothing more
    big = Peer(served.url, ["websocket"]).connect()
    peers.append(big)
    big.sio.reconnection = False
    big.sio.emit("echo", "y" * 20_000)
    assert big.wait(lambda: bool(big.disconnects), timeout=15)
    # raw garbage on the port, a broken WebSocket handshake, invalid packets
    for junk in (
        b"\x00\xff\xfe garbage\r\n\r\n",
        b"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\n"
        b"Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        b"POST /socket.io/?EIO=4&transport=polling&sid=nope HTTP/1.1\r\nHost: x\r\n"
        b"Content-Length: 4\r\n\r\n42{}",
    ):
        with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
            sock.sendall(junk)
            sock.shutdown(socket.SHUT_WR)
            while sock.recv(4096):
                pass
    # A bare WebSocket client (the `websockets` library). Not netlearn's PlainWebSocket: its
    # connect() drops a frame that arrives in the same read as the 101 (a flaky timeout here).
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{served.port}/socket.io/?EIO=4&transport=websocket"
    with connect(url, open_timeout=5, close_timeout=1) as ws:
        assert str(ws.recv(5)).startswith("0{")
        ws.send("40")
        assert str(ws.recv(5)).startswith("40{")
        # an invalid payload: the reference server would drop the connection; python-socketio
        # logs the error and carries on. Either way the server survives.
        ws.send("42{}")
        served.wait_for(lambda e: e.get("type") == "sio-log" and e.get("level") == "ERROR")
        ws.send('427["echo","after junk"]')
        assert ws.recv(10) == '437["after junk"]'
    # still serving everyone else
    assert good.sio.call("echo", "still here", timeout=10) == "still here"
    assert served.proc.poll() is None


def test_a_busy_port_is_one_clear_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    try:
        port = holder.getsockname()[1]
        result = run_cli("socketio", "serve", "--port", str(port), "--format", "plain", timeout=30)
    finally:
        holder.close()
    assert result.returncode == 1
    assert result.stderr.startswith(f"netlearn: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.stderr
