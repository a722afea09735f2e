"""netlearn.live.wsclient: the plain wsproto client of the live toolkit, against our server."""

from __future__ import annotations

from netlearn.events import Event
from netlearn.lessons.websocket.server import ServeConfig, ServerThread
from netlearn.live.wsclient import PlainWebSocket, Refused


def test_echo_text_binary_and_close() -> None:
    events: list[Event] = []
    with ServerThread(ServeConfig(port=0, push_every=30, ping_every=30), events.append) as srv:
        ws = PlainWebSocket("127.0.0.1", srv.server.port, "/echo", timeout=5)
        assert ws.connect() is None
        ws.send("hello")
        assert ws.recv() == "hello"
        ws.send(b"\x00\xff" * 40_000)  # longer than one read
        assert ws.recv() == b"\x00\xff" * 40_000
        ws.close()
        assert ws.sock is None and ws.closed


def test_a_refusal_is_a_status_and_a_body() -> None:
    events: list[Event] = []
    with ServerThread(ServeConfig(port=0, push_every=30, ping_every=30), events.append) as srv:
        ws = PlainWebSocket(
            "127.0.0.1", srv.server.port, "/chat", timeout=5, origin="http://evil.example"
        )
        refused = ws.connect()
    assert isinstance(refused, Refused) and refused.status == 403
    assert b"cross-site" in refused.body
