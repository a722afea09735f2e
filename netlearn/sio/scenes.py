"""The Socket.IO lesson's scenes (registered in `netlearn.scenes`).

Live scenes each start their own server on 127.0.0.1 (a kernel-chosen port) and stop it when
they end; a scene that begins mid-story (say, broadcasting) first connects its clients without
showing those packets, then shows its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Title
from netlearn.sio import texts
from netlearn.sio.demo import Lab
from netlearn.sio.events import Check, Checklist


def _live(
    env: Env, *steps: Callable[[Lab], Iterator[Event]], setup: bool = True
) -> Iterator[Event]:
    with Lab(env) as lab:
        if setup:
            lab.connect_quietly()
        for step in steps:
            yield from step(lab)


def handshake(env: Env) -> Iterator[Event]:
    """alice (polling, then WebSocket), bob (WebSocket only), carol (polling only) connect."""
    return _live(env, Lab.handshake, setup=False)


def events(env: Env) -> Iterator[Event]:
    """An event with an acknowledgement, and one with binary data."""
    return _live(env, Lab.events)


def broadcast(env: Env) -> Iterator[Event]:
    """socket.emit vs io.emit vs broadcast vs a room, side by side."""
    return _live(env, Lab.targets)


def heartbeat(env: Env) -> Iterator[Event]:
    """The server's ping and the client's pong."""
    return _live(env, Lab.heartbeat)


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
    return _live(env, Lab.scaling, setup=False)


def logging(env: Env) -> Iterator[Event]:
    """python-socketio's own log lines for one event."""
    return _live(env, Lab.logging)


def proof(env: Env) -> Iterator[Event]:
    """Run every check and show only the evidence: the proof of life checklist."""
    steps = (
        ("connection establishment", Lab.handshake),
        ("event handling", Lab.events),
        ("broadcasting", Lab.targets),
        ("error handling", Lab.errors),
        ("error handling (dropped connection)", Lab.reconnect),
        ("scalability", Lab.scaling),
        ("logging and debugging", Lab.logging),
    )
    yield Title(text="Proof of life", subtitle=texts.PROOF)
    with Lab(env) as lab:
        for label, step in steps:
            yield Note(text=f"Checking {label}...")
            for event in step(lab):
                if isinstance(event, Check | Checklist):
                    yield event
        yield lab.checklist()


def api(env: Env) -> Iterator[Event]:
    """The JavaScript (Node.js) server beside python-socketio."""
    yield texts.api_pair()
    yield texts.targets_pair()


def compare(env: Env) -> Iterator[Event]:
    """WebSocket vs Socket.IO, side by side (the lesson's text says when to use which)."""
    yield texts.comparison_table()


def decode(
    env: Env, packet: str = '42["chat",{"text":"hi"}]', layer: str = "wire"
) -> Iterator[Event]:
    """Take one packet string apart (`layer=socketio`: a bare Socket.IO packet)."""
    from netlearn.sio.codec import PacketError
    from netlearn.sio.explain import explain

    if layer not in ("wire", "socketio"):
        raise NetlearnError(f"layer must be wire or socketio, not {layer!r}")
    try:
        yield from explain(packet, socketio_only=layer == "socketio")
    except PacketError as exc:
        raise NetlearnError(str(exc)) from None


def diagram(env: Env) -> Iterator[Event]:
    """Two servers behind a load balancer, joined by a broker."""
    yield Note(text=texts.SCALING_DIAGRAM)
