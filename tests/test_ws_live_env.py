"""The live toolkit and the WebSocket server run on the Env's clock (never their own)."""

from __future__ import annotations

from io import StringIO

from netlearn.env import Env
from netlearn.events import Event
from netlearn.lessons.websocket.client import WsClient
from netlearn.lessons.websocket.events import ServerLog
from netlearn.lessons.websocket.server import ServeConfig, ServerThread
from netlearn.live.wire import Loopback, wait_until


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds
        self.slept += seconds


def _env(clock: FakeClock) -> Env:
    env = Env.build("plain", stdout=StringIO(), animate=False)
    env.clock = clock
    env.sleep = clock.sleep
    return env


def test_wait_until_waits_on_the_env_clock() -> None:
    clock = FakeClock()
    env = _env(clock)
    assert not wait_until(env, lambda: False, timeout=30.0)
    assert 30.0 <= clock.slept < 30.1  # thirty seconds passed, on the fake clock only
    ticks = iter(range(5))
    assert wait_until(env, lambda: next(ticks) == 3, timeout=30.0)


def test_the_loopback_wire_carries_bytes_both_ways() -> None:
    with Loopback() as rig:
        port = rig.listen()
        wire = rig.connect()
        assert wire.client.getpeername() == ("127.0.0.1", port)
        wire.send("client", b"ping")
        assert wire.pump("server", feed=lambda b: [b]).data == b"ping"
        wire.close("client")
        assert wire.pump("server").eof


def test_server_events_are_timed_on_the_env_clock() -> None:
    clock = FakeClock()
    events: list[Event] = []
    config = ServeConfig(port=0, push_every=30, ping_every=30)
    with ServerThread(config, events.append, _env(clock)) as srv:
        port = srv.server.port
        with WsClient(f"ws://127.0.0.1:{port}/echo") as ws:
            ws.send("hi")
            assert ws.recv() == "hi"
    logs = [e for e in events if isinstance(e, ServerLog)]
    assert logs and all(e.t == 0.0 for e in logs)  # the fake clock never moved
