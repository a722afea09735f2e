"""`socketio serve` and DNS rebinding: only its own Host names and its own pages get in.

A page on http://evil.example:P that made its name resolve to 127.0.0.1 sends requests with
`Host: evil.example:P` and `Origin: http://evil.example:P`. They must be refused (421 for the
Host, 403 for the Origin, with a reason), for the long-polling handshake and for the WebSocket
upgrade alike, while the names of this machine and the ones given with --allow-host keep
working. Requests are written as raw bytes and answers read with h11, so the test sees exactly
what a browser would.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import h11
import pytest
from test_sio_serve import Peer, Served

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"
WS_HANDSHAKE = "/socket.io/?EIO=4&transport=websocket"
WS_HEADERS = [
    ("Upgrade", "websocket"),
    ("Connection", "Upgrade"),
    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ("Sec-WebSocket-Version", "13"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = Served(
        tmp_path_factory.mktemp("home"), extra=("--allow-host", "lab.example", "--allow-host", "x")
    )
    try:
        yield server
    finally:
        server.stop()


def request(
    port: int,
    target: str,
    headers: list[tuple[str, str]],
    sock: socket.socket | None = None,
) -> tuple[int, dict[str, str], bytes, socket.socket]:
    """One HTTP/1.1 request written as given; (status, headers, body, the socket)."""
    sock = sock or socket.create_connection(("127.0.0.1", port), timeout=5)
    conn = h11.Connection(h11.CLIENT)
    sock.sendall(conn.send(h11.Request(method="GET", target=target, headers=headers)))
    sock.sendall(conn.send(h11.EndOfMessage()))
    status, got, body = 0, {}, bytearray()
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(sock.recv(65536))
            continue
        if isinstance(event, h11.InformationalResponse | h11.Response):
            status = event.status_code
            got = {k.decode().lower(): v.decode() for k, v in event.headers}
            if status == 101:
                break
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            break
    return status, got, bytes(body), sock


def ask(port: int, target: str, headers: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
    status, got, body, sock = request(port, target, headers)
    sock.close()
    return status, got, body


def test_a_rebound_name_is_refused_for_polling(served: Served) -> None:
    evil = f"evil.example:{served.port}"
    status, headers, body = ask(
        served.port, HANDSHAKE, [("Host", evil), ("Origin", f"http://{evil}")]
    )
    assert status == 421, body
    assert b"sid" not in body
    assert b"evil.example" in body and b"not a name this server answers to" in body
    assert headers.get("connection") == "close"
    note = served.wait_for(
        lambda e: e.get("type") == "note" and "Refused" in e.get("text", "") and "evil" in e["text"]
    )
    assert "421" in note["text"] and note["tone"] == "warn"


def test_a_rebound_name_is_refused_for_the_websocket_upgrade(served: Served) -> None:
    evil = f"evil.example:{served.port}"
    status, _, body = ask(
        served.port, WS_HANDSHAKE, [("Host", evil), ("Origin", f"http://{evil}"), *WS_HEADERS]
    )
    assert status == 421
    assert b"evil.example" in body and b"DNS rebinding" in body


def test_a_foreign_origin_is_refused_even_with_a_good_host(served: Served) -> None:
    good = f"127.0.0.1:{served.port}"
    for origin in (f"http://evil.example:{served.port}", "http://127.0.0.1:1", "null"):
        status, _, body = ask(served.port, HANDSHAKE, [("Host", good), ("Origin", origin)])
        assert status == 403, origin
        assert b"Origin" in body
        status, _, body = ask(
            served.port, WS_HANDSHAKE, [("Host", good), ("Origin", origin), *WS_HEADERS]
        )
        assert status == 403, origin


def test_a_wrong_port_or_no_host_is_refused(served: Served) -> None:
    status, _, body = ask(served.port, HANDSHAKE, [("Host", "127.0.0.1:1")])
    assert status == 421 and b"port" in body
    # h11 will not send HTTP/1.1 without Host; HTTP/1.0 may omit it
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sock:
        sock.sendall(f"GET {HANDSHAKE} HTTP/1.0\r\n\r\n".encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 421") and b"no Host header" in data


def test_the_names_of_this_machine_and_allowed_names_get_in(served: Served) -> None:
    port = served.port
    for name in ("127.0.0.1", "localhost", "[::1]", "LOCALHOST", "lab.example", "x"):
        host = f"{name}:{port}"
        status, headers, body = ask(port, HANDSHAKE, [("Host", host), ("Origin", f"http://{host}")])
        assert status == 200, (name, body)
        assert body.startswith(b'0{"sid":')
        # python-socketio's own CORS check agrees with the policy (it is set from it)
        assert headers.get("access-control-allow-origin") == f"http://{host}"
        status, _, _, sock = request(
            port, WS_HANDSHAKE, [("Host", host), ("Origin", f"http://{host}"), *WS_HEADERS]
        )
        sock.close()
        assert status == 101, name
    # no Origin: not a browser, allowed (curl, python-socketio's client)
    assert ask(port, HANDSHAKE, [("Host", f"localhost:{port}")])[0] == 200


def test_every_request_on_a_connection_is_checked(served: Served) -> None:
    """A good first request does not let a later one on the same connection through."""
    good = f"127.0.0.1:{served.port}"
    status, _, _, sock = request(served.port, HANDSHAKE, [("Host", good)])
    assert status == 200
    try:
        status, _, body, _ = request(
            served.port, HANDSHAKE, [("Host", f"evil.example:{served.port}")], sock=sock
        )
    finally:
        sock.close()
    assert status == 421 and b"evil.example" in body


def test_the_real_client_still_chats(served: Served) -> None:
    peer = Peer(served.url).connect()  # polling, then the upgrade, with python-socketio's client
    try:
        assert peer.sio.call("echo", "through the gate", timeout=10) == "through the gate"
    finally:
        peer.close()


def test_the_page_is_served_only_to_its_own_names(served: Served) -> None:
    assert ask(served.port, "/", [("Host", f"localhost:{served.port}")])[0] == 200
    status, _, body = ask(served.port, "/", [("Host", f"evil.example:{served.port}")])
    assert status == 421 and b"DNS rebinding" in body


def test_allow_host_is_in_help_and_start_shows_the_names(served: Served, run_cli) -> None:  # type: ignore[no-untyped-def]
    note = served.wait_for(lambda e: "Accepted Host names" in e.get("text", ""))
    assert "lab.example" in note["text"] and "localhost" in note["text"]
    result = run_cli("socketio", "serve", "--help", env={"COLUMNS": "200"})
    assert "--allow-host" in result.stdout and "DNS" in result.stdout
