"""The opening handshake: RFC 6455 vectors, and the sans-I/O server and client wired in memory."""

from __future__ import annotations

import base64
import hashlib
import random

import pytest
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from netlearn.lessons.websocket.handshake import (
    GUID,
    RFC_EXAMPLE_ACCEPT,
    RFC_EXAMPLE_KEY,
    accept_for,
    accept_stages,
    explain_headers,
    http_event,
    key_is_valid,
    new_key,
)
from netlearn.lessons.websocket.protocol import (
    BadRequest,
    ClientConnection,
    ClientState,
    Failure,
    Received,
    RequestIn,
    ResponseIn,
    ServerConnection,
    check_accept,
    standard_headers,
)

KEY = RFC_EXAMPLE_KEY


def test_rfc6455_section_1_3_example() -> None:
    # RFC 6455 section 1.3: key "dGhlIHNhbXBsZSBub25jZQ==" gives accept
    # "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", through the SHA-1 digest printed there.
    stages = accept_stages("dGhlIHNhbXBsZSBub25jZQ==")
    assert stages.joined == "dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    assert stages.digest == bytes.fromhex("b37a4f2cc0624f1690f64606cf385945b2bec4ea")
    assert stages.accept == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert RFC_EXAMPLE_ACCEPT == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert GUID == "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def test_accept_agrees_with_wsproto_for_random_keys() -> None:
    from wsproto.utilities import generate_accept_token

    rng = random.Random(7)
    for _ in range(20):
        _, key = new_key(rng)
        assert accept_for(key).encode() == generate_accept_token(key.encode())


def test_new_key_is_16_bytes_from_the_env_rng() -> None:
    nonce, key = new_key(random.Random(42))
    assert len(nonce) == 16
    assert base64.b64decode(key) == nonce
    assert new_key(random.Random(42)) == (nonce, key)  # seeded: repeatable
    assert new_key(random.Random(43))[1] != key
    assert key_is_valid(key)
    assert not key_is_valid(base64.b64encode(b"x" * 15).decode())
    assert not key_is_valid("not base64!")


def test_headers_are_explained_with_their_rfc_section() -> None:
    notes = explain_headers(standard_headers("h:1", KEY), response=False)
    by_name = {n.name: n.meaning for n in notes}
    assert "section 4.1, item 7" in by_name["Sec-WebSocket-Key"]
    assert "section 4.1, item 5" in by_name["Upgrade"]
    resp = explain_headers([("Sec-WebSocket-Accept", "x")], response=True)
    assert "SHA-1" in resp[0].meaning


def _pair(**server_kw: object) -> tuple[ClientConnection, ServerConnection]:
    client = ClientConnection("127.0.0.1:9", "/chat", key=KEY)
    server = ServerConnection(endpoints=("/chat",), **server_kw)  # type: ignore[arg-type]
    return client, server


def test_in_memory_handshake_and_frames_both_ways() -> None:
    client, server = _pair()
    request = client.request()
    assert request.startswith(b"GET /chat HTTP/1.1\r\n")
    # Fed one byte at a time, the request completes exactly at its last byte.
    items: list[object] = []
    for i in range(len(request)):
        items = server.receive_data(request[i : i + 1])
        assert bool(items) == (i == len(request) - 1)
    req = items[0]
    assert isinstance(req, RequestIn) and req.upgrade is not None and req.raw == request
    response, early = server.accept()
    assert early == []
    assert f"Sec-WebSocket-Accept: {RFC_EXAMPLE_ACCEPT}\r\n".encode() in response
    (resp,) = client.receive_data(response)
    assert isinstance(resp, ResponseIn) and resp.accepted and resp.raw == response

    frame = client.send(TextMessage(data="Hello"))
    assert frame[0] == 0x81 and frame[1] & 0x80  # FIN+text, masked
    (got,) = server.receive_data(frame)
    assert isinstance(got, Received) and got.raw == frame
    assert got.events == [TextMessage(data="Hello", frame_finished=True, message_finished=True)]

    (got,) = client.receive_data(server.send(BytesMessage(data=b"\x00\xff")))
    assert isinstance(got, Received) and got.raw == b"\x82\x02\x00\xff"
    (got,) = client.receive_data(server.send(Ping(payload=b"p")))
    assert isinstance(got.events[0], Ping)
    (got,) = server.receive_data(client.send(got.events[0].response()))
    assert got.events == [Pong(payload=b"p")]
    (got,) = server.receive_data(client.send(CloseConnection(code=1000, reason="bye")))
    assert got.events == [CloseConnection(code=1000, reason="bye")]


def test_frames_sent_with_the_request_are_not_lost() -> None:
    client, server = _pair()
    request = client.request()
    (req,) = server.receive_data(request + b"\x81\x80\x00\x00\x00\x00")  # an empty masked text
    assert isinstance(req, RequestIn) and req.raw == request
    _, early = server.accept()
    assert len(early) == 1 and isinstance(early[0], Received)
    assert early[0].events[0] == TextMessage(data="", frame_finished=True, message_finished=True)


def _refusal(headers: list[tuple[str, str]], method: str = "GET") -> tuple[int, bytes]:
    server = ServerConnection(endpoints=("/chat",))
    raw = f"{method} /chat HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    (req,) = server.receive_data(raw.encode())
    assert isinstance(req, RequestIn) and req.refusal is not None
    return req.refusal.status, server.refuse(req.refusal)


def test_missing_upgrade_header_is_400_with_the_reason() -> None:
    headers = [h for h in standard_headers("h", KEY) if h[0] != "Upgrade"]
    status, answer = _refusal(headers)
    assert status == 400
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert b"Upgrade: websocket" in answer and b"4.2.1" in answer


def test_wrong_version_is_426_naming_version_13() -> None:
    status, answer = _refusal(standard_headers("h", KEY, version="8"))
    assert status == 426
    assert answer.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in answer
    assert b"4.4" in answer


@pytest.mark.parametrize(
    ("headers", "method", "needle"),
    [
        ([h for h in standard_headers("h", KEY) if h[0] != "Sec-WebSocket-Key"], "GET", b"Key"),
        (standard_headers("h", base64.b64encode(b"short").decode()), "GET", b"16 bytes"),
        ([h for h in standard_headers("h", KEY) if h[0] != "Connection"], "GET", b"Connection"),
        (standard_headers("h", KEY), "POST", b"GET"),
    ],
)
def test_other_bad_handshakes_are_400(
    headers: list[tuple[str, str]], method: str, needle: bytes
) -> None:
    status, answer = _refusal(headers, method)
    assert status == 400 and needle in answer


def test_http_1_0_and_garbage_and_huge_heads() -> None:
    server = ServerConnection(endpoints=("/chat",))
    raw = "GET /chat HTTP/1.0\r\n" + "".join(f"{k}: {v}\r\n" for k, v in standard_headers("h", KEY))
    (req,) = server.receive_data((raw + "\r\n").encode())
    assert isinstance(req, RequestIn) and req.refusal is not None and req.refusal.status == 400
    (bad,) = ServerConnection().receive_data(b"\x16\x03\x01\x02\x00 not http\r\n\r\n")
    assert isinstance(bad, BadRequest) and bad.refusal.status == 400
    (big,) = ServerConnection(max_head=200).receive_data(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 60)
    assert isinstance(big, BadRequest) and big.refusal.status == 431


def test_client_checks_the_101_response() -> None:
    good = [("Upgrade", "websocket"), ("Connection", "Upgrade")]
    assert check_accept([*good, ("Sec-WebSocket-Accept", RFC_EXAMPLE_ACCEPT)], KEY) == ""
    wrong = base64.b64encode(hashlib.sha1(b"x").digest()).decode()
    assert "does not match" in check_accept([*good, ("Sec-WebSocket-Accept", wrong)], KEY)
    assert "Upgrade" in check_accept([("Sec-WebSocket-Accept", RFC_EXAMPLE_ACCEPT)], KEY)
    client = ClientConnection("h", "/", key=KEY)
    client.request()
    bad = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    (resp,) = client.receive_data(bad + f"Sec-WebSocket-Accept: {wrong}\r\n\r\n".encode())
    assert (
        isinstance(resp, ResponseIn) and not resp.accepted and client.state is ClientState.REFUSED
    )


def test_server_failures_carry_the_close_code_and_section() -> None:
    client, server = _pair(max_message=100)
    server.receive_data(client.request())
    client.receive_data(server.accept()[0])
    # Unmasked client frame: RFC 6455 section 5.1 -> 1002.
    (_, fail) = server.receive_data(b"\x81\x05Hello")
    assert isinstance(fail, Failure) and fail.code == 1002 and "5.1" in fail.section
    close = server.fail(fail)
    assert close[0] == 0x88 and not close[1] & 0x80  # FIN + close, unmasked: from a server
    assert close[2:4] == (1002).to_bytes(2, "big") and close[1] == len(close) - 2
    assert server.fail(fail) == b""  # a connection is failed once


def test_invalid_utf8_is_1007_and_too_big_is_1009_before_the_payload() -> None:
    from netlearn.packets.websocket import ws_frame

    client, server = _pair(max_message=100)
    server.receive_data(client.request())
    client.receive_data(server.accept()[0])
    bad = bytes(ws_frame(b"caf\xc3\x28", masking_key=b"\x01\x02\x03\x04"))
    (_, fail) = server.receive_data(bad)
    assert isinstance(fail, Failure) and fail.code == 1007 and fail.section == "8.1"

    client, server = _pair(max_message=100)
    server.receive_data(client.request())
    client.receive_data(server.accept()[0])
    header = bytes(ws_frame(b"\x00" * 101, opcode=2, masking_key=b"\x01\x02\x03\x04"))[:8]
    (fail,) = server.receive_data(header)  # the header alone is enough to refuse
    assert isinstance(fail, Failure) and fail.code == 1009
    # A fragmented message is counted as a whole: 60 + 60 > 100.
    client, server = _pair(max_message=100)
    server.receive_data(client.request())
    client.receive_data(server.accept()[0])
    first = client.send(TextMessage(data="a" * 60, message_finished=False))
    assert isinstance(server.receive_data(first)[0], Received)
    (fail,) = server.receive_data(client.send(TextMessage(data="b" * 60)))
    assert isinstance(fail, Failure) and fail.code == 1009


def test_http_event_explains_status_and_headers() -> None:
    raw = b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\n\r\n"
    event = http_event(raw, "server", "client", "refusal")
    assert event.start_line == "HTTP/1.1 426 Upgrade Required"
    assert "4.4" in event.start_meaning
    assert [h.name for h in event.headers] == ["Sec-WebSocket-Version", "Content-Length"]
