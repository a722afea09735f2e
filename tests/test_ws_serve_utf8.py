"""Invalid UTF-8 fails a text message as soon as the bad byte arrives (RFC 6455 section 8.1),
in the middle of a fragmented message or of a frame whose payload is still arriving."""

from __future__ import annotations

import select
import socket
import struct
from collections.abc import Iterator

import pytest

from netlearn.events import Event
from netlearn.lessons.websocket.protocol import Failure, Received, ServerConnection
from netlearn.lessons.websocket.server import ServeConfig, ServerThread
from netlearn.packets.websocket import ws_frame

KEY = "dGhlIHNhbXBsZSBub25jZQ=="
MASK = b"\x37\xfa\x21\x3d"
# Autobahn's case 6.4.2: "κόσμε", then F4 90 80 80 (U+110000, beyond Unicode): F4 may start a
# 4-byte sequence, the 90 after it is the first byte that makes the text invalid.
BAD = bytes.fromhex("cebae1bdb9cf83cebcceb5") + b"\xf4\x90\x80\x80" + b"edited"
BAD_AT = 12  # index of that 90 in the payload


def frame(payload: bytes, opcode: int = 1, fin: bool = True) -> bytes:
    return bytes(ws_frame(payload, opcode=opcode, fin=fin, masking_key=MASK))


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    events: list[Event] = []
    with ServerThread(ServeConfig(port=0, drain_timeout=0.5), events.append) as srv:
        yield srv.server.port
    assert srv.server.errors == 0


def opened(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(
        (
            f"GET /echo HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {KEY}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101 ")
    return sock


def close_arrives(sock: socket.socket, seconds: float = 3.0) -> int | None:
    """The close code the server sends within `seconds`, or None if nothing came."""
    ready, _, _ = select.select([sock], [], [], seconds)
    if not ready:
        return None
    data = sock.recv(4)
    assert data[:1] == b"\x88", data
    return struct.unpack("!H", data[2:4])[0]


def test_bad_first_fragment_fails_before_the_last_is_sent(port: int) -> None:
    with opened(port) as sock:
        sock.sendall(frame(BAD, fin=False))
        assert close_arrives(sock) == 1007  # and the final fragment is never sent
    with opened(port) as sock:  # the bad byte in the second of three fragments
        sock.sendall(frame("κόσμε".encode(), fin=False))
        assert close_arrives(sock, 0.3) is None  # valid so far: nothing to say
        sock.sendall(frame(b"\xed\xa0\x80", opcode=0, fin=False))
        assert close_arrives(sock) == 1007


def test_bad_byte_in_a_frame_still_arriving(port: int) -> None:
    whole = frame(BAD + b"x" * 100)
    bad_at = 2 + 4 + BAD_AT
    with opened(port) as sock:
        sock.sendall(whole[:bad_at])  # valid so far (F4 may start a 4-byte sequence)
        assert close_arrives(sock, 0.3) is None
        sock.sendall(whole[bad_at : bad_at + 1])
        assert close_arrives(sock) == 1007  # the other 100 bytes are never sent


def test_a_split_but_valid_character_is_fine(port: int) -> None:
    text = "é✓" * 10
    data = text.encode()
    with opened(port) as sock:
        first = frame(data[:3], fin=False)
        sock.sendall(first[:-1])
        assert close_arrives(sock, 0.2) is None
        sock.sendall(first[-1:] + frame(data[3:], opcode=0))
        ready, _, _ = select.select([sock], [], [], 3)
        assert ready
        echo = sock.recv(4096)
        assert echo[0] == 0x81 and echo[2:] == data


def test_sans_io_fails_on_the_byte_in_memory() -> None:
    conn = ServerConnection(endpoints=("/echo",))
    request = (
        "GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {KEY}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    assert conn.receive_data(request)
    conn.accept()
    whole = frame(BAD + b"x" * 50)
    got: list[object] = []
    for i in range(len(whole)):
        got += conn.receive_data(whole[i : i + 1])
        if got:
            break
    assert i == 2 + 4 + BAD_AT  # exactly the 90 after F4
    assert len(got) == 1 and isinstance(got[0], Failure) and got[0].code == 1007
    # A whole frame in one piece is reported as before: the frame, then the failure.
    conn = ServerConnection(endpoints=("/echo",))
    conn.receive_data(request)
    conn.accept()
    items = conn.receive_data(frame(BAD))
    assert [type(i) for i in items] == [Received, Failure]
