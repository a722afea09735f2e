"""`netlearn websocket serve`: interoperability with the `websockets` library both ways, the
failure cases on real sockets, 100 clients at once, a client vanishing mid-frame, Ctrl-C."""

from __future__ import annotations

import os
import random
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosedError, InvalidStatus
from websockets.sync.client import connect

from netlearn.events import Event, Note
from netlearn.lessons.websocket.client import WsClient
from netlearn.lessons.websocket.events import HttpMessage, ServerLog, WsFrame
from netlearn.lessons.websocket.handshake import accept_for
from netlearn.lessons.websocket.server import ServeConfig, ServerThread
from netlearn.packets.websocket import ws_frame

REPO = Path(__file__).resolve().parent.parent
LIMIT = 64 * 1024
KEY = "dGhlIHNhbXBsZSBub25jZQ=="


class Running:
    def __init__(self, thread: ServerThread, events: list[Event]) -> None:
        self.thread = thread
        self.events = events
        self.port = thread.server.port

    def url(self, path: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}"

    def logs(self) -> str:
        return "\n".join(e.text for e in list(self.events) if isinstance(e, ServerLog))


@pytest.fixture
def server() -> Iterator[Running]:
    events: list[Event] = []
    config = ServeConfig(
        port=0,
        max_message=LIMIT,
        push_every=0.2,
        ping_every=0.3,
        handshake_timeout=1.5,
        drain_timeout=1.0,
    )
    thread = ServerThread(config, events.append)
    thread.start()
    try:
        yield Running(thread, events)
    finally:
        thread.stop()
    assert thread.server.errors == 0, "a handler raised an unexpected error"


# ------------------------------------------------------------------ interoperability


def test_websockets_client_against_our_echo(server: Running) -> None:
    with connect(server.url("/echo"), max_size=None) as ws:
        for message in ("hello", "héllo ✓", b"\x00\x01\xfe\xff", b"", "x" * 300, b"y" * 60000):
            ws.send(message)
            assert ws.recv(timeout=5) == message
        ws.send(["Hel", "lo, ", "fragments"])  # one message in three frames
        assert ws.recv(timeout=5) == "Hello, fragments"
        assert ws.ping(b"are you there").wait(5)
        with pytest.raises(TimeoutError):  # /echo never speaks first
            ws.recv(timeout=1.0)
    frames = [e for e in server.events if isinstance(e, WsFrame)]
    continuation = [f for f in frames if f.opname == "continuation"]
    # websockets ends a fragmented message with an empty final continuation frame.
    assert len(continuation) >= 2 and all(f.masked for f in continuation)
    assert continuation[-1].fin and not any(f.fin for f in continuation[:-1])


def test_over_the_limit_is_closed_with_1009(server: Running) -> None:
    with connect(server.url("/echo"), max_size=None) as ws:
        ws.send(b"z" * (LIMIT + 1))
        with pytest.raises(ConnectionClosedError) as info:
            ws.recv(timeout=5)
    assert info.value.rcvd is not None and info.value.rcvd.code == 1009


def test_our_client_against_websockets_server() -> None:
    from websockets.sync.server import serve

    def echo(ws) -> None:  # type: ignore[no-untyped-def]
        for message in ws:
            ws.send(message)

    with serve(echo, "127.0.0.1", 0) as srv:
        port = srv.socket.getsockname()[1]
        worker = threading.Thread(target=srv.serve_forever, daemon=True)
        worker.start()
        with WsClient(f"ws://127.0.0.1:{port}/any") as ws:
            assert ws.response is not None and ws.response.status == 101
            accept = dict((k.lower(), v) for k, v in ws.response.headers)["sec-websocket-accept"]
            assert accept == accept_for(ws.proto.key)
            for message in ("hi", b"\x00\xff" * 100, "z" * 70000):
                ws.send(message)
                assert ws.recv() == message
            ws.ping(b"p1")
            pong = ws.recv()
            assert getattr(pong, "payload", None) == b"p1"
            reply = ws.close(1000, "done")
        assert reply is not None and reply.code == 1000
        srv.shutdown()
        worker.join(5)


def test_our_client_against_our_server(server: Running) -> None:
    with WsClient(server.url("/echo")) as ws:
        ws.send("round trip")
        assert ws.recv() == "round trip"


# ------------------------------------------------------------------ the chat endpoint


def test_chat_pushes_pings_and_relays(server: Running) -> None:
    origin = f"http://127.0.0.1:{server.port}"
    with (
        connect(server.url("/chat"), origin=origin) as a,
        connect(server.url("/chat"), origin=origin) as b,
    ):
        import json

        welcome = json.loads(a.recv(timeout=5))
        assert welcome["type"] == "welcome"
        a.send('{"type": "chat", "text": "hi from a"}')
        seen: list[dict[str, object]] = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not (
            any(m.get("type") == "push" for m in seen)
            and any(m.get("text") == "hi from a" for m in seen)
        ):
            seen.append(json.loads(b.recv(timeout=5)))
        assert any(m.get("type") == "push" for m in seen)
        assert any(m.get("text") == "hi from a" and m.get("from") == welcome["you"] for m in seen)
        # The server pings every 0.3 s; the client library answers by itself.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            frames = [e for e in list(server.events) if isinstance(e, WsFrame)]
            if any(f.opname == "pong" and f.dst == "server" for f in frames):
                break
            b.recv(timeout=5)
        else:
            pytest.fail("no pong reached the server")
    requests = [e for e in server.events if isinstance(e, HttpMessage) and "upgrade" in e.label]
    assert requests and b"Origin: " + origin.encode() in requests[0].raw


def test_chat_refuses_other_origins_and_says_why(server: Running) -> None:
    with pytest.raises(InvalidStatus) as info:
        connect(server.url("/chat"), origin="http://evil.example")
    assert info.value.response.status_code == 403
    notes = [e.text for e in server.events if isinstance(e, Note)]
    assert any("cross-site WebSocket hijacking" in n for n in notes)
    # DNS rebinding: a page at http://evil.example:PORT has a matching Origin and Host, but
    # the Host name is not one this loopback server answers to.
    host = f"evil.example:{server.port}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(_request("/chat", host=host, extra=f"Origin: http://{host}\r\n"))
        assert _read_all(sock).startswith(b"HTTP/1.1 421 Misdirected Request\r\n")


# ------------------------------------------------------------------ failures on real sockets


def _request(
    path: str, *, host: str = "localhost", drop: str = "", version: str = "13", extra: str = ""
) -> bytes:
    headers = [
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {KEY}",
        f"Sec-WebSocket-Version: {version}",
    ]
    headers = [h for h in headers if not drop or not h.startswith(drop + ":")]
    return (
        f"GET {path} HTTP/1.1\r\n" + "".join(h + "\r\n" for h in headers) + extra + "\r\n"
    ).encode()


def _read_all(sock: socket.socket) -> bytes:
    data = b""
    sock.settimeout(5)
    while chunk := sock.recv(65536):
        data += chunk
    return data


def _open(server: Running) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(_request("/echo"))
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 ") and accept_for(KEY).encode() in head
    return sock


def _close_code(data: bytes) -> int:
    assert data[0] == 0x88, data[:8]
    return struct.unpack("!H", data[2:4])[0]


def test_handshake_failures(server: Running) -> None:
    cases = [
        (_request("/echo", drop="Upgrade"), b"HTTP/1.1 400 Bad Request\r\n", b"Upgrade: websocket"),
        (
            _request("/echo", version="8"),
            b"HTTP/1.1 426 Upgrade Required\r\n",
            b"Sec-WebSocket-Version: 13\r\n",
        ),
        (_request("/nowhere"), b"HTTP/1.1 404 Not Found\r\n", b"no WebSocket endpoint"),
        (b"BLAH\x00\r\n\r\n", b"HTTP/1.1 400 Bad Request\r\n", b"not a valid HTTP/1.1 request"),
        (
            b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n",
            b"HTTP/1.1 431 ",
            b"larger than",
        ),
    ]
    for request, status, needle in cases:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request)
            answer = _read_all(sock)
        assert answer.startswith(status), answer[:80]
        assert needle in answer


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        (bytes(ws_frame(b"Hello")), 1002),  # unmasked: RFC 6455 section 5.1
        (bytes(ws_frame(b"caf\xc3\x28", masking_key=b"abcd")), 1007),  # not UTF-8: section 8.1
        (bytes(ws_frame(b"\x00" * (LIMIT + 1), opcode=2, masking_key=b"abcd")), 1009),
        (b"\x83\x80abcd", 1002),  # reserved opcode
        (b"\x89\xfe\x00\x7eabcd" + bytes(126), 1002),  # control frame over 125 bytes
    ],
)
def test_bad_frames_get_the_rfc_close_code(server: Running, frame: bytes, code: int) -> None:
    with _open(server) as sock:
        sock.sendall(frame)
        answer = _read_all(sock)  # the close frame, then TCP's FIN (recv returns b"")
    assert _close_code(answer) == code


def test_static_page_and_methods(server: Running) -> None:
    for request, status in (
        (b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", b"200 OK"),
        (b"GET /chat.js HTTP/1.1\r\nHost: localhost\r\n\r\n", b"200 OK"),
        (b"HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n", b"200 OK"),
        (
            b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n",
            b"405 Method Not Allowed",
        ),
        (b"GET /../../etc/passwd HTTP/1.1\r\nHost: localhost\r\n\r\n", b"404 Not Found"),
    ):
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(request)
            answer = _read_all(sock)
        assert answer.split(b"\r\n", 1)[0] == b"HTTP/1.1 " + status
    page = (REPO / "assets/web/websocket/index.html").read_bytes()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert _read_all(sock).endswith(page)


def test_silent_client_is_dropped_after_the_handshake_timeout(server: Running) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /echo HTTP/1.1\r\n")  # and never the rest
        start = time.monotonic()
        assert _read_all(sock) == b""
        assert time.monotonic() - start < 4


# ------------------------------------------------------------------ load and abrupt clients


def test_a_hundred_clients_at_once(server: Running) -> None:
    n = 100
    barrier = threading.Barrier(n, timeout=30)

    def one(i: int) -> str:
        with connect(server.url("/echo"), open_timeout=20) as ws:
            barrier.wait()  # all 100 are connected at the same time
            ws.send(f"client {i}")
            return str(ws.recv(timeout=20))

    with ThreadPoolExecutor(max_workers=n) as pool:
        answers = list(pool.map(one, range(n)))
    assert answers == [f"client {i}" for i in range(n)]


def test_a_client_vanishing_mid_frame_disturbs_no_one(server: Running) -> None:
    with connect(server.url("/echo")) as steady:
        steady.send("before")
        assert steady.recv(timeout=5) == "before"
        for abrupt in (False, True):
            sock = _open(server)
            frame = bytes(ws_frame(b"x" * 1000, masking_key=b"abcd"))
            sock.sendall(frame[:300])  # header and part of the payload, then gone
            if abrupt:  # a reset instead of a FIN
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        rng = random.Random(0)
        for garbage in [rng.randbytes(rng.randrange(1, 300)) for _ in range(20)]:
            # Bytes that are not HTTP at all, before any handshake.
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
                sock.sendall(garbage)
                sock.shutdown(socket.SHUT_WR)
                answer = _read_all(sock)
            assert answer == b"" or answer.startswith((b"HTTP/1.1 400 ", b"HTTP/1.1 431 "))
        for garbage in [rng.randbytes(64) for _ in range(20)] + [b"\xff" * 20]:
            with _open(server) as sock:
                sock.sendall(garbage)
                sock.shutdown(socket.SHUT_WR)  # random bytes may announce a long payload
                _read_all(sock)
        steady.send("after")
        assert steady.recv(timeout=5) == "after"
    deadline = time.monotonic() + 15
    while "middle of a frame" not in server.logs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "middle of a frame" in server.logs()


def test_beyond_the_client_limit_is_503() -> None:
    events: list[Event] = []
    with ServerThread(ServeConfig(port=0, max_clients=2), events.append) as srv:
        url = f"ws://127.0.0.1:{srv.server.port}/echo"
        with connect(url) as one, connect(url) as two:
            with pytest.raises(InvalidStatus) as info:
                connect(url)
            assert info.value.response.status_code == 503
            one.send("1")
            two.send("2")
            assert (one.recv(timeout=5), two.recv(timeout=5)) == ("1", "2")
        with connect(url) as three:  # room again once they left
            three.send("3")
            assert three.recv(timeout=5) == "3"


# ------------------------------------------------------------------ the command itself


def test_serve_command_ctrl_c_closes_everything(tmp_path: Path) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(tmp_path), "COLUMNS": "80"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlearn", "websocket", "serve", "--format", "plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    try:
        assert proc.stdout is not None
        port = 0
        for line in proc.stdout:
            if line.startswith("Listening on 127.0.0.1:"):
                port = int(line.split(":")[1].split(".")[0])
                break
        assert port
        from websockets.exceptions import ConnectionClosed

        with connect(f"ws://127.0.0.1:{port}/echo") as ws:
            ws.send("still here")
            assert ws.recv(timeout=5) == "still here"
            proc.send_signal(signal.SIGINT)
            with pytest.raises(ConnectionClosed) as info:
                ws.recv(timeout=5)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1001  # going away
        assert proc.wait(10) == 130
        out = proc.stdout.read()
        assert f"port {port} released" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    with socket.socket() as probe:
        # Free again: nothing listens there. (SO_REUSEADDR, as every server sets it, because
        # the closed connections may linger in TIME-WAIT on the server's side: RFC 6455 7.1.1.)
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))
        probe.listen()


def test_serve_refuses_a_busy_port(run_cli) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_cli("websocket", "serve", "--port", str(port))
    assert result.returncode == 1
    assert result.stderr.strip() == f"netlearn: port {port} is already in use; try --port 0"
