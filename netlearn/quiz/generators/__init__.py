"""The registry of question generators: name -> where it lives, what it needs.

Like `netlearn.scenes`, targets are "module:function" strings so that the content checker can
validate a bank without importing scapy. A generator is
`def g(rng: random.Random, question: Question) -> Asked` and builds its question from real packets.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass

from netlearn.quiz.model import Asked, Question


@dataclass(frozen=True)
class GeneratorSpec:
    target: str
    source: str  # "generated" (packets built with the seed) or "capture" (the bundled capture)
    params: tuple[str, ...] = ()
    about: str = ""


GENERATORS: dict[str, GeneratorSpec] = {
    "tcp.synack_ack": GeneratorSpec(
        "netlearn.lessons.tcp.quiz:synack_ack",
        "generated",
        (),
        "a SYN's sequence number -> the SYN-ACK's acknowledgment number",
    ),
    "tcp.next_ack": GeneratorSpec(
        "netlearn.lessons.tcp.quiz:next_ack",
        "generated",
        (),
        "a segment's seq and payload length -> the ACK that acknowledges it",
    ),
    "tcp.reply_flags": GeneratorSpec(
        "netlearn.lessons.tcp.quiz:reply_flags",
        "generated",
        (),
        "which flags the reply to a segment carries",
    ),
    "tcp.what_if_next": GeneratorSpec(
        "netlearn.lessons.tcp.quiz:what_if_next",
        "generated",
        (),
        "a segment lost in a what-if run: which segment next, and when",
    ),
    "osi.hex_layer": GeneratorSpec(
        "netlearn.lessons.osi.quiz:hex_layer",
        "generated",
        ("packet",),
        "which layer a highlighted byte of a hex dump belongs to",
    ),
    "ws.accept": GeneratorSpec(
        "netlearn.lessons.websocket.quiz:accept",
        "generated",
        (),
        "the Sec-WebSocket-Accept for a Sec-WebSocket-Key",
    ),
    "ws.frame": GeneratorSpec(
        "netlearn.lessons.websocket.quiz:frame",
        "generated",
        (),
        "the opcode and payload length of a frame's header bytes",
    ),
    "sio.packet": GeneratorSpec(
        "netlearn.lessons.socketio.quiz:packet",
        "generated",
        (),
        "what an Engine.IO / Socket.IO packet seen in the developer tools means",
    ),
    "capture.field": GeneratorSpec(
        "netlearn.lessons.capture.quiz:field",
        "capture",
        ("pcap",),
        "a header field's value read from a packet of the bundled capture",
    ),
    "capture.flags": GeneratorSpec(
        "netlearn.lessons.capture.quiz:flags",
        "capture",
        ("pcap",),
        "the TCP flags of a packet of the bundled capture",
    ),
    "capture.layer": GeneratorSpec(
        "netlearn.lessons.capture.quiz:layer",
        "capture",
        ("pcap",),
        "which layer a highlighted byte of a captured packet belongs to",
    ),
}


def resolve(name: str) -> Callable[[random.Random, Question], Asked]:
    """The generator function for a name (imports its module now)."""
    spec = GENERATORS[name]
    module, func = spec.target.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def generate(question: Question, rng: random.Random) -> Asked:
    """A fresh concrete question for a generated or capture bank entry."""
    return resolve(question.generator)(rng, question)
