"""The guided demo: a real python-socketio server and clients, every packet shown as it crosses.

`Lab` owns the live stack (server, one logging relay per client, the clients) and the proof of
life checklist. Each section is a generator of events: it does something real (connect, emit,
cut a connection), then yields what the relays saw until the expected thing has happened and the
wire has gone quiet. Nothing waits on a fixed sleep for correctness: each step waits for its own
evidence (a client's handler ran, a packet was seen), with a timeout that becomes a warning.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable, Iterator
from typing import Any

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Progress
from netlearn.lessons.socketio import texts
from netlearn.lessons.socketio.clients import DemoClient
from netlearn.lessons.socketio.events import (
    Check,
    Checklist,
    Delivery,
    DeliveryTable,
    HandlerRan,
    WirePacket,
)
from netlearn.lessons.socketio.stack import LiveStack

CHECK_ITEMS = (
    "connection establishment",
    "event handling",
    "broadcasting",
    "error handling",
    "scalability",
    "logging and debugging",
)
STEP_TIMEOUT = 8.0


def _is_packet(actor: str, raw: str, direction: str = "") -> Callable[[Event], bool]:
    def test(event: Event) -> bool:
        return (
            isinstance(event, WirePacket)
            and event.actor == actor
            and event.raw == raw
            and (not direction or event.direction == direction)
        )

    return test


class Lab:
    """Live pieces plus the checklist; use as a context manager so everything is closed."""

    def __init__(
        self,
        env: Env,
        ping_interval: float = 3.0,
        ping_timeout: float = 3.0,
        numbered: bool = False,
    ) -> None:
        self.env = env
        self.numbered = numbered
        self._sections = 0
        self._error_evidence: list[str] = []
        self.stack = LiveStack(ping_interval=ping_interval, ping_timeout=ping_timeout)
        self.clients: dict[str, DemoClient] = {}
        self.checks: dict[str, tuple[bool, str]] = {item: (False, "") for item in CHECK_ITEMS}
        self.seen: list[Event] = []

    # -- life cycle

    def __enter__(self) -> Lab:
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
        return self.stack.servers["server"].sio

    def client(
        self, name: str, transports: list[str] | None = None, server: str = "server"
    ) -> DemoClient:
        """A python-socketio client behind its own relay (so its packets carry its name)."""
        port = self.stack.add_relay(name, server=server)
        client = DemoClient(name, f"http://127.0.0.1:{port}", transports)
        self.clients[name] = client
        return client

    # -- waiting, with the events flowing meanwhile

    def pump(
        self,
        until: Callable[[], bool] | None = None,
        *,
        timeout: float = STEP_TIMEOUT,
        quiet: float = 0.25,
        cap: float = 3.0,
        what: str = "",
    ) -> Iterator[Event]:
        """Yield the relays' events until `until()` holds, then until the wire is quiet."""
        deadline = time.monotonic() + timeout
        while until is not None and not until():
            if time.monotonic() > deadline:
                yield Note(text=f"(still waiting for {what or 'the step'}; going on)", tone="warn")
                break
            yield from self._take(0.05)
        end = time.monotonic() + cap
        while time.monotonic() < end:
            got = list(self._take(quiet))
            yield from got
            if not got:
                break

    def until_event(
        self, test: Callable[[Event], bool], *, timeout: float = STEP_TIMEOUT, what: str = ""
    ) -> Iterator[Event]:
        """Yield events until one passes `test` (it is yielded too)."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                yield Note(text=f"(no {what or 'event'} seen in time; going on)", tone="warn")
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

    def check(self, item: str, evidence: str) -> Check:
        self.checks[item] = (True, evidence)
        return Check(t=round(self.stack.clock(), 3), item=item, evidence=evidence)

    def checklist(self) -> Checklist:
        return Checklist(
            t=round(self.stack.clock(), 3),
            items=tuple((item, done, ev) for item, (done, ev) in self.checks.items()),
        )

    # ------------------------------------------------------------------ sections

    def section(self, title: str, text: str) -> Iterator[Event]:
        """A part's heading: a numbered step in the guided demo, a title in a lesson's scene."""
        if self.numbered:
            yield Progress(
                t=round(self.stack.clock(), 3),
                lesson="socketio-demo",
                step_id=title.lower().replace(" ", "-"),
                index=self._sections,
                total=len(GUIDED),
                title=title,
            )
        # In a lesson the step's own heading names the part: no second title under it.
        self._sections += 1
        if text and self.numbered:  # in a lesson, the lesson's own text has said it
            yield Note(text=text)

    def intro(self) -> Iterator[Event]:
        server = self.stack.servers["server"]
        yield from self.section("Socket.IO, live", texts.INTRO)
        yield Note(
            text=(
                f"The server listens on 127.0.0.1:{server.port} (a port the kernel chose). "
                "Each client talks to it through its own little relay, which copies the bytes "
                "unchanged and shows them here, one line per packet, the arrow pointing the way "
                "the bytes went. Each part waits for its evidence (a handler ran, a packet "
                "arrived); the times are seconds since the start."
            )
        )

    def handshake(self, who: str = "all") -> Iterator[Event]:
        """alice, bob and carol connect (`who`: "alice" alone, or "bob-carol" after alice has
        connected unseen, for a lesson that shows them a step each)."""
        if who == "bob-carol":

            def quiet_alice() -> None:
                alice = self.client("alice")
                alice.connect()
                alice.wait(lambda: alice.transport == "websocket", 5)

            self.quietly(quiet_alice)
            alice = self.clients["alice"]
        else:
            yield from self.section(
                "The handshake: Engine.IO first, then Socket.IO", texts.HANDSHAKE
            )
            alice = self.client("alice")
            alice.connect()
            yield from self.pump(lambda: alice.transport == "websocket", what="alice's upgrade")
            if self.numbered:  # in a lesson, the lesson's own text says it
                yield Note(text=texts.HANDSHAKE_AFTER)
            if who == "alice":
                return
        yield Note(text=texts.BOB_WEBSOCKET if self.numbered else "**bob**: WebSocket only.")
        bob = self.client("bob", transports=["websocket"])
        bob.connect()
        yield from self.pump(lambda: bool(bob.sid), what="bob's connection")
        yield Note(text=texts.CAROL_POLLING if self.numbered else "**carol**: long-polling only.")
        carol = self.client("carol", transports=["polling"])
        carol.connect()
        yield from self.pump(lambda: bool(carol.sid), what="carol's connection")
        connected = [c for c in (alice, bob, carol) if c.sio.connected]
        runs = sum(
            1 for e in self.seen if isinstance(e, HandlerRan) and e.call.startswith("connect(")
        )
        if len(connected) == 3:
            yield self.check(
                "connection establishment",
                f'alice, bob and carol each sent 40 and got 40{{"sid":...}} back; the server\'s '
                f"connect handler ran {runs} times",
            )

    def connect_quietly(self) -> None:
        """Alice, bob and carol connected, without showing it (for scenes that start later)."""

        def action() -> None:
            for name, transports in (
                ("alice", None),
                ("bob", ["websocket"]),
                ("carol", ["polling"]),
            ):
                client = self.client(name, transports)
                client.connect()
            alice = self.clients["alice"]
            alice.wait(lambda: alice.transport == "websocket", 5)

        self.quietly(action)

    def events(self) -> Iterator[Event]:
        yield from self.section("Events and acknowledgements", texts.EVENTS)
        if self.numbered:  # a lesson showed this code in the step before
            yield texts.api_pair()
        alice = self.clients["alice"]
        answers: list[Any] = []
        alice.sio.emit("echo", {"text": "are you there?"}, callback=lambda *a: answers.append(a))
        yield from self.pump(lambda: bool(answers), what="the echo acknowledgement")
        yield Note(text=texts.EVENTS_AFTER.format(answer=answers[0][0] if answers else None))
        yield Note(text=texts.BINARY if self.numbered else "alice now echoes four bytes.")
        alice.sio.emit("echo", b"\x01\x02\x03\x04", callback=lambda *a: answers.append(a))
        yield from self.pump(lambda: len(answers) >= 2, what="the binary echo")
        if answers:
            yield self.check(
                "event handling",
                'alice sent 421["echo",...]; the server\'s echo handler ran and its return value '
                "came back as 431[...] to alice's callback",
            )

    def targets(self) -> Iterator[Event]:
        yield from self.section("Who receives an emit?", texts.TARGETS)
        if self.numbered:  # a lesson showed this code two steps before
            yield texts.targets_pair()
        names = ("alice", "bob", "carol")
        yield Note(text=texts.ROOMS)
        for name in ("alice", "carol"):
            self.clients[name].sio.call("join", "lab", timeout=5)
        yield from self.pump(what="the joins")
        manager = self.sio.manager
        alice_sid = manager.sid_from_eio_sid(self.clients["alice"].eio_sid, "/")
        calls = (
            (
                'socket.emit("news", x)  // socket: alice\'s',
                'await sio.emit("news", x, to=alice_sid)',
                "only alice",
                {"to": alice_sid},
                {"alice"},
            ),
            (
                'io.emit("news", x)',
                'await sio.emit("news", x)',
                "everyone",
                {},
                {"alice", "bob", "carol"},
            ),
            (
                'socket.broadcast.emit("news", x)',
                'await sio.emit("news", x, skip_sid=alice_sid)',
                "all but alice",
                {"skip_sid": alice_sid},
                {"bob", "carol"},
            ),
            (
                'io.to("lab").emit("news", x)',
                'await sio.emit("news", x, room="lab")',
                "room lab",
                {"room": "lab"},
                {"alice", "carol"},
            ),
        )
        rows: list[Delivery] = []
        as_expected = True
        for js, py, label, kwargs, expected in calls:
            yield Note(text=f"The server calls `{py}`; in JavaScript, `{js}`.")
            before = {n: len(self.clients[n].received("news")) for n in names}

            def arrived(before: dict[str, int] = before, expected: set[str] = expected) -> bool:
                return all(len(self.clients[n].received("news")) > before[n] for n in expected)

            self.stack.call(self.sio.emit("news", label, **kwargs))
            yield from self.pump(arrived, what=f"{label!r} to arrive")
            got = tuple((n, len(self.clients[n].received("news")) > before[n]) for n in names)
            as_expected &= {n for n, ok in got if ok} == expected
            rows.append(Delivery(javascript=js, python=py, packet=f'42["news","{label}"]', got=got))
        yield DeliveryTable(
            title="Side by side: who got each packet",
            rows=tuple(rows),
            caption=texts.TARGETS_CAPTION,
        )
        if as_expected:
            yield self.check(
                "broadcasting",
                "one io.emit reached all three; broadcast skipped the sender; the room reached "
                "only its members, alice and carol",
            )

    def heartbeat(self) -> Iterator[Event]:
        text = texts.HEARTBEAT.format(
            interval=int(self.stack.ping_interval * 1000),
            timeout=int(self.stack.ping_timeout * 1000),
        )
        yield from self.section("The heartbeat", text)
        # alice's ping and pong travel in WebSocket frames, carol's in HTTP bodies: wait for both
        wanted = {(who, raw) for who in ("alice", "carol") for raw in ("2", "3")}
        seen: set[tuple[str, str]] = set()

        def both(event: Event) -> bool:
            for who, raw in wanted:
                if _is_packet(who, raw, "down" if raw == "2" else "up")(event):
                    seen.add((who, raw))
            return seen == wanted

        yield from self.until_event(both, what="the pings and pongs of alice and carol")
        if seen == wanted:
            yield Note(text=texts.HEARTBEAT_AFTER)

    def errors(self) -> Iterator[Event]:
        yield from self.section("When things go wrong", texts.ERRORS)
        evidence = []
        # a) an unknown namespace
        yield Note(text=texts.ERR_NAMESPACE)
        dave = self.client("dave", transports=["websocket"])
        problem = ""
        try:
            dave.connect(namespaces=["/nope"])
        except Exception as exc:  # socketio.exceptions.ConnectionError
            problem = f"{type(exc).__name__}: {exc}"
        yield from self.pump(what="dave's refusal")
        if problem:
            yield Note(text=f"dave's `connect()` raised `{problem}`.", tone="tip")
            evidence.append("unknown namespace refused with 44")
        # b) a handler that raises
        yield Note(text=texts.ERR_HANDLER)
        alice = self.clients["alice"]
        outcome = ""
        try:
            alice.sio.call("boom", {"please": "fail"}, timeout=1.0)
        except Exception as exc:  # socketio.exceptions.TimeoutError
            outcome = type(exc).__name__
        yield from self.pump(what="the server's log")
        alive = alice.sio.call("echo", "still there?", timeout=5)
        yield from self.pump(what="alice's echo")
        yield Note(text=texts.ERR_HANDLER_AFTER.format(outcome=outcome or "no error", alive=alive))
        if outcome and alive == "still there?":
            evidence.append("a raising handler was logged, the connection lived on")
        self._error_evidence.extend(evidence)
        if len(self._error_evidence) >= 3:
            yield self.check("error handling", "; ".join(self._error_evidence))

    def reconnect(self) -> Iterator[Event]:
        yield from self.section("Dropped, reconnected, sent away", texts.RECONNECT)
        evidence = []
        alice = self.clients["alice"]
        # c) the network drops
        yield Note(text=texts.ERR_DROP)
        before = alice.connects
        old_sid = alice.sid
        self.stack.cut("alice")
        yield from self.pump(
            lambda: alice.connects > before and alice.transport == "websocket",
            what="alice to reconnect",
        )
        if alice.connects > before:
            yield Note(
                text=texts.ERR_DROP_AFTER.format(
                    reason=alice.disconnects[-1] if alice.disconnects else "?",
                    old=old_sid,
                    new=alice.sid,
                )
            )
            evidence.append("a cut connection came back by itself")
        # d) the server sends someone away
        yield Note(text=texts.ERR_KICK)
        carol = self.clients["carol"]
        count = len(carol.disconnects)
        self.stack.call(self.sio.disconnect(self.sio.manager.sid_from_eio_sid(carol.eio_sid, "/")))
        yield from self.pump(lambda: len(carol.disconnects) > count, what="carol to be sent away")
        if len(carol.disconnects) > count:
            yield Note(
                text=texts.ERR_KICK_AFTER.format(
                    reason=carol.disconnects[-1],
                    again="is" if carol.reconnect_scheduled else "is not",
                )
            )
        self._error_evidence.extend(evidence)
        if len(self._error_evidence) >= 3:
            yield self.check("error handling", "; ".join(self._error_evidence))

    def outsider(self) -> Iterator[Event]:
        from netlearn.lessons.socketio.plainws import PlainWebSocket

        yield from self.section("A plain WebSocket knocks", texts.OUTSIDER)
        port = self.stack.add_relay("plain")
        for target, why in (("/", texts.OUT_ROOT), ("/socket.io/", texts.OUT_NO_EIO)):
            yield Note(text=why)
            ws = PlainWebSocket("127.0.0.1", port, target)
            try:
                ws.connect()
            except OSError as exc:
                yield Note(text=f"(the connection failed: {exc})", tone="warn")
            finally:
                ws.close()
            yield from self.pump(what="the answer")
        yield Note(text=texts.OUT_RIGHT)
        ws = PlainWebSocket("127.0.0.1", port, "/socket.io/?EIO=4&transport=websocket")
        try:
            yield from self._speak_by_hand(ws)
        except OSError as exc:  # includes timeouts: a slow machine must not end the lesson
            yield Note(text=f"(the plain client gave up: {exc or type(exc).__name__})", tone="warn")
        finally:
            ws.close()
        yield from self.pump(what="the close")
        yield Note(text=texts.OUTSIDER_AFTER)

    def _speak_by_hand(self, ws: Any) -> Iterator[Event]:
        if ws.connect() is not None:
            yield from self.pump(what="the refusal")
            return
        ws.recv()  # the open packet
        yield from self.pump(what="the open packet")
        yield Note(text=texts.OUT_SEND_40)
        ws.send("40")
        ws.recv()
        yield from self.pump(what="the CONNECT answer")
        yield Note(text=texts.OUT_SEND_EVENT)
        bob = self.clients["bob"]
        count = len(bob.received("chat"))
        ws.send('42["chat",{"text":"hi, typed by hand"}]')
        yield from self.pump(lambda: len(bob.received("chat")) > count, what="bob to get it")
        yield Note(text=texts.OUT_PING)
        deadline = time.monotonic() + self.stack.ping_interval + self.stack.ping_timeout + 2
        message: str | bytes | None = ""
        while message not in (None, "2"):
            message = ws.recv(deadline - time.monotonic())
        if message == "2":
            ws.send("3")
        yield from self.pump(what="the pong")

    def scaling(self) -> Iterator[Event]:
        from netlearn.lessons.socketio.server import MemoryBroker, broker_manager

        yield from self.section("More than one server", texts.SCALING)
        yield Note(text=texts.SCALING_DIAGRAM)
        broker = MemoryBroker()
        for name in ("A", "B"):
            manager = broker_manager(broker, name, self.stack.sink, self.stack.clock)
            self.stack.add_server(name, client_manager=manager)
        dana = self.client("dana", transports=["websocket"], server="A")
        eli = self.client("eli", transports=["websocket"], server="B")
        self.quietly(lambda: (dana.connect(), eli.connect(), None)[-1])
        yield Note(text=texts.SCALING_EMIT)
        count = len(eli.received("chat"))
        dana.sio.emit("chat", {"text": "hello from server A's side"})
        yield from self.pump(lambda: len(eli.received("chat")) > count, what="eli on B to get it")
        crossed = len(eli.received("chat")) > count
        yield Note(text=texts.SCALING_STICKY)
        status, body = self._stray_poll(dana.eio_sid)
        yield from self.pump(what="server B's answer")
        yield Note(text=texts.SCALING_AFTER.format(status=status, body=body))
        if crossed and status == 400:
            yield self.check(
                "scalability",
                "dana's chat on server A reached eli on server B through the broker; a polling "
                "request sent to the wrong server was refused (400): sessions need sticky routing",
            )

    def _stray_poll(self, sid: str) -> tuple[int, str]:
        """A long-poll request for a session of server A, sent to server B (no stickiness)."""
        import http.client

        port = self.stack.add_relay("load balancer", server="B", peer="B")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", f"/socket.io/?EIO=4&transport=polling&sid={sid}")
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        except OSError as exc:
            raise NetlearnError(f"the stray request failed: {exc}") from None
        finally:
            conn.close()

    def logging(self) -> Iterator[Event]:
        yield from self.section("Logging and debugging", texts.LOGGING)
        bob = self.clients["bob"]
        handler = self.stack.log_handler
        yield from self.pump(cap=0.5, what="the wire to settle")
        handler.live = True
        try:
            start = self.stack.clock()
            answer = bob.sio.call("echo", "log me", timeout=5)
            end = self.stack.clock()
            yield from self.pump(what="the log lines")
        finally:
            handler.live = False
        # the lines written between bob's emit and his answer (a heartbeat may add its own later)
        lines = [r for r in list(handler.records) if start <= r.t <= end + 0.001]
        yield Note(text=texts.LOGGING_AFTER.format(n=len(lines)))
        if lines and answer == "log me":
            yield self.check(
                "logging and debugging",
                f"python-socketio's own loggers wrote {len(lines)} lines for bob's one echo: "
                "the packet received, the event, the answer sent",
            )

    def summary(self) -> Iterator[Event]:
        yield from self.section("What this run proved", "")
        yield self.checklist()
        yield texts.comparison_table()
        yield Note(text=texts.WHEN)


GUIDED: tuple[Callable[[Lab], Iterator[Event]], ...] = (
    Lab.intro,
    Lab.handshake,
    Lab.events,
    Lab.targets,
    Lab.heartbeat,
    Lab.errors,
    Lab.reconnect,
    Lab.outsider,
    Lab.scaling,
    Lab.logging,
    Lab.summary,
)


def guided(env: Env) -> Iterator[Event]:
    """The whole demo, in order, on one server; each part starts with a Progress event."""
    with Lab(env, numbered=True) as lab:
        for part in GUIDED:
            yield from part(lab)
