"""The scene registry: names a lesson can embed, mapped to the producers that make their events.

A scene is a function `(env, **args) -> Iterator[Event]`. Names map to "module:function" strings so
that the content checker can validate a lesson without importing scapy or any lesson module.
Later lessons add their scenes to `SCENES` here (one line each).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event


@dataclass(frozen=True)
class SceneSpec:
    target: str
    args: tuple[str, ...] = ()
    about: str = ""


SCENES: dict[str, SceneSpec] = {
    "osi.layers": SceneSpec(
        "netlearn.osi.scenes:layers", ("order",), "the seven layers as a table"
    ),
    "osi.layer": SceneSpec("netlearn.osi.scenes:one_layer", ("n",), "one layer in detail"),
    "osi.tcpip": SceneSpec("netlearn.osi.scenes:tcpip", (), "OSI beside the TCP/IP model"),
    "osi.encapsulate": SceneSpec(
        "netlearn.osi.scenes:encapsulate", ("packet",), "wrap a packet layer by layer"
    ),
    "osi.unwrap": SceneSpec("netlearn.osi.scenes:unwrap", ("packet",), "unwrap it at the receiver"),
    "osi.inspect": SceneSpec("netlearn.osi.scenes:inspect", ("packet",), "the layer inspector"),
    "tcp.handshake": SceneSpec("netlearn.tcp.scenes:handshake", ("absolute",), "SYN, SYN-ACK, ACK"),
    "tcp.transfer": SceneSpec("netlearn.tcp.scenes:transfer", ("absolute",), "data both ways"),
    "tcp.close": SceneSpec("netlearn.tcp.scenes:close", ("absolute",), "FIN, ACK and TIME-WAIT"),
    "tcp.reset": SceneSpec("netlearn.tcp.scenes:reset", ("absolute",), "SYN to a closed port"),
    "tcp.lost-syn": SceneSpec(
        "netlearn.tcp.scenes:lost_syn", ("absolute", "losses"), "SYN lost, RTO doubles"
    ),
    "tcp.simultaneous-open": SceneSpec(
        "netlearn.tcp.scenes:simultaneous_open", ("absolute",), "two SYNs cross"
    ),
    "tcp.states": SceneSpec("netlearn.tcp.scenes:states", (), "RFC 9293's state table"),
    "tcp.flags": SceneSpec("netlearn.tcp.scenes:flags", (), "the TCP control bits"),
    "tcp.segment": SceneSpec(
        "netlearn.tcp.scenes:segment", ("scenario", "n"), "one segment in the inspector"
    ),
    "tcp.isn": SceneSpec("netlearn.tcp.scenes:isn", ("connections",), "random ISNs"),
    "capture.live": SceneSpec("netlearn.capture.scenes:live", (), "a real connection, captured"),
    "capture.replay": SceneSpec("netlearn.capture.scenes:replay", (), "the bundled capture"),
    "capture.options": SceneSpec("netlearn.capture.scenes:options", (), "real SYN options"),
    "capture.connections": SceneSpec(
        "netlearn.capture.scenes:connections", (), "connections in a capture file"
    ),
    "capture.packet": SceneSpec("netlearn.capture.scenes:packet", ("n",), "a captured packet"),
    "capture.time-wait": SceneSpec("netlearn.capture.scenes:time_wait", (), "TIME-WAIT, kernel"),
    "capture.bpf": SceneSpec("netlearn.capture.scenes:bpf", ("port",), "a BPF filter program"),
    "capture.privilege": SceneSpec("netlearn.capture.scenes:privilege", (), "may we capture?"),
    "websocket.live": SceneSpec("netlearn.ws.scenes:live", ("part",), "a part of the live demo"),
    "websocket.accept": SceneSpec("netlearn.ws.scenes:accept", ("key",), "the accept proof"),
    "websocket.frame": SceneSpec("netlearn.ws.scenes:frame", ("hex", "example"), "a frame"),
    "websocket.compare": SceneSpec("netlearn.ws.scenes:compare", (), "WebSocket vs polling, SSE"),
    "websocket.close-codes": SceneSpec("netlearn.ws.scenes:close_codes", (), "close codes"),
    "socketio.handshake": SceneSpec("netlearn.sio.scenes:handshake", (), "connect, live"),
    "socketio.events": SceneSpec("netlearn.sio.scenes:events", (), "events and acks, live"),
    "socketio.broadcast": SceneSpec("netlearn.sio.scenes:broadcast", (), "who gets an emit"),
    "socketio.heartbeat": SceneSpec("netlearn.sio.scenes:heartbeat", (), "ping and pong, live"),
    "socketio.errors": SceneSpec("netlearn.sio.scenes:errors", (), "bad namespace, bad handler"),
    "socketio.reconnect": SceneSpec("netlearn.sio.scenes:reconnect", (), "drop and reconnect"),
    "socketio.outsider": SceneSpec("netlearn.sio.scenes:outsider", (), "a plain WebSocket"),
    "socketio.scaling": SceneSpec("netlearn.sio.scenes:scaling", (), "two servers, a broker"),
    "socketio.logging": SceneSpec("netlearn.sio.scenes:logging", (), "the library's logs"),
    "socketio.proof": SceneSpec("netlearn.sio.scenes:proof", (), "the proof of life checklist"),
    "socketio.api": SceneSpec("netlearn.sio.scenes:api", (), "JavaScript beside Python"),
    "socketio.compare": SceneSpec("netlearn.sio.scenes:compare", (), "WebSocket vs Socket.IO"),
    "socketio.diagram": SceneSpec("netlearn.sio.scenes:diagram", (), "scaling, as a picture"),
    "socketio.decode": SceneSpec(
        "netlearn.sio.scenes:decode", ("packet", "layer"), "take a packet apart"
    ),
}


def resolve(name: str) -> Callable[..., Iterator[Event]]:
    """The producer function for a scene name."""
    spec = SCENES.get(name)
    if spec is None:
        raise NetlearnError(f"unknown scene {name!r}")
    module, func = spec.target.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def play(name: str, env: Env, args: dict[str, str] | None = None) -> Iterator[Event]:
    """Run a scene by name with the arguments a lesson gave it."""
    return resolve(name)(env, **(args or {}))
