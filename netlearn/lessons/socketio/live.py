"""The live pieces of the lesson in one object: a server, a relay per client, the clients.

`LiveLab` owns the `LiveStack` (servers and logging relays on 127.0.0.1, their event queue) and
the python-socketio clients, and knows how to wait: `pump` yields what the relays saw until the
expected thing has happened and the wire has gone quiet, `until_event` until one event passes a
test. Nothing waits on a fixed sleep for correctness: each step waits for its own evidence, with
a timeout that becomes a warning. Deadlines are measured on `env.clock`; the server's heartbeat
and the quiet windows follow `env.speed` (`--speed 4`: pings four times as often), so a test
sees a heartbeat without waiting for a real one.

The sections of the demo (`netlearn.lessons.socketio.demo.Lab`) are built on it.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from typing import Any

from netlearn.content.words import say, table
from netlearn.env import Env
from netlearn.events import Event, Note, Progress
from netlearn.lessons.socketio.clients import DemoClient
from netlearn.lessons.socketio.events import Check, Checklist
from netlearn.lessons.socketio.stack import LiveStack

# The proof-of-life checklist, in order (lessons/socketio/words.toml, [check-items]).
CHECKS = ("connection", "events", "broadcasting", "errors", "scalability", "logging")
STEP_TIMEOUT = 8.0
QUIET = 0.25  # seconds without a packet that end a step, at --speed 1
MIN_PING_INTERVAL = 0.25  # seconds: however fast the demo runs, the heartbeat stays this slow


class LiveLab:
    """Live pieces plus the checklist; use as a context manager so everything is closed."""

    parts = 0  # sections of the guided demo (set by the demo)

    def __init__(
        self,
        env: Env,
        ping_interval: float = 3.0,
        ping_timeout: float = 3.0,
        numbered: bool = False,
    ) -> None:
        self.env = env
        self.numbered = numbered
        self.speed = env.speed if env.speed > 0 else 1.0
        interval = max(MIN_PING_INTERVAL, ping_interval / self.speed)
        self.stack = LiveStack(ping_interval=interval, ping_timeout=ping_timeout, now=env.clock)
        self.clients: dict[str, DemoClient] = {}
        names = table("socketio.check-items")
        self.check_names = {check: names[check] for check in CHECKS}
        self.checks: dict[str, tuple[bool, str]] = {check: (False, "") for check in CHECKS}
        self.seen: list[Event] = []
        self.sections = 0  # headings given so far
        self.error_evidence: list[str] = []  # what the error sections proved, in order

    # -- life cycle

    def __enter__(self) -> LiveLab:
        try:
            self.stack.start()
            self.stack.add_server("server")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for client in self.clients.values():
            client.close()
        self.stack.close()
        for client in self.clients.values():
            client.join()

    @property
    def sio(self) -> Any:
        """The python-socketio server of the lesson (`socketio.AsyncServer`)."""
        return self.stack.servers["server"].sio

    def client(
        self, name: str, transports: list[str] | None = None, server: str = "server"
    ) -> DemoClient:
        """A python-socketio client behind its own relay (so its packets carry its name)."""
        port = self.stack.add_relay(name, server=server)
        client = DemoClient(name, f"http://127.0.0.1:{port}", transports, clock=self.env.clock)
        self.clients[name] = client
        return client

    # -- waiting, with the events flowing meanwhile

    def pump(
        self,
        until: Callable[[], bool] | None = None,
        *,
        timeout: float = STEP_TIMEOUT,
        quiet: float = QUIET,
        cap: float = 3.0,
        what: str = "",
    ) -> Iterator[Event]:
        """Yield the relays' events until `until()` holds, then until the wire is quiet."""
        clock = self.env.clock
        deadline = clock() + timeout
        while until is not None and not until():
            if clock() > deadline:
                what = what or say("socketio.notes.the-step")
                yield Note(text=say("socketio.notes.still-waiting", what=what), tone="warn")
                break
            yield from self._take(0.05)
        quiet = max(0.05, quiet / self.speed)
        end = clock() + cap
        while clock() < end:
            got = list(self._take(quiet))
            yield from got
            if not got:
                break

    def until_event(
        self, test: Callable[[Event], bool], *, timeout: float = STEP_TIMEOUT, what: str = ""
    ) -> Iterator[Event]:
        """Yield events until one passes `test` (it is yielded too)."""
        clock = self.env.clock
        deadline = clock() + timeout
        while True:
            left = deadline - clock()
            if left <= 0:
                what = what or say("socketio.notes.an-event")
                yield Note(text=say("socketio.notes.not-in-time", what=what), tone="warn")
                return
            try:
                event = self.stack.events.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            self.seen.append(event)
            yield event
            if test(event):
                return

    def _take(self, wait: float) -> Iterator[Event]:
        try:
            event = self.stack.events.get(timeout=wait)
        except queue.Empty:
            return
        self.seen.append(event)
        yield event
        while True:
            try:
                event = self.stack.events.get_nowait()
            except queue.Empty:
                return
            self.seen.append(event)
            yield event

    def quietly(self, action: Callable[[], None]) -> None:
        """Do a setup step without showing its packets (for a scene that starts mid-story)."""
        self.stack.muted = True
        try:
            action()
        finally:
            self.stack.muted = False
        while True:
            try:
                self.stack.events.get_nowait()
            except queue.Empty:
                break

    def section(self, part: str, text: str) -> Iterator[Event]:
        """A part's heading: a numbered step in the guided demo, a title in a lesson's scene."""
        if self.numbered:
            title = say(f"socketio.sections.{part}")
            yield Progress(
                t=round(self.stack.clock(), 3),
                lesson="socketio-demo",
                step_id=title.lower().replace(" ", "-"),
                index=self.sections,
                total=self.parts,
                title=title,
            )
        # In a lesson the step's own heading names the part: no second title under it.
        self.sections += 1
        if text and self.numbered:  # in a lesson, the lesson's own text has said it
            yield Note(text=text)

    # -- the checklist

    def check(self, check: str, evidence: str) -> Check:
        """Tick one item of the checklist (`check`: a key of CHECKS), with what proves it."""
        self.checks[check] = (True, evidence)
        return Check(
            t=round(self.stack.clock(), 3), item=self.check_names[check], evidence=evidence
        )

    def checklist(self) -> Checklist:
        return Checklist(
            t=round(self.stack.clock(), 3),
            items=tuple(
                (self.check_names[check], done, ev) for check, (done, ev) in self.checks.items()
            ),
        )
