"""The observer in the middle: real HTTP/1.1 and WebSocket bytes, made by h11 and wsproto peers
in memory, read back whole whatever the chunking; the trace names and explains them."""

from __future__ import annotations

from collections.abc import Callable

import h11
import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Ping, Request, TextMessage
from wsproto.events import BytesMessage as WsBytes
from wsproto.extensions import PerMessageDeflate

from netlearn.lessons.socketio.events import HttpLine, LinkNote, WirePacket
from netlearn.lessons.socketio.observer import (
    ConnectionObserver,
    ControlSeen,
    MessageSeen,
    Opaque,
    RequestSeen,
    ResponseSeen,
    Seen,
)
from netlearn.lessons.socketio.trace import Tracer

OPEN = (
    '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,'
    '"pingTimeout":20000,"maxPayload":1000000}'
)

Chunker = Callable[[bytes], list[bytes]]
CHUNKINGS: dict[str, Chunker] = {
    "whole": lambda b: [b],
    "bytewise": lambda b: [b[i : i + 1] for i in range(len(b))],
    "sevens": lambda b: [b[i : i + 7] for i in range(0, len(b), 7)],
}


def feed(obs: ConnectionObserver, from_client: bool, data: bytes, chunk: Chunker) -> list[Seen]:
    out: list[Seen] = []
    for piece in chunk(data):
        out.extend(obs.from_client(piece) if from_client else obs.from_server(piece))
    return out


class HttpPair:
    """An h11 client and server joined in memory: the bytes each side really sends."""

    def __init__(self) -> None:
        self.client = h11.Connection(h11.CLIENT)
        self.server = h11.Connection(h11.SERVER)

    def request(self, method: str, target: str, body: bytes = b"") -> bytes:
        headers = [("Host", "127.0.0.1"), ("Content-Length", str(len(body)))]
        data = self.client.send(h11.Request(method=method, target=target, headers=headers))
        data += self.client.send(h11.Data(data=body)) if body else b""
        data += self.client.send(h11.EndOfMessage())
        self.server.receive_data(data)
        while self.server.next_event() is not h11.NEED_DATA:
            if self.server.their_state is h11.DONE:
                break
        return data

    def respond(self, body: bytes) -> bytes:
        headers = [
            ("Content-Type", "text/plain; charset=UTF-8"),
            ("Content-Length", str(len(body))),
        ]
        data = self.server.send(h11.Response(status_code=200, headers=headers))
        data += self.server.send(h11.Data(data=body)) + self.server.send(h11.EndOfMessage())
        self.client.receive_data(data)
        while self.client.their_state is not h11.DONE:
            self.client.next_event()
        self.client.start_next_cycle()
        self.server.start_next_cycle()
        return data


@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_polling_exchanges_on_one_keep_alive_connection(chunking: str) -> None:
    chunk = CHUNKINGS[chunking]
    pair, obs = HttpPair(), ConnectionObserver()
    seen = feed(obs, True, pair.request("GET", "/socket.io/?EIO=4&transport=polling"), chunk)
    assert seen == [
        RequestSeen("GET", "/socket.io/?EIO=4&transport=polling", seen[0].headers, b"")  # type: ignore[union-attr]
    ]
    seen = feed(obs, False, pair.respond(OPEN.encode()), chunk)
    assert len(seen) == 1 and isinstance(seen[0], ResponseSeen)
    assert (seen[0].status, seen[0].body, seen[0].method) == (200, OPEN.encode(), "GET")
    target = "/socket.io/?EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC"
    seen = feed(obs, True, pair.request("POST", target, b'42["hello"]\x1e42["world"]'), chunk)
    assert isinstance(seen[0], RequestSeen) and seen[0].body == b'42["hello"]\x1e42["world"]'
    seen = feed(obs, False, pair.respond(b"ok"), chunk)
    assert isinstance(seen[0], ResponseSeen) and seen[0].body == b"ok" and seen[0].method == "POST"


def test_pipelined_requests_are_read_after_the_first_answer() -> None:
    obs = ConnectionObserver()
    two = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n"
    first = obs.from_client(two)
    assert [s.target for s in first] == ["/a"]  # type: ignore[union-attr]
    answers = obs.from_server(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA")
    assert [type(s).__name__ for s in answers] == ["ResponseSeen", "RequestSeen"]
    assert answers[1].target == "/b"  # type: ignore[union-attr]


def websocket_pair(deflate: bool) -> tuple[WSConnection, WSConnection, bytes, bytes]:
    client, server = WSConnection(ConnectionType.CLIENT), WSConnection(ConnectionType.SERVER)
    ext = [PerMessageDeflate()] if deflate else []
    up = client.send(
        Request(host="127.0.0.1", target="/socket.io/?EIO=4&transport=websocket", extensions=ext)
    )
    server.receive_data(up)
    assert isinstance(next(server.events()), Request)
    down = server.send(AcceptConnection(extensions=[PerMessageDeflate()] if deflate else []))
    client.receive_data(down)
    assert isinstance(next(client.events()), AcceptConnection)
    return client, server, up, down


@pytest.mark.parametrize("deflate", [False, True], ids=["plain", "permessage-deflate"])
@pytest.mark.parametrize("chunking", list(CHUNKINGS))
def test_websocket_messages_both_ways(deflate: bool, chunking: str) -> None:
    chunk = CHUNKINGS[chunking]
    client, server, up, down = websocket_pair(deflate)
    obs = ConnectionObserver()
    (req,) = feed(obs, True, up, chunk)
    assert isinstance(req, RequestSeen) and req.header("upgrade") == "websocket"
    switched = feed(obs, False, down, chunk)
    assert isinstance(switched[0], ResponseSeen) and switched[0].status == 101
    assert obs.mode == "websocket"
    long_text = '42["chat",{"text":"' + "compress me " * 50 + '"}]'
    frames = [
        (False, server.send(TextMessage(data=OPEN))),
        (True, client.send(TextMessage(data="40"))),
        (True, client.send(TextMessage(data=long_text))),
        (True, client.send(WsBytes(data=b"\x01\x02\x03\x04"))),
        (False, server.send(Ping(payload=b"hi"))),
        (True, client.send(CloseConnection(code=1000, reason="bye"))),
    ]
    seen: list[Seen] = []
    for from_client, data in frames:
        seen.extend(feed(obs, from_client, data, chunk))
    assert seen == [
        MessageSeen(False, OPEN, OPEN.encode()),
        MessageSeen(True, "40", b"40"),
        MessageSeen(True, long_text, long_text.encode()),
        MessageSeen(True, None, b"\x01\x02\x03\x04"),
        ControlSeen(False, "ping"),
        ControlSeen(True, "close", 1000, "bye"),
    ]


def test_compressed_frames_really_were_compressed() -> None:
    client, _, _, _ = websocket_pair(deflate=True)
    text = "compress me " * 50
    wire = client.send(TextMessage(data=text))
    assert wire[0] & 0x40, "RSV1 marks a compressed message (RFC 7692, section 6)"
    assert len(wire) < len(text) // 2


def test_not_http_becomes_opaque_and_stays_quiet() -> None:
    obs = ConnectionObserver()
    first = obs.from_client(b"\x16\x03\x01\x02\x00 hello, this is TLS not HTTP\r\n\r\n")
    assert len(first) == 1 and isinstance(first[0], Opaque)
    assert obs.from_client(b"more") == [] and obs.from_server(b"anything") == []


def test_an_unmasked_client_frame_is_refused_not_crashed() -> None:
    _, _, up, down = websocket_pair(deflate=False)
    obs = ConnectionObserver()
    obs.from_client(up)
    obs.from_server(down)
    unmasked = b"\x81\x02hi"  # clients must mask (RFC 6455, section 5.3)
    (problem,) = obs.from_client(unmasked)
    assert isinstance(problem, Opaque) and problem.from_client and problem.reason
    (note,) = Tracer(lambda: 0.0, name="x").connection().events([problem])
    assert note.text.startswith("stopped decoding the client's bytes: ")  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------ the trace


def test_trace_names_the_actor_and_decodes_each_packet() -> None:
    pair, obs = HttpPair(), ConnectionObserver()
    trace = Tracer(lambda: 1.5, name="alice").connection("127.0.0.1:5000")
    events = trace.events(
        obs.from_client(pair.request("GET", "/socket.io/?EIO=4&transport=polling"))
    )
    events += trace.events(obs.from_server(pair.respond(OPEN.encode())))
    target = "/socket.io/?EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC"
    events += trace.events(obs.from_client(pair.request("POST", target, b'40\x1e42["a",1]')))
    kinds = [type(e).__name__ for e in events]
    assert kinds == ["HttpLine", "HttpLine", "WirePacket", "HttpLine", "WirePacket", "WirePacket"]
    assert all(e.actor == "alice" for e in events)
    packets = [e for e in events if isinstance(e, WirePacket)]
    assert [(p.direction, p.raw, p.eio, p.sio) for p in packets] == [
        ("down", OPEN, "open", ""),
        ("up", "40", "message", "CONNECT"),
        ("up", '42["a",1]', "message", "EVENT"),
    ]
    assert "separated by \\x1e" in events[3].note  # type: ignore[union-attr]


def test_trace_without_a_name_names_sessions() -> None:
    tracer = Tracer(lambda: 0.0)
    client, server, up, down = websocket_pair(deflate=False)
    obs, trace = ConnectionObserver(), tracer.connection("127.0.0.1:4000")
    first = trace.events(obs.from_client(up)) + trace.events(obs.from_server(down))
    assert all(e.actor == "127.0.0.1:4000" for e in first)
    later = trace.events(obs.from_server(server.send(TextMessage(data=OPEN))))
    assert later[0].actor == "client 1"
    assert trace.closed(True).actor == "client 1"
    assert isinstance(trace.closed(True), LinkNote)
    again = tracer.connection().events(
        ConnectionObserver().from_client(
            b"GET /socket.io/?EIO=4&transport=polling&sid=lv_VI97HAXpY6yYWAAAC HTTP/1.1\r\n"
            b"Host: x\r\n\r\n"
        )
    )
    assert isinstance(again[0], HttpLine) and again[0].actor == "client 1"
    del client


def test_trace_of_garbage_from_a_plain_websocket_client() -> None:
    client, _, up, down = websocket_pair(deflate=False)
    obs = ConnectionObserver()
    trace = Tracer(lambda: 0.0, name="plain").connection()
    trace.events(obs.from_client(up) + obs.from_server(down))
    (event,) = trace.events(obs.from_client(client.send(TextMessage(data="hello"))))
    assert isinstance(event, WirePacket) and event.eio == "?"
    assert "not an Engine.IO packet" in event.meaning
