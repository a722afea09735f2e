"""The WebSocket machines: states and moves as tables, failures classified by codes, not text."""

from __future__ import annotations

import pytest

from netlearn.content.words import say
from netlearn.lessons.websocket.frames import parse_head
from netlearn.lessons.websocket.protocol import (
    SECTIONS,
    ClientConnection,
    ClientState,
    Failure,
    MoveError,
    ServerConnection,
    ServerState,
    Why,
    classify,
    standard_headers,
)
from netlearn.lessons.websocket.protocol_states import CLIENT_MOVES, SERVER_MOVES
from netlearn.packets.websocket import ws_frame

KEY = "dGhlIHNhbXBsZSBub25jZQ=="


def _request(headers: list[tuple[str, str]]) -> bytes:
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers)
    return f"GET /chat HTTP/1.1\r\n{lines}\r\n".encode()


def _open_server(max_message: int = 1000) -> ServerConnection:
    server = ServerConnection(endpoints=("/chat",), max_message=max_message)
    server.receive_data(_request(standard_headers("h", KEY)))
    server.accept()
    return server


def _frame(payload: bytes = b"hi", opcode: int = 1, fin: bool = True, rsv: int = 0) -> bytes:
    raw = bytearray(bytes(ws_frame(payload, opcode=opcode, masking_key=b"abcd")))
    if not fin:
        raw[0] &= 0x7F
    raw[0] |= rsv << 4
    return bytes(raw)


def test_every_state_has_a_row_and_every_reason_a_section() -> None:
    assert set(SERVER_MOVES) == set(ServerState)
    assert set(CLIENT_MOVES) == set(ClientState)
    assert set(SECTIONS) == set(Why)


def test_a_missing_row_is_an_error() -> None:
    server = ServerConnection(endpoints=("/chat",))
    (req,) = server.receive_data(_request(standard_headers("h", KEY, version="8")))
    server.refuse(req.refusal)  # type: ignore[attr-defined]
    assert server.state is ServerState.RESPONDED
    with pytest.raises(MoveError):
        server.refuse(req.refusal)  # type: ignore[attr-defined]
    client = ClientConnection("h", "/chat", key=KEY)
    client.request()
    assert client.state is ClientState.REQUESTED
    with pytest.raises(MoveError):
        client.request()


def test_an_unreadable_request_may_still_be_refused() -> None:
    server = ServerConnection(endpoints=("/chat",))
    (bad,) = server.receive_data(b"GARBAGE\r\n\r\n")
    assert server.state is ServerState.BAD
    assert server.refuse(bad.refusal).startswith(b"HTTP/1.1 400 ")  # type: ignore[attr-defined]
    assert server.state is ServerState.RESPONDED


@pytest.mark.parametrize(
    ("frames", "code", "why"),
    [
        ([_frame(rsv=4)], 1002, Why.FRAME),
        ([_frame(opcode=3)], 1002, Why.FRAME),
        ([_frame(opcode=9, fin=False)], 1002, Why.CONTROL),
        ([_frame(b"x" * 126, opcode=9)], 1002, Why.CONTROL),
        ([_frame(opcode=0)], 1002, Why.CONTINUATION),
        ([_frame(fin=False), _frame()], 1002, Why.CONTINUATION),
        ([_frame(b"\x03", opcode=8)], 1002, Why.CLOSE),
        ([_frame((1005).to_bytes(2, "big"), opcode=8)], 1002, Why.CLOSE),
        ([_frame(b"caf\xc3\x28")], 1007, Why.BAD_UTF8),
        ([_frame(b"ab\xc3", fin=False), _frame(b"(", opcode=0)], 1007, Why.BAD_UTF8),
        ([_frame(b"x" * 1001)], 1009, Why.TOO_BIG),
        ([bytes(ws_frame(b"hi"))], 1002, Why.MASK),
    ],
)
def test_failures_carry_a_code_and_our_reason(frames: list[bytes], code: int, why: Why) -> None:
    server = _open_server()
    failures = [i for f in frames for i in server.receive_data(f) if isinstance(i, Failure)]
    assert [(f.code, f.why, f.section) for f in failures] == [(code, why, SECTIONS[why])]


def test_utf8_reason_is_read_from_the_bytes_not_from_wsproto_text() -> None:
    server = _open_server()
    (failure,) = [i for i in server.receive_data(_frame(b"caf\xc3\x28")) if isinstance(i, Failure)]
    text = say("websocket.protocol.failures.bad-utf8", byte="0xc3", why="invalid continuation byte")
    assert failure.reason == text


def test_classify_follows_the_header_not_the_message() -> None:
    head = parse_head(bytes(ws_frame(b"hi")))  # unmasked
    assert head is not None
    assert classify(1002, head, client=False, message=None) is Why.MASK
    assert classify(1002, head, client=True, message=None) is Why.FRAME
    assert classify(1007, head, client=True, message=None) is Why.BAD_UTF8
