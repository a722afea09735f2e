"""Socket.IO questions: what a packet seen in the browser's developer tools means.

The packets are encoded by python-socketio's and python-engineio's own packet classes, the code
the lesson's server runs, so the text is exactly what crosses the WebSocket. Two protocols are
nested (engine.io-protocol and socket.io-protocol, "Packet encoding"): an Engine.IO type digit
(0 open, 1 close, 2 ping, 3 pong, 4 message, 5 upgrade, 6 noop), then, inside a message, a
Socket.IO type digit (0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR, ...), an optional
namespace ending in a comma, an optional acknowledgement id, and JSON.
"""

from __future__ import annotations

import json
import random

from netlearn.quiz.generators.common import make, pick_choices
from netlearn.quiz.model import Asked, Question

EVENTS = (
    ("chat message", ["hi there"]),
    ("chat message", ["see you at 5"]),
    ("typing", [{"user": "ada"}]),
    ("join", ["room-42"]),
    ("move", [3, 7]),
)

# scenario -> (what it means, near misses: the scenarios a learner confuses it with)
MEANINGS: dict[str, str] = {
    "event": "a Socket.IO EVENT named {name!r}, carried in an Engine.IO message; no reply asked",
    "event-ack": "a Socket.IO EVENT named {name!r} that asks for an acknowledgement (ack id {id})",
    "ack": "the acknowledgement (ACK) of the event numbered {id}, carrying the reply",
    "connect": "a request to join the main namespace '/' (Socket.IO CONNECT)",
    "connect-ok": "the server accepting the connection to namespace '/', with the socket's id",
    "connect-ns": "a request to join the namespace '/admin' (Socket.IO CONNECT)",
    "disconnect": "leaving the namespace '/' (Socket.IO DISCONNECT)",
    "ping": "an Engine.IO ping: the server asking 'are you still there?'",
    "pong": "an Engine.IO pong: the client's answer to a ping",
}
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
    from engineio import packet as eio
    from socketio import packet as sio

    name, args = rng.choice(EVENTS)
    ack_id = rng.randint(0, 12)
    values: dict[str, object] = {"name": name, "id": ack_id}
    sender = rng.choice(("client", "server"))
    if scenario == "ping":
        return eio.Packet(eio.PING).encode(), "server", values
    if scenario == "pong":
        return eio.Packet(eio.PONG).encode(), "client", values
    if scenario == "event":
        inner = sio.Packet(sio.EVENT, data=[name, *args])
    elif scenario == "event-ack":
        inner = sio.Packet(sio.EVENT, data=[name, *args], id=ack_id)
    elif scenario == "ack":
        inner = sio.Packet(sio.ACK, data=[{"ok": True}], id=ack_id)
    elif scenario == "connect":
        inner, sender = sio.Packet(sio.CONNECT), "client"
    elif scenario == "connect-ok":
        sid = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_")
                      for _ in range(20))  # fmt: skip
        inner, sender = sio.Packet(sio.CONNECT, data={"sid": sid}), "server"
    elif scenario == "connect-ns":
        inner, sender = sio.Packet(sio.CONNECT, namespace="/admin"), "client"
    else:
        inner = sio.Packet(sio.DISCONNECT)
    return eio.Packet(eio.MESSAGE, data=inner.encode()).encode(), sender, values


def packet(rng: random.Random, question: Question) -> Asked:
    """What does this Engine.IO / Socket.IO packet mean?"""
    scenario = rng.choice(tuple(MEANINGS))
    text, sender, values = encode(scenario, rng)
    right = MEANINGS[scenario].format(**values)
    wrong = [MEANINGS[s].format(**values) for s in NEAR[scenario]]
    choices, at = pick_choices(rng, right, wrong)
    eio_type = text[0]
    parts = [
        f"The first digit, {eio_type}, is the Engine.IO packet type: "
        + {"2": "ping", "3": "pong", "4": "message"}[eio_type]
        + "."
    ]
    if eio_type == "4":
        sio_type = text[1]
        rest = text[2:]
        sio_name = {"0": "CONNECT", "1": "DISCONNECT", "2": "EVENT", "3": "ACK"}[sio_type]
        parts.append(f"Inside the message, {sio_type} is the Socket.IO packet type {sio_name}.")
        if rest.startswith("/"):
            parts.append(f"'{rest.split(',')[0]}' up to the comma is the namespace.")
            rest = rest.split(",", 1)[1]
        else:
            parts.append("No namespace is written, so it is the main one, '/'.")
        digits = ""
        while rest[:1].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        if digits:
            parts.append(f"{digits} is the acknowledgement id.")
        if rest:
            payload = json.loads(rest)
            if sio_name == "EVENT":
                parts.append(
                    f"The JSON array holds the event's name, {payload[0]!r}, then its "
                    f"arguments, {json.dumps(payload[1:])}."
                )
            elif sio_name == "ACK":
                parts.append("The JSON array holds the reply's arguments.")
            else:
                parts.append(f"The JSON object {rest} carries the socket's id.")
    if scenario == "event-ack":
        parts.append(
            "The receiver's handler gets a callback as its last argument; calling it sends "
            f"back an ACK with the same id, 43{values['id']}[...]."
        )
    if scenario in ("ping", "pong"):
        parts.append(
            "In Engine.IO v4 the server pings every pingInterval (25 s by default) and the "
            "client must answer within pingTimeout (20 s), or the session is closed."
        )
    return make(
        "choice",
        f"The browser's developer tools show this WebSocket message, sent by the {sender}. "
        "What is it?",
        " ".join(parts),
        choices=choices,
        correct=(at,),
        exhibit=(f"{sender} -> {'server' if sender == 'client' else 'client'}:  {text}",),
        packets=(text.encode(),),
    )
