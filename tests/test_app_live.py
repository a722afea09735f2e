"""The live demos full-screen: the pilot drives a real WebSocket demo and a recorded Socket.IO
trace; a pseudo-terminal runs `netlearn websocket` and stops it with a typed Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest

from netlearn.env import Env
from netlearn.events import Event, Note, Progress, Title

pytest.importorskip("textual")

from netlearn.app.live import LiveScreen  # noqa: E402
from netlearn.app.live_fold import Folder, bookkeeping  # noqa: E402
from netlearn.app.shell import NetlearnApp  # noqa: E402
from netlearn.lessons.socketio.events import HttpLine, WirePacket  # noqa: E402


def listening_ports(pid: int | str = "self") -> set[int]:
    """TCP ports a process has in LISTEN state (its socket inodes matched in /proc/net/tcp*)."""
    inodes = set()
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and cols[9] in inodes:  # 0A: LISTEN
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def port_listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _part(i: int, title: str, total: int = 3) -> Progress:
    return Progress(lesson="trace", step_id=f"p{i}", index=i, total=total, title=title)


def sio_trace() -> Iterator[Event]:
    """A recorded Socket.IO run, cut short: fixed times and session ids, so it draws the same
    every time (a live run has kernel-chosen ports and clock times)."""
    sid = "sid=AAAAAAAAAAAAAAAAAAAA"
    yield _part(0, "The handshake")
    yield Title(text="The handshake")
    yield Note(text="carol connects by **long-polling**: each GET waits for packets.")
    yield HttpLine(
        t=0.1,
        actor="carol",
        direction="up",
        line="GET /socket.io/?transport=polling&EIO=4&t=1",
        note="Engine.IO handshake: open a session over HTTP long-polling",
        conn=1,
    )
    yield HttpLine(t=0.11, actor="carol", direction="down", line="200 OK", conn=1)
    yield WirePacket(
        t=0.12,
        actor="carol",
        direction="down",
        transport="polling",
        raw='0{"sid":"AAAAAAAAAAAAAAAAAAAA"}',
        eio="open",
        meaning="Engine.IO open: session AAAAAAAAAAAAAAAAAAAA",
    )
    for k in range(6):
        t = 1.0 + k
        yield HttpLine(
            t=t,
            actor="carol",
            direction="up",
            line=f"GET /socket.io/?transport=polling&EIO=4&{sid}&t={k}",
            note="long-poll: the server holds this request until it has packets to send",
            conn=2,
        )
        yield WirePacket(
            t=t + 0.01, actor="carol", direction="down", transport="polling", raw="2", eio="ping"
        )
        yield HttpLine(
            t=t + 0.02,
            actor="carol",
            direction="down",
            line="200 OK",
            note="answers the long-poll GET with 1 packet in the body",
            conn=2,
        )
        yield WirePacket(
            t=t + 0.03, actor="carol", direction="up", transport="polling", raw="3", eio="pong"
        )
    yield WirePacket(
        t=7.5,
        actor="carol",
        direction="up",
        transport="polling",
        raw='42["chat","hi"]',
        eio="message",
        sio="event",
        meaning='Socket.IO EVENT "chat": "hi"',
    )
    yield _part(1, "The heartbeat")
    yield Note(text="Now the pings themselves.")
    yield WirePacket(
        t=8.0, actor="alice", direction="down", transport="websocket", raw="2", eio="ping"
    )
    yield _part(2, "The end")
    yield Note(text="Done.")


class Host(NetlearnApp):
    pass


async def settle(pilot, screen: LiveScreen, until, limit: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + limit
    while not until() and time.monotonic() < end:
        await pilot.pause(0.05)
    await pilot.pause(0.1)
    assert until(), "the screen never got there"


def wire_text(screen: LiveScreen) -> str:
    from textual.widgets import RichLog

    return "\n".join(s.text for s in screen.query_one("#wire", RichLog).lines)


def narration_text(screen: LiveScreen) -> str:
    from textual.widgets import RichLog

    return "\n".join(s.text for s in screen.query_one("#narration", RichLog).lines)


# ---------------------------------------------------------------------------- folding


def test_bookkeeping_is_decided_from_the_events() -> None:
    trace = list(sio_trace())
    ping = next(e for e in trace if getattr(e, "eio", "") == "ping")
    assert bookkeeping(ping, "The handshake") == "heartbeat"
    assert bookkeeping(ping, "The heartbeat") == ""  # there it is the subject
    handshake = trace[3]
    assert bookkeeping(handshake) == ""  # the first GET opens the session: part of the story
    poll = next(e for e in trace if getattr(e, "note", "").startswith("long-poll"))
    assert bookkeeping(poll) == "long-poll"
    message = next(e for e in trace if getattr(e, "eio", "") == "message")
    assert bookkeeping(message) == ""


def test_a_refused_poll_shows_its_request_again() -> None:
    folder = Folder()
    poll = HttpLine(
        t=1.0,
        actor="load balancer",
        direction="up",
        line="GET /socket.io/?EIO=4&transport=polling&sid=X",
        peer="B",
        conn=1,
    )
    refused = HttpLine(
        t=1.1, actor="load balancer", direction="down", line="400 Bad Request", conn=1
    )
    assert folder.take(poll) == []
    assert folder.take(refused) == [poll, refused]
    assert "1 long-poll line folded" in folder.line(expanded=False)


# ---------------------------------------------------------------------------- the pilot


def test_recorded_trace_folds_and_expands() -> None:
    async def run() -> None:
        env = Env.build("rich", stdout=StringIO(), animate=False)
        screen = LiveScreen(sio_trace(), title="Socket.IO, live", noun="part")
        app = Host(env, screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, screen, lambda: screen.waiting is not None)
            wire = wire_text(screen)
            assert wire.count("heartbeat") == 0  # six pings, six pongs: folded
            assert '42["chat","hi"]' in wire  # the message between them is not
            fold = str(screen.query_one("#fold").render())
            assert "12 heartbeats" in fold and "12 long-poll lines" in fold
            assert "Enter: part 2 of 3 (The heartbeat)" in str(
                screen.query_one("#live-status").render()
            )
            await pilot.press("e")
            await pilot.pause(0.1)
            assert wire_text(screen).count("heartbeat ping") == 6
            await pilot.press("e")
            await pilot.press("enter")
            await settle(pilot, screen, lambda: screen.current and screen.current.index == 1)
            await settle(pilot, screen, lambda: screen.waiting is not None)
            assert wire_text(screen).count("heartbeat ping") == 1  # the heartbeat part shows it
            await pilot.press("enter")
            await settle(pilot, screen, lambda: screen.done)
            assert "The end" in str(screen.query_one("#live-status").render())
            await pilot.press("q")
        assert app.return_code == 0

    asyncio.run(run())


def test_resize_reflows_side_by_side_and_back() -> None:
    async def run() -> None:
        env = Env.build("rich", stdout=StringIO(), animate=False)
        screen = LiveScreen(sio_trace(), title="Socket.IO, live", noun="part")
        app = Host(env, screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, screen, lambda: screen.waiting is not None)
            body = screen.query_one("#live-body")
            narr = screen.query_one("#narration")
            assert not body.has_class("wide") and narr.size.width >= 78
            await pilot.resize_terminal(120, 40)
            await pilot.pause(0.3)
            assert body.has_class("wide") and narr.size.width < 60
            assert narr.region.y == screen.query_one("#wire").region.y  # beside, not above
            assert "carol connects by long-polling" in narration_text(screen)
            await pilot.resize_terminal(80, 24)
            await pilot.pause(0.3)
            assert not body.has_class("wide")
            assert "carol connects by long-polling" in narration_text(screen)
            await pilot.press("q")

    asyncio.run(run())


def test_ctrl_c_during_the_websocket_demo_frees_its_port() -> None:
    """The real demo (a server and a client on 127.0.0.1) in the screen: Enter, then Ctrl-C;
    the worker closes the producer and the server's port is free within a second."""
    from netlearn.lessons.websocket.demo import run as ws_demo

    before = listening_ports()

    async def run() -> int:
        env = Env.build("rich", stdout=StringIO(), seed=1, animate=False)
        screen = LiveScreen(ws_demo(env), title="WebSocket, live")
        app = Host(env, screen)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, screen, lambda: screen.waiting is not None)
            assert "[SYN]" in wire_text(screen)  # the ladder of the TCP handshake
            ours = listening_ports() - before
            assert ours, "the demo's server should be listening"
            await pilot.press("enter")
            await settle(pilot, screen, lambda: screen.waiting is not None)
            assert screen.current is not None and screen.current.index == 1
            start = time.monotonic()
            await pilot.press("ctrl+c")
        assert screen.feeder.join(1.0)
        assert time.monotonic() - start < 1.0
        assert not any(port_listening(p) for p in ours)
        assert listening_ports() - before == set()
        return app.return_code or 0

    assert asyncio.run(run()) == 130


# ---------------------------------------------------------------------------- a real terminal


def test_typed_ctrl_c_in_a_pty_exits_at_once_with_the_port_freed(netlearn_home: Path) -> None:
    from pty_terminal import Terminal

    t = Terminal(["websocket", "--seed", "1"], netlearn_home)
    try:
        t.read_until(r"Enter: step 2 of 11", timeout=30)
        ports = listening_ports(t.proc.pid)
        assert ports, "the demo's server should be listening"
        t.send("\r")
        t.read_until(r"Enter: step 3 of 11", timeout=15)
        start = time.monotonic()
        t.send("\x03")
        code = t.wait(timeout=5)
        assert time.monotonic() - start < 1.0
        assert code == 130
        assert not any(port_listening(p) for p in ports)
        assert "Traceback" not in t.buf.decode("utf-8", "replace")
    finally:
        t.close()
