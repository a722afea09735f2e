"""The Socket.IO lesson's scenes (registered in `netlearn.scenes`).

Live scenes each start their own server on 127.0.0.1 (a kernel-chosen port) and stop it when
they end; a scene that begins mid-story (say, broadcasting) first connects its clients without
showing those packets, then shows its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Title
from netlearn.lessons.socketio import side_by_side, trace
from netlearn.lessons.socketio.demo import Lab
from netlearn.lessons.socketio.events import Check, Checklist, HttpLine, WirePacket

HANDSHAKE_CLIENTS = ("all", "alice", "bob-carol")  # repeated in netlearn.scenes
_REGULARS = ("alice", "bob", "carol")  # the lesson's clients, whose heartbeats fold into a count


def _live(
    env: Env,
    *steps: Callable[[Lab], Iterator[Event]],
    setup: bool = True,
    fold: bool = True,
) -> Iterator[Event]:
    with Lab(env) as lab:
        if setup:
            lab.connect_quietly()
        events: Iterator[Event] = (e for step in steps for e in step(lab))
        yield from fold_polling(events) if fold else events


def fold_polling(events: Iterator[Event]) -> Iterator[Event]:
    """The events without the HTTP requests and responses that merely carry a long-polling
    client's packets (its packets stay, marked [polling]), and a count of them at the end.

    Those HTTP lines are known by their notes (`trace.plumbing()`): shown in full where the
    transports are taught, folded into a count after."""
    gets: dict[str, int] = {}
    posts: dict[str, int] = {}
    pings: dict[str, int] = {}
    plumbing = trace.plumbing()
    for event in events:
        if (
            isinstance(event, HttpLine)
            and event.actor in _REGULARS
            and event.note.startswith(plumbing)
        ):
            if event.direction == "up":
                count = posts if event.line.startswith("POST") else gets
                count[event.actor] = count.get(event.actor, 0) + 1
            continue
        if isinstance(event, WirePacket) and event.actor in _REGULARS and event.raw in ("2", "3"):
            if event.raw == "2":
                pings[event.actor] = pings.get(event.actor, 0) + 1
            continue
        yield event
    if pings:
        who = ", ".join(f"{actor} {n}" for actor, n in sorted(pings.items()))
        yield Note(text=say("socketio.notes.folded-pings", who=who))
    for actor in sorted(gets.keys() | posts.keys()):
        g, p = gets.get(actor, 0), posts.get(actor, 0)
        parts = [
            f"{n} {what}{'s' if n != 1 else ''}"
            for n, what in ((g, "long-poll GET"), (p, "POST"))
            if n
        ]
        yield Note(text=say("socketio.notes.folded-http", actor=actor, parts=" and ".join(parts)))


def handshake(env: Env, clients: str = "all") -> Iterator[Event]:
    """alice (polling, then WebSocket), bob (WebSocket only), carol (polling only) connect
    (`clients`: all, alice, or bob-carol)."""
    if clients not in HANDSHAKE_CLIENTS:
        raise NetlearnError(say("socketio.notes.bad-clients", choices=", ".join(HANDSHAKE_CLIENTS)))
    return _live(env, lambda lab: lab.handshake(clients), setup=False, fold=False)


def events(env: Env) -> Iterator[Event]:
    """An event with an acknowledgement, and one with binary data."""
    return _live(env, Lab.events)


def broadcast(env: Env) -> Iterator[Event]:
    """socket.emit vs io.emit vs broadcast vs a room, side by side."""
    return _live(env, Lab.targets)


def heartbeat(env: Env) -> Iterator[Event]:
    """The server's ping and the client's pong."""
    return _live(env, Lab.heartbeat, fold=False)  # carol's ping rides in a long-poll


def errors(env: Env) -> Iterator[Event]:
    """An unknown namespace and a handler that raises."""
    return _live(env, Lab.errors)


def reconnect(env: Env) -> Iterator[Event]:
    """A dropped connection comes back; a client sent away does not."""
    return _live(env, Lab.reconnect)


def outsider(env: Env) -> Iterator[Event]:
    """A plain WebSocket client speaks Socket.IO by hand."""
    return _live(env, Lab.outsider)


def scaling(env: Env) -> Iterator[Event]:
    """Two servers, a broker, and why sessions must be sticky."""
    return _live(env, Lab.scaling, setup=False, fold=False)  # its stray poll is the point


def logging(env: Env) -> Iterator[Event]:
    """python-socketio's own log lines for one event."""
    return _live(env, Lab.logging)


def proof(env: Env) -> Iterator[Event]:
    """Run every check and show only the evidence: the proof of life checklist."""
    steps = (
        ("connection", Lab.handshake),
        ("events", Lab.events),
        ("broadcasting", Lab.targets),
        ("errors", Lab.errors),
        ("reconnect", Lab.reconnect),
        ("scalability", Lab.scaling),
        ("logging", Lab.logging),
    )
    yield Title(text=say("socketio.notes.proof-title"), subtitle=say("socketio.narration.proof"))
    with Lab(env) as lab:
        for step_id, step in steps:
            label = say(f"socketio.proof-steps.{step_id}")
            yield Note(text=say("socketio.notes.checking", label=label))
            for event in step(lab):
                if isinstance(event, Check | Checklist):
                    yield event
        yield lab.checklist()


def api(env: Env) -> Iterator[Event]:
    """The JavaScript (Node.js) server beside python-socketio."""
    yield side_by_side.api_pair()
    yield side_by_side.targets_pair()


def compare(env: Env) -> Iterator[Event]:
    """WebSocket vs Socket.IO, side by side (the lesson's text says when to use which)."""
    yield side_by_side.comparison_table()


def decode(
    env: Env, packet: str = '42["chat",{"text":"hi"}]', layer: str = "wire"
) -> Iterator[Event]:
    """Take one packet string apart (`layer=socketio`: a bare Socket.IO packet)."""
    from netlearn.lessons.socketio.explain import explain
    from netlearn.lessons.socketio.problems import PacketError

    if layer not in ("wire", "socketio"):
        raise NetlearnError(say("socketio.notes.bad-layer", layer=repr(layer)))
    try:
        yield from explain(packet, socketio_only=layer == "socketio")
    except PacketError as exc:
        raise NetlearnError(str(exc)) from None


def diagram(env: Env) -> Iterator[Event]:
    """Two servers behind a load balancer, joined by a broker."""
    yield Note(text=say("socketio.narration.scaling-diagram"))
