"""The guided demo: real sockets, the bytes that crossed them, the failure cases, the CLI."""

from __future__ import annotations

import json
import random
import socket
import subprocess
from collections.abc import Callable

import pytest

from netlearn.events import Event, Progress
from netlearn.lessons.websocket import demo
from netlearn.lessons.websocket.events import AcceptProof, HttpMessage, SocketCall, Unmask, WsFrame
from netlearn.lessons.websocket.frames import parse_head, xor_mask
from netlearn.lessons.websocket.handshake import accept_for, new_key
from netlearn.render import run_scene

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def demo_events() -> list[Event]:
    from io import StringIO

    from netlearn.env import Env

    env = Env.build("plain", seed=5, stdout=StringIO(), width=80, animate=False)
    return run_scene(demo.run(env), env)


def test_every_stage_runs_in_order(demo_events: list[Event]) -> None:
    stages = [e for e in demo_events if isinstance(e, Progress)]
    assert [s.step_id for s in stages] == [sid for sid, _ in demo.STAGES]


def test_the_key_comes_from_the_seeded_rng(demo_events: list[Event]) -> None:
    nonce, key = new_key(random.Random(5))
    request = next(e for e in demo_events if isinstance(e, HttpMessage))
    assert request.raw.startswith(b"GET /chat HTTP/1.1\r\n")
    assert f"\r\nSec-WebSocket-Key: {key}\r\n".encode() in request.raw
    proof = next(e for e in demo_events if isinstance(e, AcceptProof))
    assert proof.key_bytes == nonce and proof.accept == accept_for(key)
    response = [e for e in demo_events if isinstance(e, HttpMessage)][1]
    assert response.raw.startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert f"\r\nSec-WebSocket-Accept: {accept_for(key)}\r\n".encode() in response.raw


def test_the_listener_got_a_kernel_chosen_port(demo_events: list[Event]) -> None:
    listen = next(e for e in demo_events if isinstance(e, SocketCall))
    port = int(listen.result.rsplit(":", 1)[1])
    assert 1024 <= port <= 65535
    host = next(e for e in demo_events if isinstance(e, HttpMessage))
    assert f"Host: 127.0.0.1:{port}\r\n".encode() in host.raw


def test_frames_are_whole_masked_one_way_and_decode(demo_events: list[Event]) -> None:
    frames = [e for e in demo_events if isinstance(e, WsFrame) and e.length == len(e.payload)]
    assert len(frames) >= 12
    for f in frames:
        head = parse_head(f.raw)
        assert head is not None and head.total == len(f.raw)
        if f.label != "An unmasked client frame":  # the one broken on purpose
            assert f.masked == (f.src == "client")  # clients mask, servers never (RFC 6455 5.1)
        assert xor_mask(f.raw[f.header_len :], f.masking_key) == f.payload
    kinds = {(f.src, f.opname) for f in frames}
    assert {("client", "text"), ("server", "text"), ("client", "binary")} <= kinds
    assert {("server", "ping"), ("client", "pong"), ("client", "close")} <= kinds
    assert ("server", "continuation") in kinds
    binary = next(f for f in frames if f.opname == "binary" and f.length == 300)
    assert binary.raw[1] & 0x7F == 126 and binary.raw[2:4] == (300).to_bytes(2, "big")


def test_the_unmasking_walk_matches_the_frame(demo_events: list[Event]) -> None:
    walk = next(e for e in demo_events if isinstance(e, Unmask))
    assert walk.clear == b"Hello, server!"
    assert bytes(m ^ walk.key[i % 4] for i, m in enumerate(walk.masked)) == walk.clear


def _server_close_codes(events: list[Event]) -> list[int]:
    return [
        int.from_bytes(e.payload[:2], "big")
        for e in events
        if isinstance(e, WsFrame) and e.opname == "close" and e.src == "server" and e.payload
    ]


def test_failure_cases_get_the_rfc_answers(demo_events: list[Event]) -> None:
    responses = [
        e.raw for e in demo_events if isinstance(e, HttpMessage) and e.raw.startswith(b"HTTP/")
    ]
    assert any(r.startswith(b"HTTP/1.1 400 Bad Request\r\n") and b"Upgrade" in r for r in responses)
    (r426,) = [r for r in responses if r.startswith(b"HTTP/1.1 426")]
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in r426
    assert _server_close_codes(demo_events) == [1000, 1002, 1007, 1009]
    big = next(e for e in demo_events if isinstance(e, WsFrame) and e.length > 65536)
    assert big.raw[1] & 0x7F == 127 and len(big.raw) == 14  # only the header was needed


def test_each_part_runs_alone(make_env: Callable[..., tuple[object, object]]) -> None:
    for part in ("text", "ping", "failures"):
        env, _ = make_env("plain")
        events = list(demo.scene(env, part))  # type: ignore[arg-type]
        assert any(isinstance(e, WsFrame) for e in events), part


def test_stopping_midway_frees_the_port(make_env: Callable[..., tuple[object, object]]) -> None:
    env, _ = make_env("plain")
    gen = demo.run(env)  # type: ignore[arg-type]
    port = 0
    for event in gen:
        if isinstance(event, SocketCall) and "listening" in event.result:
            port = int(event.result.rsplit(":", 1)[1])
        if isinstance(event, HttpMessage):
            break
    assert port
    gen.close()  # what Ctrl-C or q does
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_cli_piped_runs_to_the_end(run_cli: Run) -> None:
    result = run_cli("websocket", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert "\x1b[" not in result.stdout
    out = result.stdout
    for needle in (
        "Step 1 of 11",
        "Sec-WebSocket-Accept, stage by stage",
        "101 Switching Protocols",
        "Unmasking, byte by byte",
        "close code 1009",
        "Step 11 of 11",
    ):
        assert needle in out, needle


def test_cli_json_is_one_event_per_line(run_cli: Run) -> None:
    result = run_cli("websocket", "--format", "json", "--seed", "2")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = {e["type"] for e in events}
    assert {"http-message", "ws-accept", "ws-frame", "ws-unmask", "progress"} <= kinds


def test_scenes_are_registered_and_the_lesson_checks(run_cli: Run) -> None:
    from netlearn.scenes import SCENES

    for name in ("websocket.live", "websocket.accept", "websocket.frame", "websocket.compare"):
        assert name in SCENES
    result = run_cli("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_capture_the_socket_calls_and_a_pointer_are_shown(
    make_env: Callable[..., tuple[object, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from netlearn.events import Note

    for how in ("denied", "missing"):
        if how == "denied":
            import netlearn.live.capture as live

            monkeypatch.setattr(live, "can_capture", lambda iface="lo": (False, "no CAP_NET_RAW"))
        else:
            monkeypatch.setitem(sys.modules, "netlearn.live.capture", None)  # import fails
        env, _ = make_env("plain")
        events = list(demo.scene(env, "connect"))  # type: ignore[arg-type]
        calls = [e.call for e in events if isinstance(e, SocketCall)]
        assert any("connect(" in c for c in calls) and "accept()" in calls
        text = " ".join(e.text for e in events if isinstance(e, Note))
        assert "netlearn learn tcp" in text
        assert not any(e.kind == "segment" for e in events)
        monkeypatch.undo()


def test_rendered_at_80_columns_rich_and_plain(demo_events: list[Event]) -> None:
    from io import StringIO

    from netlearn.env import Env
    from netlearn.render import make_renderer

    for fmt in ("rich", "plain"):
        buf = StringIO()
        env = Env.build(fmt, stdout=buf, width=80, animate=False)
        renderer = make_renderer(env)
        for event in demo_events:
            renderer.emit(event)
        lines = buf.getvalue().splitlines()
        assert len(lines) > 300
        # Only the raw bytes of an HTTP message are never re-wrapped (they are shown as sent).
        assert all(len(line) <= 80 for line in lines if not line.startswith("  | ")), fmt
        assert "Sec-WebSocket-Accept" in buf.getvalue()
