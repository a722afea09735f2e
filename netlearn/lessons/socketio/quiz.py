"""Socket.IO questions: what a packet seen in the browser's developer tools means.

The packets are encoded by the lesson's own codec (`protocol`), which the tests hold byte for byte
to python-socketio's and python-engineio's packet classes (the code the lesson's server runs), so
the text is exactly what crosses the WebSocket. Two protocols are
nested (engine.io-protocol and socket.io-protocol, "Packet encoding"): an Engine.IO type digit
(0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop), then, inside a message, a
Socket.IO type digit (0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, ...), an optional
namespace ending in a comma, an optional acknowledgement id, and JSON.
"""

from __future__ import annotations

import json
import random

from netlearn.content.words import lookup, placeholders, say
from netlearn.lessons.socketio.protocol import (
    ACK,
    CONNECT,
    DISCONNECT,
    EVENT,
    MESSAGE,
    PING,
    PONG,
    EioPacket,
    SioPacket,
)
from netlearn.quiz.generators.common import make, pick_choices
from netlearn.quiz.model import Asked, Question

EVENTS = (
    ("chat message", ["hi there"]),
    ("chat message", ["see you at 5"]),
    ("typing", [{"user": "ada"}]),
    ("join", ["room-42"]),
    ("move", [3, 7]),
)

# The scenarios (lessons/socketio/packet-quiz.toml, [meanings]: what each means), and for each
# the near misses: the scenarios a learner confuses it with.
SCENARIOS = (
    "event",
    "event-ack",
    "ack",
    "connect",
    "connect-ok",
    "connect-ns",
    "disconnect",
    "ping",
    "pong",
)
NEAR: dict[str, tuple[str, ...]] = {
    "event": ("event-ack", "ack", "connect"),
    "event-ack": ("event", "ack", "connect-ns"),
    "ack": ("event-ack", "event", "pong"),
    "connect": ("connect-ok", "disconnect", "connect-ns"),
    "connect-ok": ("connect", "ack", "connect-ns"),
    "connect-ns": ("connect", "event", "connect-ok"),
    "disconnect": ("connect", "ack", "pong"),
    "ping": ("pong", "connect", "disconnect"),
    "pong": ("ping", "ack", "disconnect"),
}


def encode(scenario: str, rng: random.Random) -> tuple[str, str, dict[str, object]]:
    """(the text on the wire, who sends it, the values the meanings mention)."""
    name, args = rng.choice(EVENTS)
    ack_id = rng.randint(0, 12)
    values: dict[str, object] = {"name": name, "id": ack_id}
    sender = rng.choice(("client", "server"))
    if scenario == "ping":
        return str(EioPacket(PING).encode()), "server", values
    if scenario == "pong":
        return str(EioPacket(PONG).encode()), "client", values
    if scenario == "event":
        inner = SioPacket(EVENT, data=[name, *args])
    elif scenario == "event-ack":
        inner = SioPacket(EVENT, data=[name, *args], id=ack_id)
    elif scenario == "ack":
        inner = SioPacket(ACK, data=[{"ok": True}], id=ack_id)
    elif scenario == "connect":
        inner, sender = SioPacket(CONNECT), "client"
    elif scenario == "connect-ok":
        sid = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_")
                      for _ in range(20))  # fmt: skip
        inner, sender = SioPacket(CONNECT, data={"sid": sid}), "server"
    elif scenario == "connect-ns":
        inner, sender = SioPacket(CONNECT, namespace="/admin"), "client"
    else:
        inner = SioPacket(DISCONNECT)
    return str(EioPacket(MESSAGE, inner.encode()).encode()), sender, values


def meaning(scenario: str, values: dict[str, object]) -> str:
    """What a scenario's packet means, with the values it mentions filled in."""
    wanted = placeholders(lookup(f"socketio.packet-quiz.meanings.{scenario}"))
    fields = {k: v for k, v in values.items() if k in wanted}
    return say(f"socketio.packet-quiz.meanings.{scenario}", **fields)


def packet(rng: random.Random, question: Question) -> Asked:
    """What does this Engine.IO / Socket.IO packet mean?"""
    scenario = rng.choice(SCENARIOS)
    text, sender, values = encode(scenario, rng)
    right = meaning(scenario, values)
    wrong = [meaning(s, values) for s in NEAR[scenario]]
    choices, at = pick_choices(rng, right, wrong)
    eio_type = text[0]
    eio_name = {"2": "ping", "3": "pong", "4": "message"}[eio_type]
    parts = [say("socketio.packet-quiz.explain.eio-type", digit=eio_type, name=eio_name)]
    if eio_type == "4":
        sio_type = text[1]
        rest = text[2:]
        sio_name = {"0": "CONNECT", "1": "DISCONNECT", "2": "EVENT", "3": "ACK"}[sio_type]
        parts.append(say("socketio.packet-quiz.explain.sio-type", digit=sio_type, name=sio_name))
        if rest.startswith("/"):
            namespace = rest.split(",")[0]
            parts.append(say("socketio.packet-quiz.explain.namespace", namespace=namespace))
            rest = rest.split(",", 1)[1]
        else:
            parts.append(say("socketio.packet-quiz.explain.no-namespace"))
        digits = ""
        while rest[:1].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        if digits:
            parts.append(say("socketio.packet-quiz.explain.ack-id", digits=digits))
        if rest:
            payload = json.loads(rest)
            if sio_name == "EVENT":
                args = json.dumps(payload[1:])
                parts.append(
                    say("socketio.packet-quiz.explain.event-array", name=payload[0], args=args)
                )
            elif sio_name == "ACK":
                parts.append(say("socketio.packet-quiz.explain.ack-array"))
            else:
                parts.append(say("socketio.packet-quiz.explain.connect-object", payload=rest))
    if scenario == "event-ack":
        parts.append(say("socketio.packet-quiz.explain.callback", id=values["id"]))
    if scenario in ("ping", "pong"):
        parts.append(say("socketio.packet-quiz.explain.heartbeat"))
    return make(
        "choice",
        say("socketio.packet-quiz.explain.question", sender=sender),
        " ".join(parts),
        choices=choices,
        correct=(at,),
        exhibit=(f"{sender} -> {'server' if sender == 'client' else 'client'}:  {text}",),
        packets=(text.encode(),),
    )
