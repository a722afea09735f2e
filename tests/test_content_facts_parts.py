"""Issue 12 follow-ups: the capture lesson's live steps tell ONE captured connection; the
WebSocket demo says truthfully where it runs; the split and folded live steps."""

from __future__ import annotations

import io

from netlearn import netns
from netlearn.env import Env
from netlearn.events import Segment, Title
from netlearn.paths import lessons_dir


def _env() -> Env:
    return Env.build("plain", stdout=io.StringIO(), width=80, seed=7)


def test_the_three_live_capture_parts_are_one_connection() -> None:
    from netlearn.lessons.capture.scenes import live

    env = _env()
    parts = {p: list(live(env, part=p)) for p in ("handshake", "data", "close")}
    segs = {p: [e for e in ev if isinstance(e, Segment)] for p, ev in parts.items()}
    assert [s.flags for s in segs["handshake"]] == ["S", "SA", "A"]
    assert all(s.payload_len > 0 or s.flags == "A" for s in segs["data"])
    assert sum(s.payload_len for s in segs["data"]) == 28  # the two 14-byte lines
    assert "F" in segs["close"][0].flags
    ports = {frozenset((s.sport, s.dport)) for p in segs for s in segs[p]}
    assert len(ports) == 1, ports  # one connection, not three
    again = [e for e in live(env, part="handshake") if isinstance(e, Segment)]
    assert again == segs["handshake"]  # replaying a step shows the same connection
    other = [e for e in live(_env(), part="handshake") if isinstance(e, Segment)]
    assert {frozenset((s.sport, s.dport)) for s in other} != ports  # a new run, a new capture


def test_the_replayed_parts_cover_the_bundled_capture_once() -> None:
    from netlearn.lessons.capture.scenes import replay

    env = _env()
    whole = [e for e in replay(env) if isinstance(e, Segment)]
    parts = [
        e
        for p in ("handshake", "data", "close")
        for e in replay(env, part=p)
        if isinstance(e, Segment)
    ]
    assert parts == whole and len(whole) == 10


def test_the_capture_lesson_says_where_the_demo_runs_without_privilege() -> None:
    text = (lessons_dir() / "capture" / "lesson.md").read_text()
    privileges = text.split("{#privileges}")[1].split("\n## ")[0]
    handshake = text.split("{#real-handshake}")[1].split("\n## ")[0]
    for body in (privileges, handshake):
        assert "namespace" in body
    assert "netns.py" in privileges
    assert "without it, it replays" not in handshake


def test_the_websocket_demo_says_where_it_runs() -> None:
    from netlearn.lessons.websocket.demo import run

    events = run(_env())
    title = next(events)
    events.close()
    assert isinstance(title, Title) and "in this process" in title.subtitle
    if netns.probe() is not None:
        return  # no namespace on this machine: nothing more to check
    private = netns.in_private_net(lambda: run(_env()))
    try:
        title = next(private)
    finally:
        private.close()
    assert "child process" in title.subtitle and "namespace" in title.subtitle
    assert "in this process" not in title.subtitle


def test_websocket_failures_split_in_two_steps() -> None:
    from netlearn.lessons.websocket.demo import scene

    handshake = [e for e in scene(_env(), "handshake-failures") if isinstance(e, Title)]
    frames = [e for e in scene(_env(), "frame-failures") if isinstance(e, Title)]
    assert [t.text[:2] for t in handshake] == ["1.", "2."]
    assert [t.text[:2] for t in frames] == ["3.", "4.", "5."]


def test_socketio_fold_keeps_packets_and_counts_the_plumbing() -> None:
    from netlearn.lessons.socketio.events import HttpLine, WirePacket
    from netlearn.lessons.socketio.scenes import fold_polling

    def http(direction: str, line: str, note: str) -> HttpLine:
        return HttpLine(actor="carol", direction=direction, line=line, note=note)

    def packet(actor: str, raw: str) -> WirePacket:
        return WirePacket(actor=actor, direction="down", transport="polling", raw=raw, eio="")

    events = [
        http("up", "GET /socket.io/?sid=x", "long-poll: the server holds this request"),
        http("down", "200 OK", "answers the long-poll GET with 1 packet in the body"),
        packet("carol", '42["news"]'),
        http("up", "POST /socket.io/?sid=x", "sends 1 packet in the body"),
        http("down", "200 OK", "answers the POST: body 'ok', its packets arrived"),
        packet("carol", "2"),
        packet("plain", "2"),
    ]
    out = list(fold_polling(iter(events)))
    assert out[0] == events[2] and out[1] == events[6]  # carol's news; plain's own ping
    notes = " ".join(getattr(e, "text", "") for e in out[2:])
    assert "1 long-poll GET and 1 POST" in notes and "carol 1" in notes


def test_without_privilege_the_parts_come_from_a_private_namespace(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import netlearn.live.capture as capture_live
    from netlearn.lessons.capture.scenes import live

    if netns.probe() is not None:
        return  # namespaces refused here: the replay path is what runs
    monkeypatch.setattr(capture_live, "can_capture", lambda iface="lo": (False, "no privilege"))
    monkeypatch.setattr(capture_live, "needs_private_net", lambda iface="lo": True)
    env = _env()
    first = list(live(env, part="handshake"))
    assert any(getattr(e, "text", "") == netns.NOTICE for e in first)
    assert not any("replayed" in getattr(e, "text", "") for e in first)
    close = [e for e in live(env, part="close") if isinstance(e, Segment)]
    ports = {frozenset((s.sport, s.dport)) for s in close}
    assert ports == {frozenset((s.sport, s.dport)) for s in first if isinstance(s, Segment)}
