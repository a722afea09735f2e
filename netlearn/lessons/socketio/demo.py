"""The guided demo: a real python-socketio server and clients, every packet shown as it crosses.

`Lab` is the live lab (`netlearn.lessons.socketio.live.LiveLab`: the stack, the clients, the
waiting and the checklist) with the demo's sections. Each section is a generator of events: it
does something real (connect, emit, cut a connection), then yields what the relays saw until the
expected thing has happened and the wire has gone quiet. The words are in
lessons/socketio/words.toml; the sections of things going wrong are in `trouble`, the ones
beyond one server in `beyond`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note
from netlearn.lessons.socketio import side_by_side
from netlearn.lessons.socketio.beyond import BeyondOneServer
from netlearn.lessons.socketio.events import Delivery, DeliveryTable, HandlerRan, WirePacket
from netlearn.lessons.socketio.trouble import Trouble

# The four ways to emit: (JavaScript, Python, label, emit's keywords, who gets a copy).
# "{sid}" in the keywords stands for alice's socket id.
EMITS: tuple[tuple[str, str, str, dict[str, str], frozenset[str]], ...] = (
    (
        'socket.emit("news", x)  // socket: alice\'s',
        'await sio.emit("news", x, to=alice_sid)',
        "only alice",
        {"to": "{sid}"},
        frozenset({"alice"}),
    ),
    (
        'io.emit("news", x)',
        'await sio.emit("news", x)',
        "everyone",
        {},
        frozenset({"alice", "bob", "carol"}),
    ),
    (
        'socket.broadcast.emit("news", x)',
        'await sio.emit("news", x, skip_sid=alice_sid)',
        "all but alice",
        {"skip_sid": "{sid}"},
        frozenset({"bob", "carol"}),
    ),
    (
        'io.to("lab").emit("news", x)',
        'await sio.emit("news", x, room="lab")',
        "room lab",
        {"room": "lab"},
        frozenset({"alice", "carol"}),
    ),
)


def is_packet(actor: str, raw: str, direction: str = "") -> Callable[[Event], bool]:
    """A test for `until_event`: this actor's packet, as raw text, going this way."""

    def test(event: Event) -> bool:
        return (
            isinstance(event, WirePacket)
            and event.actor == actor
            and event.raw == raw
            and (not direction or event.direction == direction)
        )

    return test


class Lab(Trouble, BeyondOneServer):
    """The live lab with every section of the guided demo."""

    def intro(self) -> Iterator[Event]:
        server = self.stack.servers["server"]
        yield from self.section("intro", say("socketio.narration.intro"))
        yield Note(text=say("socketio.notes.intro-port", port=server.port))

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
            yield from self.section("handshake", say("socketio.narration.handshake"))
            alice = self.client("alice")
            alice.connect()
            yield from self.pump(
                lambda: alice.transport == "websocket", what=say("socketio.waiting.alice-upgrade")
            )
            if self.numbered:  # in a lesson, the lesson's own text says it
                yield Note(text=say("socketio.narration.handshake-after"))
            if who == "alice":
                return
        bob_text = (
            say("socketio.narration.bob-websocket")
            if self.numbered
            else say("socketio.notes.bob-short")
        )
        yield Note(text=bob_text)
        bob = self.client("bob", transports=["websocket"])
        bob.connect()
        yield from self.pump(lambda: bool(bob.sid), what=say("socketio.waiting.bob-connection"))
        carol_text = (
            say("socketio.narration.carol-polling")
            if self.numbered
            else say("socketio.notes.carol-short")
        )
        yield Note(text=carol_text)
        carol = self.client("carol", transports=["polling"])
        carol.connect()
        yield from self.pump(lambda: bool(carol.sid), what=say("socketio.waiting.carol-connection"))
        connected = [c for c in (alice, bob, carol) if c.sio.connected]
        runs = sum(
            1 for e in self.seen if isinstance(e, HandlerRan) and e.call.startswith("connect(")
        )
        if len(connected) == 3:
            yield self.check("connection", say("socketio.evidence.connection", runs=runs))

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
        yield from self.section("events", say("socketio.narration.events"))
        if self.numbered:  # a lesson showed this code in the step before
            yield side_by_side.api_pair()
        alice = self.clients["alice"]
        answers: list[Any] = []
        alice.sio.emit("echo", {"text": "are you there?"}, callback=lambda *a: answers.append(a))
        yield from self.pump(
            lambda: bool(answers), what=say("socketio.waiting.echo-acknowledgement")
        )
        answer = answers[0][0] if answers else None
        yield Note(text=say("socketio.narration.events-after", answer=answer))
        binary_text = (
            say("socketio.narration.binary")
            if self.numbered
            else say("socketio.notes.binary-short")
        )
        yield Note(text=binary_text)
        alice.sio.emit("echo", b"\x01\x02\x03\x04", callback=lambda *a: answers.append(a))
        yield from self.pump(lambda: len(answers) >= 2, what=say("socketio.waiting.binary-echo"))
        if answers:
            yield self.check("events", say("socketio.evidence.events"))

    def targets(self) -> Iterator[Event]:
        yield from self.section("targets", say("socketio.narration.targets"))
        if self.numbered:  # a lesson showed this code two steps before
            yield side_by_side.targets_pair()
        names = ("alice", "bob", "carol")
        yield Note(text=say("socketio.narration.rooms"))
        for name in ("alice", "carol"):
            self.clients[name].sio.call("join", "lab", timeout=5)
        yield from self.pump(what=say("socketio.waiting.joins"))
        manager = self.sio.manager
        alice_sid = manager.sid_from_eio_sid(self.clients["alice"].eio_sid, "/")
        rows: list[Delivery] = []
        as_expected = True
        for js, py, label, keywords, expected in EMITS:
            yield Note(text=say("socketio.notes.server-calls", py=py, js=js))
            before = {n: len(self.clients[n].received("news")) for n in names}

            def arrived(
                before: dict[str, int] = before, expected: frozenset[str] = expected
            ) -> bool:
                return all(len(self.clients[n].received("news")) > before[n] for n in expected)

            kwargs = {k: alice_sid if v == "{sid}" else v for k, v in keywords.items()}
            self.stack.call(self.sio.emit("news", label, **kwargs))
            yield from self.pump(arrived, what=say("socketio.waiting.arrive", label=label))
            got = tuple((n, len(self.clients[n].received("news")) > before[n]) for n in names)
            as_expected &= {n for n, ok in got if ok} == expected
            rows.append(Delivery(javascript=js, python=py, packet=f'42["news","{label}"]', got=got))
        yield DeliveryTable(
            title=say("socketio.notes.delivery-title"),
            rows=tuple(rows),
            caption=say("socketio.narration.targets-caption"),
        )
        if as_expected:
            yield self.check("broadcasting", say("socketio.evidence.broadcasting"))

    def heartbeat(self) -> Iterator[Event]:
        text = say(
            "socketio.narration.heartbeat",
            interval=int(self.stack.ping_interval * 1000),
            timeout=int(self.stack.ping_timeout * 1000),
        )
        yield from self.section("heartbeat", text)
        # alice's ping and pong travel in WebSocket frames, carol's in HTTP bodies: wait for both
        wanted = {(who, raw) for who in ("alice", "carol") for raw in ("2", "3")}
        seen: set[tuple[str, str]] = set()

        def both(event: Event) -> bool:
            for who, raw in wanted:
                if is_packet(who, raw, "down" if raw == "2" else "up")(event):
                    seen.add((who, raw))
            return seen == wanted

        yield from self.until_event(
            both, what=say("socketio.waiting.pings-and-pongs-of-alice-and-carol")
        )
        if seen == wanted:
            yield Note(text=say("socketio.narration.heartbeat-after"))

    def summary(self) -> Iterator[Event]:
        yield from self.section("summary", "")
        yield self.checklist()
        yield side_by_side.comparison_table()
        yield Note(text=say("socketio.narration.when"))


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


Lab.parts = len(GUIDED)


def guided(env: Env) -> Iterator[Event]:
    """The whole demo, in order, on one server; each part starts with a Progress event."""
    with Lab(env, numbered=True) as lab:
        for part in GUIDED:
            yield from part(lab)
