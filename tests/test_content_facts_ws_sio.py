"""Facts the WebSocket and Socket.IO lessons once got wrong (issue 12), each checked so that it
cannot come back: real bytes, real sockets on 127.0.0.1, and the lesson text as shipped."""

from __future__ import annotations

import re
import socket
from io import StringIO
from pathlib import Path

import h11

from netlearn.env import Env
from netlearn.events import Event
from netlearn.lessons.websocket.events import HttpMessage, WsFrame
from netlearn.lessons.websocket.explain import explain
from netlearn.lessons.websocket.frames import frame_event
from netlearn.render import run_scene

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"


def _env() -> Env:
    return Env.build("plain", seed=3, stdout=StringIO(), width=80, animate=False)


def _text(events: list[Event]) -> str:
    out = []
    for e in events:
        for name in ("text", "meaning", "label", "start_meaning"):
            value = getattr(e, name, None)
            if isinstance(value, str):
                out.append(value)
    return "\n\n".join(out)


def _lesson(name: str) -> str:
    return (LESSONS / name / "lesson.md").read_text(encoding="utf-8")


def _quiz(name: str) -> str:
    return (LESSONS / name / "quiz.toml").read_text(encoding="utf-8")


# ------------------------------------------------------------------ UTF-8 across fragments

# "é" is c3 a9: the first fragment ends after c3, the continuation starts with a9.
SPLIT_E = bytes([0x01, 0x01, 0xC3]) + bytes([0x80, 0x01, 0xA9])


def test_a_character_split_across_fragments_is_valid() -> None:
    events = list(explain(_env(), SPLIT_E.hex()))
    frames = [e for e in events if isinstance(e, WsFrame)]
    assert len(frames) == 2
    assert all("NOT valid" not in f.meaning for f in frames), [f.meaning for f in frames]
    assert '"é"' in frames[1].meaning
    text = _text(events)
    assert "not valid UTF-8" not in text
    assert "text *message*, not each frame, must be valid UTF-8" in text


def test_a_continuation_alone_may_finish_a_character() -> None:
    # Without the earlier fragment (a live view that joined mid-message), a continuation that
    # starts with a UTF-8 continuation byte is not called invalid.
    event = frame_event(bytes([0x80, 0x02, 0xA9, 0x21]), message=1)
    assert "NOT valid" not in event.meaning and "!" in event.meaning


def test_invalid_utf8_in_a_message_is_still_invalid() -> None:
    # c3 28: 0x28 cannot continue a character, split or not.
    frames = bytes([0x01, 0x01, 0xC3]) + bytes([0x80, 0x01, 0x28])
    text = _text(list(explain(_env(), frames.hex())))
    assert "not valid UTF-8" in text and "1007" in text
    single = frame_event(bytes([0x81, 0x02, 0xC3, 0x28]))
    assert "NOT valid UTF-8" in single.meaning


def test_the_live_receiver_accepts_a_split_character() -> None:
    """The same two frames, masked, to the demo's server over a real socket: no 1007."""
    from netlearn.lessons.websocket.protocol import (
        ClientConnection,
        Received,
        ResponseIn,
        ServerConnection,
    )
    from netlearn.packets.websocket import ws_frame

    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    with listener, socket.create_connection(("127.0.0.1", port), timeout=5) as c:
        s, _ = listener.accept()
        with s:
            s.settimeout(5)
            client = ClientConnection(f"127.0.0.1:{port}", "/chat", key="dGhlIHNhbXBsZSBub25jZQ==")
            server = ServerConnection(endpoints=("/chat",))
            c.sendall(client.request())
            got: list[object] = []
            for _ in range(20):
                got += server.receive_data(s.recv(4096))
                if got:
                    break
            response, _ = server.accept()
            s.sendall(response)
            assert any(isinstance(i, ResponseIn) for i in client.receive_data(c.recv(4096)))
            key = b"\x01\x02\x03\x04"
            c.sendall(
                bytes(ws_frame(b"\xc3", opcode=1, fin=0, masking_key=key))
                + bytes(ws_frame(b"\xa9", opcode=0, fin=1, masking_key=key))
            )
            items: list[object] = []
            for _ in range(20):
                items += server.receive_data(s.recv(4096))
                if len(items) >= 2:
                    break
    received = [i for i in items if isinstance(i, Received)]
    assert len(received) == 2, items
    text = "".join(getattr(e, "data", "") for r in received for e in r.events)
    assert text == "é"


# ------------------------------------------------------------------ 426 carries Upgrade


def _h11_response(raw: bytes) -> h11.Response:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.receive_data(raw)
    event = conn.next_event()
    assert isinstance(event, h11.Response)
    return event


def test_the_demo_426_carries_upgrade_websocket() -> None:
    """Live: the failures part of the demo, over real sockets; h11 reads the 426."""
    from netlearn.lessons.websocket import demo

    events = run_scene(demo.scene(_env(), "failures"), _env())
    (r426,) = [
        e for e in events if isinstance(e, HttpMessage) and e.start_line.startswith("HTTP/1.1 426")
    ]
    response = _h11_response(r426.raw)
    headers = {k.lower(): v.lower() for k, v in response.headers}
    assert headers[b"upgrade"] == b"websocket"  # RFC 9110 section 15.5.22
    assert headers[b"sec-websocket-version"] == b"13"  # RFC 6455 section 4.4
    assert b"upgrade" in headers[b"connection"]  # RFC 9110 section 7.8
    meanings = {h.name.lower(): h.meaning for h in r426.headers}
    assert "15.5.22" in meanings["upgrade"] and "now speaks" not in meanings["upgrade"]


def test_websocket_serve_426_carries_upgrade() -> None:
    from netlearn.lessons.websocket.protocol import ServerConnection, standard_headers

    server = ServerConnection(endpoints=("/chat",))
    hdrs = standard_headers("h", "dGhlIHNhbXBsZSBub25jZQ==", version="8")
    raw = "GET /chat HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs) + "\r\n"
    (req,) = server.receive_data(raw.encode())
    answer = server.refuse(req.refusal)  # type: ignore[attr-defined]
    assert answer.startswith(b"HTTP/1.1 426 ")
    assert b"\r\nUpgrade: websocket\r\n" in answer


# ------------------------------------------------------------------ the key's purpose


def _ws_texts() -> str:
    from netlearn.lessons.websocket import demo, handshake

    parts = [_lesson("websocket"), _quiz("websocket"), handshake.__doc__ or ""]
    parts += list(handshake._REQUEST.values()) + list(handshake._RESPONSE.values())
    parts.append(_text(run_scene(demo.scene(_env(), "upgrade"), _env())))
    return "\n\n".join(parts)


def test_the_key_is_not_said_to_be_about_caches() -> None:
    """RFC 6455 section 1.3: the proof is that the server read a WebSocket handshake, so that it
    never accepts non-WebSocket connections (XHR, forms). Caches are section 10.3 (masking)."""
    text = _ws_texts()
    for sentence in re.split(r"(?<=[.!?])\s|\n\n|\n(?=[-*] )", text):
        sentence = re.sub(r"\s+", " ", sentence)
        if "cache" in sentence.lower() and re.search(r"accept|nonce|key\b", sentence, re.I):
            assert "10.3" in sentence or "mask" in sentence.lower(), sentence
    assert "XMLHttpRequest" in _lesson("websocket")


def test_no_http_vs_framework_analogy() -> None:
    for name in ("websocket", "socketio"):
        assert "web framework" not in _lesson(name) + _quiz(name)


# ------------------------------------------------------------------ Socket.IO facts


def test_disconnect_is_from_either_side() -> None:
    from netlearn.lessons.socketio.explain import explain as sio_explain

    text = " ".join(d for e in sio_explain("41") for d in getattr(e, "details", ()))
    assert "Either side" in text and "client namespace disconnect" in text
    assert "From the server (" not in text.split("Either side")[0]


def test_binary_ack_has_its_own_name() -> None:
    from netlearn.lessons.socketio import protocol as codec
    from netlearn.lessons.socketio.explain import packet_line

    _, meaning = packet_line(codec.decode_eio('461-2[{"_placeholder":true,"num":0}]'))
    assert meaning.startswith("Socket.IO BINARY_ACK for id 2")
    _, meaning = packet_line(codec.decode_eio('451-2["echo",{"_placeholder":true,"num":0}]'))
    assert meaning.startswith('Socket.IO BINARY_EVENT "echo"')


def test_each_polling_response_names_its_request() -> None:
    """The relay's tracer: a POST's 'ok' is never shown as the answer to a long-poll GET."""
    from netlearn.lessons.socketio.observer import ResponseSeen
    from netlearn.lessons.socketio.trace import Tracer

    conn = Tracer(lambda: 0.0, name="carol").connection()
    post = ResponseSeen(200, "OK", (), b"ok", "POST", "/socket.io/?EIO=4&sid=x")
    get = ResponseSeen(200, "OK", (), b"2", "GET", "/socket.io/?EIO=4&transport=polling&sid=x")
    notes = [getattr(e, "note", "") for e in conn.events([post, get])]
    assert "answers the POST" in notes[0]
    assert "answers the long-poll GET" in notes[1]


def test_when_to_use_each_is_not_reversed() -> None:
    from netlearn.content.words import say

    when = say("socketio.narration.when")
    assert "when you control both ends and want a standard" not in when
    socketio_part = when.split("**Use a plain WebSocket**")[0]
    assert "write both ends" in socketio_part
    lesson = _lesson("socketio")
    for needed in ("When would you use Socket.IO?", "When would you use a plain WebSocket?"):
        assert needed in lesson
    for reason in (
        "fallback",
        "reconnection",
        "acknowledgements",
        "rooms",
        "namespaces",
        "multiplexed",
        "its own protocol on both ends",
        "overhead",
        "binary",
    ):
        assert reason in lesson.split("{#vs-websocket}")[1].split("{#scaling}")[0], reason


def test_handler_errors_differ_between_node_and_python() -> None:
    lesson = _lesson("socketio")
    quiz = _quiz("socketio")
    assert "Neither library" not in quiz.split('id = "sio-handler-error"')[1]
    for text in (lesson, quiz):
        assert "uncaught exception" in text and "ends" in text


def test_sticky_sessions_text_matches_the_scene() -> None:
    from netlearn.content.words import lookup

    sticky = lookup("socketio.narration.scaling-sticky")
    assert "sends dana's next long-poll" not in sticky
    assert "WebSocket only" in sticky
    # the heartbeat note mentions carol only because the scene waits for her ping and pong
    import inspect

    from netlearn.lessons.socketio.demo import Lab

    assert "carol" in lookup("socketio.narration.heartbeat-after")
    assert '"carol"' in inspect.getsource(Lab.heartbeat)


def test_the_test_suite_note_sits_above_its_packet() -> None:
    lesson = _lesson("socketio")
    note = lesson.index("test suite sends the next packet")
    assert note < lesson.index("decode packet=42456[") and note > lesson.index(
        'decode packet=42["chat"'
    )


def test_no_mention_of_material_the_learner_never_saw() -> None:
    from netlearn.content.words import load_book
    from netlearn.paths import lessons_dir

    words = ("the notes", "notes'", "tutorials'", "the tutorials")
    for name in ("websocket", "socketio"):
        body = _lesson(name) + _quiz(name)
        body = re.sub(r"^from_notes = .*$", "", body, flags=re.M)
        for word in words:
            assert word not in body.lower(), (name, word)
    for value in load_book(lessons_dir(), "socketio").values():
        if isinstance(value, str):
            assert not any(w in value.lower() for w in words), value[:60]
