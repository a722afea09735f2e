"""The scene registry: names a lesson can embed, mapped to the producers that make their events.

A scene is a function `(env, **args) -> Iterator[Event]`. Names map to "module:function" strings so
that the content checker can validate a lesson without importing scapy or any lesson module.
Each argument a scene takes is an `Arg` that says which values it accepts (a list of choices, or a
test and the values in words), so `netlearn check` can reject `order=sideways` with the file and
line, and `play` refuses it before the producer runs. Later lessons add their scenes to `SCENES`
here (one line each).
"""

from __future__ import annotations

import base64
import binascii
import importlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from netlearn.env import Env
from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from netlearn.events import Event


@dataclass(frozen=True)
class Arg:
    """One scene argument and the values it accepts: `choices`, or those `test` says yes to."""

    name: str
    choices: tuple[str, ...] = ()
    test: Callable[[str], bool] | None = None
    about: str = ""  # the accepted values in words, when they are not a short list

    def problem(self, value: str) -> str | None:
        """Why `value` is refused (None when it is accepted)."""
        from netlearn.content.lesson import quote

        if self.choices:
            if value in self.choices:
                return None
            import difflib

            close = difflib.get_close_matches(value[:100], self.choices, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{self.name}={quote(value)}: choose one of {', '.join(self.choices)}{hint}"
        if self.test is None or self.test(value):
            return None
        return f"{self.name}={quote(value)}: give {self.about}"


@dataclass(frozen=True)
class SceneSpec:
    target: str
    args: tuple[Arg, ...] = ()
    about: str = ""

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(arg.name for arg in self.args)

    def problems(self, name: str, args: dict[str, str]) -> list[str]:
        """What is wrong with the arguments a lesson gives scene `name` (empty when all is well)."""
        from netlearn.content.lesson import quote

        out: list[str] = []
        known = {arg.name: arg for arg in self.args}
        for key, value in args.items():
            arg = known.get(key)
            if arg is None:
                allowed = ", ".join(known) or "none"
                out.append(f"scene {name!r} takes no argument {quote(key)} (allowed: {allowed})")
                continue
            problem = arg.problem(value)
            if problem is not None:
                out.append(f"scene {name!r}: {problem}")
        return out


def number(low: int, high: int) -> Callable[[str], bool]:
    """A test for a whole number from `low` to `high` (plain digits, at most 6 of them)."""
    return lambda value: (
        re.fullmatch(r"[0-9]{1,6}", value) is not None and (low <= int(value) <= high)
    )


def _ws_key(value: str) -> bool:
    try:
        return len(base64.b64decode(value, validate=True)) == 16
    except (ValueError, binascii.Error):
        return False


def _hex_bytes(value: str) -> bool:
    """Hex as `netlearn.lessons.websocket.frames.parse_hex` takes it: digit pairs, 0x and separators allowed."""
    cleaned = re.sub(r"[\s,:;_\-\[\]{}()]+", "", re.sub(r"0[xX](?=[0-9a-fA-F])", "", value))
    return (
        bool(cleaned)
        and len(cleaned) % 2 == 0
        and re.fullmatch(r"[0-9a-fA-F]+", cleaned) is not None
    )


YES_NO = ("yes", "no", "true", "false", "on", "off", "1", "0")
# The choices below repeat names declared in the lesson modules (without importing them, so the
# checker stays light); tests/test_content_broken.py checks that the two lists agree.
OSI_PACKETS = ("http", "dns", "ping", "websocket")
TCP_SCENARIOS = (
    "handshake",
    "transfer",
    "close",
    "reset",
    "lost-syn",
    "simultaneous-open",
    "loss",
    "timeout",
    "congestion",
    "zero-window",
)
WS_PARTS = (
    "connect",
    "upgrade",
    "text",
    "push",
    "binary",
    "fragments",
    "ping",
    "close",
    "failures",
    "handshake-failures",
    "frame-failures",
)
WS_EXAMPLES = ("text", "masked", "fragmented", "ping", "pong", "binary256", "binary64k")

ABSOLUTE = Arg("absolute", YES_NO)
SACK = Arg("sack", YES_NO)
PACKET = Arg("packet", OSI_PACKETS)
# One captured connection told in parts, one step each (netlearn.lessons.capture.demo.PARTS).
CAPTURE_PART = Arg("part", ("handshake", "data", "close"))

SCENES: dict[str, SceneSpec] = {
    "osi.layers": SceneSpec(
        "netlearn.lessons.osi.scenes:layers",
        (Arg("order", ("down", "up")),),
        "the seven layers as a table",
    ),
    "osi.layer": SceneSpec(
        "netlearn.lessons.osi.scenes:one_layer",
        (Arg("n", test=number(1, 7), about="a layer number from 1 to 7"),),
        "one layer in detail",
    ),
    "osi.tcpip": SceneSpec("netlearn.lessons.osi.scenes:tcpip", (), "OSI beside the TCP/IP model"),
    "osi.encapsulate": SceneSpec(
        "netlearn.lessons.osi.scenes:encapsulate", (PACKET,), "wrap a packet layer by layer"
    ),
    "osi.unwrap": SceneSpec(
        "netlearn.lessons.osi.scenes:unwrap", (PACKET,), "unwrap it at the receiver"
    ),
    "osi.inspect": SceneSpec(
        "netlearn.lessons.osi.scenes:inspect", (PACKET,), "the layer inspector"
    ),
    "tcp.handshake": SceneSpec(
        "netlearn.lessons.tcp.scenes:handshake", (ABSOLUTE,), "SYN, SYN-ACK, ACK"
    ),
    "tcp.transfer": SceneSpec(
        "netlearn.lessons.tcp.scenes:transfer", (ABSOLUTE,), "data both ways"
    ),
    "tcp.close": SceneSpec(
        "netlearn.lessons.tcp.scenes:close", (ABSOLUTE,), "FIN, ACK and TIME-WAIT"
    ),
    "tcp.reset": SceneSpec(
        "netlearn.lessons.tcp.scenes:reset", (ABSOLUTE,), "SYN to a closed port"
    ),
    "tcp.lost-syn": SceneSpec(
        "netlearn.lessons.tcp.scenes:lost_syn",
        (ABSOLUTE, Arg("losses", test=number(1, 6), about="a number from 1 to 6")),
        "SYN lost, RTO doubles",
    ),
    "tcp.simultaneous-open": SceneSpec(
        "netlearn.lessons.tcp.scenes:simultaneous_open", (ABSOLUTE,), "two SYNs cross"
    ),
    "tcp.loss": SceneSpec(
        "netlearn.lessons.tcp.scenes:loss", (ABSOLUTE, SACK), "dup ACKs, fast retransmit"
    ),
    "tcp.timeout": SceneSpec("netlearn.lessons.tcp.scenes:timeout", (ABSOLUTE,), "the RTO fires"),
    "tcp.congestion": SceneSpec(
        "netlearn.lessons.tcp.scenes:congestion", (ABSOLUTE,), "slow start, cwnd chart"
    ),
    "tcp.zero-window": SceneSpec(
        "netlearn.lessons.tcp.scenes:zero_window", (ABSOLUTE,), "zero window and probes"
    ),
    "tcp.what-if": SceneSpec(
        "netlearn.lessons.tcp.scenes:what_if",
        (
            Arg("scenario", TCP_SCENARIOS),
            Arg("drop", test=number(1, 999), about="a segment number from 1"),
        ),
        "a scenario with one segment lost",
    ),
    "tcp.kernel": SceneSpec("netlearn.lessons.tcp.scenes:kernel", (), "TCP_INFO of a real socket"),
    "tcp.states": SceneSpec("netlearn.lessons.tcp.scenes:states", (), "RFC 9293's state table"),
    "tcp.flags": SceneSpec("netlearn.lessons.tcp.scenes:flags", (), "the TCP control bits"),
    "tcp.segment": SceneSpec(
        "netlearn.lessons.tcp.scenes:segment",
        (
            Arg("scenario", TCP_SCENARIOS),
            Arg("n", test=number(1, 99), about="a segment number from 1"),
        ),
        "one segment in the inspector",
    ),
    "tcp.isn": SceneSpec(
        "netlearn.lessons.tcp.scenes:isn",
        (Arg("connections", test=number(1, 20), about="a number from 1 to 20"),),
        "random ISNs",
    ),
    "capture.live": SceneSpec(
        "netlearn.lessons.capture.scenes:live", (CAPTURE_PART,), "a real connection, captured"
    ),
    "capture.replay": SceneSpec(
        "netlearn.lessons.capture.scenes:replay", (CAPTURE_PART,), "the bundled capture"
    ),
    "capture.options": SceneSpec("netlearn.lessons.capture.scenes:options", (), "real SYN options"),
    "capture.connections": SceneSpec(
        "netlearn.lessons.capture.scenes:connections", (), "connections in a capture file"
    ),
    "capture.packet": SceneSpec(
        "netlearn.lessons.capture.scenes:packet",
        (Arg("n", test=number(1, 9999), about="a packet number from 1"),),
        "a captured packet",
    ),
    "capture.time-wait": SceneSpec(
        "netlearn.lessons.capture.scenes:time_wait", (), "TIME-WAIT, kernel"
    ),
    "capture.bpf": SceneSpec(
        "netlearn.lessons.capture.scenes:bpf",
        (Arg("port", test=number(0, 65535), about="a port number from 0 to 65535"),),
        "a BPF filter program",
    ),
    "capture.privilege": SceneSpec(
        "netlearn.lessons.capture.scenes:privilege", (), "may we capture?"
    ),
    "websocket.live": SceneSpec(
        "netlearn.lessons.websocket.scenes:live",
        (Arg("part", WS_PARTS),),
        "a part of the live demo",
    ),
    "websocket.accept": SceneSpec(
        "netlearn.lessons.websocket.scenes:accept",
        (Arg("key", test=_ws_key, about="a Sec-WebSocket-Key (base64 of 16 bytes)"),),
        "the accept proof",
    ),
    "websocket.frame": SceneSpec(
        "netlearn.lessons.websocket.scenes:frame",
        (
            Arg("hex", test=_hex_bytes, about="hex bytes such as 81054865"),
            Arg("example", WS_EXAMPLES),
        ),
        "a frame",
    ),
    "websocket.compare": SceneSpec(
        "netlearn.lessons.websocket.scenes:compare", (), "WebSocket vs polling, SSE"
    ),
    "websocket.close-codes": SceneSpec(
        "netlearn.lessons.websocket.scenes:close_codes", (), "close codes"
    ),
    "socketio.handshake": SceneSpec(
        "netlearn.lessons.socketio.scenes:handshake",
        (Arg("clients", ("all", "alice", "bob-carol")),),
        "connect, live",
    ),
    "socketio.events": SceneSpec(
        "netlearn.lessons.socketio.scenes:events", (), "events and acks, live"
    ),
    "socketio.broadcast": SceneSpec(
        "netlearn.lessons.socketio.scenes:broadcast", (), "who gets an emit"
    ),
    "socketio.heartbeat": SceneSpec(
        "netlearn.lessons.socketio.scenes:heartbeat", (), "ping and pong, live"
    ),
    "socketio.errors": SceneSpec(
        "netlearn.lessons.socketio.scenes:errors", (), "bad namespace, bad handler"
    ),
    "socketio.reconnect": SceneSpec(
        "netlearn.lessons.socketio.scenes:reconnect", (), "drop and reconnect"
    ),
    "socketio.outsider": SceneSpec(
        "netlearn.lessons.socketio.scenes:outsider", (), "a plain WebSocket"
    ),
    "socketio.scaling": SceneSpec(
        "netlearn.lessons.socketio.scenes:scaling", (), "two servers, a broker"
    ),
    "socketio.logging": SceneSpec(
        "netlearn.lessons.socketio.scenes:logging", (), "the library's logs"
    ),
    "socketio.proof": SceneSpec(
        "netlearn.lessons.socketio.scenes:proof", (), "the proof of life checklist"
    ),
    "socketio.api": SceneSpec(
        "netlearn.lessons.socketio.scenes:api", (), "JavaScript beside Python"
    ),
    "socketio.compare": SceneSpec(
        "netlearn.lessons.socketio.scenes:compare", (), "WebSocket vs Socket.IO"
    ),
    "socketio.diagram": SceneSpec(
        "netlearn.lessons.socketio.scenes:diagram", (), "scaling, as a picture"
    ),
    "socketio.decode": SceneSpec(
        "netlearn.lessons.socketio.scenes:decode",
        (Arg("packet", test=bool, about="a packet string"), Arg("layer", ("wire", "socketio"))),
        "take a packet apart",
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
    """Run a scene by name with the arguments a lesson gave it (refused first if not accepted)."""
    spec = SCENES.get(name)
    if spec is None:
        raise NetlearnError(f"unknown scene {name!r}")
    problems = spec.problems(name, args or {})
    if problems:
        raise NetlearnError(problems[0])
    return resolve(name)(env, **(args or {}))
