"""`socketio serve --redis URL`: two server processes share broadcasts through a real Redis.

The test starts Debian's `redis-server` on 127.0.0.1 with a port of its own, without any
persistence, in a temporary folder; a python-socketio client on one `serve` process sees the
chat sent by a client of the other. A bad or unreachable URL is one clear line and exit 1.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_sio_serve import Peer, Served

pytestmark = pytest.mark.tools("redis-server")

REDIS = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
)
needs_redis = pytest.mark.skipif(
    REDIS is None, reason="redis-server is not installed (apt-get install redis-server)"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    assert REDIS is not None
    for _attempt in range(3):  # the port was free a moment ago; someone may take it meanwhile
        port = _free_port()
        proc = subprocess.Popen(
            [
                REDIS,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(tmp_path),
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=tmp_path,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None and not _pong(port):
            time.sleep(0.05)
        if proc.poll() is None and _pong(port):
            break
        proc.kill()
        proc.wait(5)
    else:
        pytest.fail("redis-server did not start")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@needs_redis
def test_two_processes_share_broadcasts_through_redis(redis_url: str, tmp_path: Path) -> None:
    one = Served(tmp_path / "one", extra=("--redis", redis_url))
    two = Served(tmp_path / "two", extra=("--redis", redis_url))
    peers: list[Peer] = []
    try:
        note = one.wait_for(lambda e: "shared through Redis" in e.get("text", ""))
        assert redis_url in note["text"]
        alice = Peer(one.url, ["websocket"]).connect()
        bob = Peer(two.url).connect()  # long-polling, then the upgrade
        peers += [alice, bob]
        assert alice.sio.call("join", "lab", timeout=10) == {"ok": True, "room": "lab"}
        answer = bob.sio.call("chat", {"text": "from the other process"}, timeout=10)
        assert answer == {"ok": True}
        for peer in (alice, bob):
            assert peer.wait(
                lambda p=peer: any(c.get("text") == "from the other process" for c in p.chats())
            ), "the broadcast did not cross"
        # and back the other way, exactly once each
        alice.sio.emit("chat", {"text": "and back"})
        for peer in (alice, bob):
            assert peer.wait(lambda p=peer: any(c.get("text") == "and back" for c in p.chats()))
        time.sleep(0.3)
        assert [c["text"] for c in bob.chats()] == ["from the other process", "and back"]
        assert [c["text"] for c in alice.chats()] == ["from the other process", "and back"]
        # the process that did not send showed its own client receiving it
        one.wait_for(
            lambda e: (
                e.get("type") == "sio-packet"
                and e.get("direction") == "down"
                and "from the other process" in e.get("raw", "")
            )
        )
    finally:
        for peer in peers:
            peer.close()
        codes = [one.interrupt()[0], two.interrupt()[0]]
    assert codes == [130, 130]


def test_a_redis_url_that_is_not_one_is_a_clear_error(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("socketio", "serve", "--redis", "http://127.0.0.1/", timeout=30)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "netlearn: --redis http://127.0.0.1/: not a Redis URL "
        "(redis://HOST:PORT/0, rediss://... or unix://PATH)"
    ]


def test_an_unreachable_redis_is_one_line_and_no_hang(run_cli) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()  # nothing listens there
    start = time.monotonic()
    result = run_cli(
        "socketio", "serve", "--redis", f"redis://:secret@127.0.0.1:{port}/0", timeout=30
    )
    assert time.monotonic() - start < 15
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"netlearn: cannot reach Redis at redis://***@127.0.0.1:{port}/0: ")
    assert "secret" not in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


def test_a_redis_that_never_answers_is_one_line_within_seconds(run_cli) -> None:  # type: ignore[no-untyped-def]
    from netlearn.lessons.socketio.serve import REDIS_TIMEOUT

    silent = socket.socket()  # accepts connections (the kernel does) and never says a word
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    port = silent.getsockname()[1]
    start = time.monotonic()
    try:
        result = run_cli("socketio", "serve", "--redis", f"redis://127.0.0.1:{port}", timeout=30)
    finally:
        silent.close()
    assert time.monotonic() - start < REDIS_TIMEOUT + 8
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"netlearn: cannot reach Redis at redis://127.0.0.1:{port}: "
        f"no answer in {REDIS_TIMEOUT:g} s"
    ]
