"""The guided demo, as a user runs it (piped, JSON), and its events drawn by every renderer."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest

from netlearn.env import Env
from netlearn.events import Event
from netlearn.render import make_renderer

REPO = Path(__file__).resolve().parent.parent
ANSI = re.compile(r"\x1b\[")


def _packets(events: list[dict[str, Any]], actor: str, direction: str = "") -> list[str]:
    return [
        e["raw"]
        for e in events
        if e["type"] == "sio-packet"
        and e["actor"] == actor
        and (not direction or e["direction"] == direction)
    ]


def test_guided_demo_proves_every_item(run_cli) -> None:  # type: ignore[no-untyped-def]
    # --speed 4: the server pings four times as often, and a step ends after a quarter of the
    # quiet it waits for at --speed 1: the same run, without waiting for real heartbeats
    result = run_cli("socketio", "--format", "json", "--speed", "4", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    checklist = [e for e in events if e["type"] == "sio-checklist"][-1]
    assert [(item, done) for item, done, _ in checklist["items"]] == [
        ("connection establishment", True),
        ("event handling", True),
        ("broadcasting", True),
        ("error handling", True),
        ("scalability", True),
        ("logging and debugging", True),
    ]
    # alice: long-polling handshake, probe, upgrade, connect, ack
    http = [e["line"] for e in events if e["type"] == "sio-http" and e["actor"] == "alice"]
    assert http[0].startswith("GET /socket.io/?") and "transport=polling" in http[0]
    assert "EIO=4" in http[0]
    assert http[1] == "200 OK"
    alice_down = _packets(events, "alice", "down")
    alice_up = _packets(events, "alice", "up")
    assert alice_down[0].startswith('0{"sid":') and '"upgrades":["websocket"]' in alice_down[0]
    assert alice_up[:2] == ["2probe", "5"]
    assert "3probe" in alice_down and "6" in alice_down
    assert '421["echo",{"text":"are you there?"}]' in alice_up
    assert '431[{"text":"are you there?"}]' in alice_down
    assert '451-2["echo",{"_placeholder":true,"num":0}]' in alice_up
    binary = [
        (e["direction"], e["raw"])  # JSON writes bytes as hex
        for e in events
        if e["type"] == "sio-packet" and e["actor"] == "alice" and e["meaning"].startswith("binary")
    ]
    assert binary == [("up", "01020304"), ("down", "01020304")]
    # bob: WebSocket only, nothing to upgrade to; carol: long-polling only
    assert '"upgrades":[]' in _packets(events, "bob", "down")[0]
    assert any(
        e["type"] == "sio-http" and e["actor"] == "carol" and e["line"].startswith("POST ")
        for e in events
    )
    # the side-by-side emits
    table = next(e for e in events if e["type"] == "sio-delivery")
    got = {row["packet"]: {name for name, ok in row["got"] if ok} for row in table["rows"]}
    assert got == {
        '42["news","only alice"]': {"alice"},
        '42["news","everyone"]': {"alice", "bob", "carol"},
        '42["news","all but alice"]': {"bob", "carol"},
        '42["news","room lab"]': {"alice", "carol"},
    }
    # heartbeat, errors, reconnection, the outsider, the broker, stickiness
    assert "2" in alice_down and "3" in alice_up
    assert "40/nope,{}" in _packets(events, "dave", "up")
    assert _packets(events, "dave", "down")[-1].startswith("44/nope,")
    assert any(e["type"] == "sio-log" and "this handler has a bug" in e["message"] for e in events)
    opens = [p for p in alice_down if p.startswith("0{")]
    assert len(opens) == 2 and opens[0] != opens[1]  # a new session after the cut
    assert "41" in _packets(events, "carol", "down")
    plain = [e for e in events if e["type"] == "sio-http" and e["actor"] == "plain"]
    assert [e["line"] for e in plain if e["direction"] == "down"][:3] == [
        "403 Forbidden",
        "403 Forbidden",
        "101 Switching Protocols",
    ]
    assert '42["chat",{"text":"hi, typed by hand"}]' in _packets(events, "plain", "up")
    broker = [e for e in events if e["type"] == "sio-broker"]
    assert broker and json.loads(broker[0]["raw"])["method"] == "emit"
    assert any(e["actor"] == "eli" and "hello from server A" in str(e.get("raw")) for e in events)
    stray = [e for e in events if e["type"] == "sio-http" and e["actor"] == "load balancer"]
    assert stray[-1]["line"] == "400 Bad Request"


def test_ctrl_c_stops_the_demo_with_130(netlearn_home: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlearn", "socketio", "--format", "plain"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env={**__import__("os").environ, "NETLEARN_HOME": str(netlearn_home)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # wait until packets flow: the servers and clients are up
        if "alice -> server" in line:
            break
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert time.monotonic() - started < 10  # closed promptly, threads joined


# ------------------------------------------------------------------------- renderers


@pytest.fixture(scope="module")
def demo_events() -> list[Event]:
    """A short live run (handshake, events, emits, errors, reconnection), collected once."""
    from netlearn.lessons.socketio.demo import Lab

    env = Env.build("plain", stdout=StringIO(), width=80, speed=4)
    events: list[Event] = []
    with Lab(env) as lab:
        for step in (Lab.handshake, Lab.events, Lab.targets, Lab.errors, Lab.reconnect):
            events.extend(step(lab))
    from netlearn.lessons.socketio import scenes

    events.extend(scenes.compare(env))
    events.extend(scenes.api(env))
    events.extend(scenes.decode(env, packet='451-["x",{"_placeholder":true,"num":0}]'))
    return events


def test_plain_output_fits_80_columns_without_ansi(demo_events: list[Event]) -> None:
    buf = StringIO()
    env = Env.build("plain", stdout=buf, width=80)
    renderer = make_renderer(env)
    for event in demo_events:
        renderer.emit(event)
    text = buf.getvalue()
    assert not ANSI.search(text)
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "alice -> server [websocket] 2probe" in text
    assert "= Engine.IO pong probe: yes, the WebSocket works" in text
    assert 'packet 42["news","everyone"] -> alice yes, bob yes, carol yes' in text
    assert "[x] proof of life, broadcasting" in text


@pytest.mark.parametrize("width", [80, 120])
def test_rich_output_draws_every_event(demo_events: list[Event], width: int) -> None:
    buf = StringIO()
    env = Env.build("rich", stdout=buf, width=width, animate=False)
    renderer = make_renderer(env)
    for event in demo_events:
        renderer.emit(event)
    text = buf.getvalue()
    assert "alice ──▶ server" in text and "alice ◀── server" in text
    assert "Side by side: who got each packet" in text
    assert "JavaScript (socket.io)" in text and "Python (python-socketio)" in text
    assert "WebSocket vs Socket.IO" in text
    assert max(len(ANSI.sub("", line)) for line in text.splitlines()) <= width


def test_json_output_is_one_object_per_event(demo_events: list[Event]) -> None:
    buf = StringIO()
    env = Env.build("json", stdout=buf, width=80)
    renderer = make_renderer(env)
    for event in demo_events:
        renderer.emit(event)
    lines = buf.getvalue().splitlines()
    assert len(lines) == len(demo_events)
    kinds = {json.loads(line)["type"] for line in lines}
    assert {"sio-packet", "sio-http", "sio-handler", "sio-check", "sio-delivery"} <= kinds
