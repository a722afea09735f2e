"""Engine.IO v4 / Socket.IO v5 packets of the socketio-client lab, checked one by one.

`SioChecker` is sans-I/O: the relay feeds it each text packet the server sent and the client sent
(with the time), and it returns a `StageFailed` (packet bytes, caret offset, rule, cause, lesson
step) or None, and says when a stage's goal is reached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from netlearn.labs.core import StageFailed

NS = "/lab"
EIO = "Engine.IO protocol v4"
SIO = "Socket.IO protocol v5"
# Lesson steps by id (the report turns an id into the step's current number).
STEP_WIRE = "socketio#wire"
STEP_TRANSPORTS = "socketio#transports"
STEP_HEARTBEAT = "socketio#heartbeat"
STEP_EVENTS = "socketio#events"
STEP_ACKS = "socketio#acks"
STEP_RECONNECT = "socketio#reconnect"
STEP_OUTSIDER = "socketio#outsider"

CAUSES: dict[str, str] = {
    "open-ignored": "The program sends before it has read the Engine.IO open packet (`0{...}`). "
    "Read one message first: the session only exists once the server has sent it.",
    "wrong-namespace": "This lab's namespace is /lab: connect with `40/lab,` and write `/lab,` "
    "after the two type digits of every packet for it (`42/lab,[...]`, `43/lab,7[...]`, "
    "`41/lab,`).",
    "no-connect": "The program emits before it has connected to the namespace: send `40/lab,` "
    'after the open packet, and wait for the server\'s `40/lab,{"sid":...}`.',
    "no-namespace": "`42[...]` goes to the main namespace /, which the program never joined; "
    "the server drops it. Write the namespace: `42/lab,[...]`.",
    "not-array": "An EVENT's data is a JSON array: the event's name, then its arguments, e.g. "
    '`42/lab,["name",{"k":1}]` (json.dumps([name, data])).',
    "bad-json": "The data after the namespace (and ack id) must be valid JSON: build it with "
    "json.dumps / JSON.stringify, not by pasting strings together.",
    "wrong-event": "Emit the event the server's `task` names, with its `data` as the one "
    "argument: read them from the task packet, they change every run.",
    "early": "The program sent this before the server asked for it: a hard-coded packet. Read "
    "the server's packets and answer them.",
    "engine-type": "The first character is the Engine.IO type: 2 ping, 3 pong, 4 message; a "
    "Socket.IO packet is an Engine.IO message, `4` + its own type (0 connect, 1 disconnect, 2 "
    "event, 3 ack).",
    "client-ping": "In Engine.IO v4 the server pings (`2`) and the client answers (`3`); a "
    "client does not send pings (that was v3).",
    "no-pong": "Every `2` from the server (a text message of one character) must be answered "
    "with the text message `3`, within pingTimeout ms (from the open packet).",
    "pong-late": "The pong came, but after pingTimeout: answer `2` as soon as it arrives, not "
    "after other work or a sleep.",
    "ack-as-event": "An answer to `42/lab,<id>[...]` is an ACK, type 3: `43/lab,<id>[...]`, "
    "not a new EVENT.",
    "ack-id": "The ACK carries the id of the event it answers: the digits between `/lab,` and "
    "`[` in the server's packet (they change every run, and may have several digits).",
    "ack-data": "The ACK's data is a JSON array of the answer's arguments: `[a+b]`.",
    "no-disconnect": "Leave with a Socket.IO DISCONNECT for the namespace, `41/lab,`, then "
    "close the WebSocket; closing alone looks like a network failure to the server.",
    "binary": "This lab sends only text messages; a binary frame carries attachments of a "
    "BINARY_EVENT, which it does not use.",
    "closed": "The program closed the connection (did it crash? its output is below).",
}


def _fail(
    message: str,
    text: str,
    offset: int,
    expected: str,
    rule: str,
    rfc: str,
    cause: str,
    lesson: str,
) -> StageFailed:
    data = text.encode("utf-8")
    at = len(text[:offset].encode("utf-8"))
    return StageFailed(
        message,
        got=data[:200],
        offset=min(at, len(data)),
        expected=expected,
        rule=rule,
        rfc=rfc,
        cause=CAUSES[cause],
        lesson=lesson,
    )


@dataclass
class Packet:
    """A Socket.IO packet inside an Engine.IO message: `4<type>[/ns,][id][json]`."""

    kind: str
    ns: str
    ns_end: int  # offset just after the namespace (or 2 if none)
    ack: int | None
    data_at: int
    data: str


def split_packet(text: str) -> Packet:
    """Split `4<type>...` into its parts (no validation of the parts)."""
    kind = text[1] if len(text) > 1 else ""
    at = 2
    ns = "/"
    if text[at:].startswith("/"):
        comma = text.find(",", at)
        end = comma if comma >= 0 else len(text)
        ns = text[at:end]
        at = end + 1 if comma >= 0 else end
    ns_end = at
    digits = at
    while digits < len(text) and text[digits].isdigit():
        digits += 1
    ack = int(text[at:digits]) if digits > at else None
    return Packet(kind, ns, ns_end, ack, digits, text[digits:])


@dataclass
class SioChecker:
    event: str
    data: Any
    answer: Any
    ping_timeout: float
    open_seen: bool = False
    connected: bool = False
    task_seen: bool = False
    emitted: bool = False
    pongs: int = 0
    pings: list[float] = field(default_factory=list)
    question: int | None = None
    acked: bool = False
    disconnected: bool = False
    closed: bool = False

    # -- what the server sent -----------------------------------------------------------
    def server_packet(self, text: str, now: float) -> None:
        if text.startswith("0"):
            self.open_seen = True
        elif text == "2":
            self.pings.append(now)
        elif text.startswith(f"42{NS},"):
            pkt = split_packet(text)
            try:
                args = json.loads(pkt.data)
            except ValueError:
                return
            if isinstance(args, list) and args and args[0] == "task":
                self.task_seen = True
            elif isinstance(args, list) and args and args[0] == "question":
                self.question = pkt.ack

    # -- goals --------------------------------------------------------------------------
    def reached(self, goal: str) -> bool:
        return {
            "connect": self.connected,
            "emit": self.emitted,
            "heartbeat": self.emitted and self.pongs > 0,
            "ack": self.acked,
            "disconnect": self.disconnected and self.closed,
        }[goal]

    def waiting_for(self) -> tuple[str, str, str]:
        """What the client should send next: (words, cause key, lesson)."""
        if not self.connected:
            return f"`40{NS},` (connect to the namespace)", "no-connect", STEP_OUTSIDER
        if not self.emitted:
            return f"the `{self.event}` event the task asked for", "wrong-event", STEP_EVENTS
        if not self.pongs:
            return "`3` (pong) to the server's `2`", "no-pong", STEP_HEARTBEAT
        if not self.acked:
            return f"`43{NS},{self.question}[...]`, the ACK to the question", "ack-id", STEP_ACKS
        if not self.disconnected:
            return f"`41{NS},` (leave the namespace)", "no-disconnect", STEP_RECONNECT
        return "the WebSocket to close", "no-disconnect", STEP_RECONNECT

    # -- time -----------------------------------------------------------------------------
    def tick(self, now: float) -> StageFailed | None:
        if self.pings and now - self.pings[0] > self.ping_timeout:
            late = "pong-late" if self.pongs else "no-pong"
            return StageFailed(
                f"the server sent `2` (ping) and got no `3` (pong) within pingTimeout, "
                f"{self.ping_timeout * 1000:.0f} ms",
                expected="the client answers with the text message 3",
                rule="The server sends a ping packet every pingInterval ms; the client must "
                "answer with a pong within pingTimeout ms, or the server closes the session",
                rfc=f"{EIO}, Heartbeat",
                cause=CAUSES[late],
                lesson=STEP_HEARTBEAT,
            )
        return None

    # -- what the client sent -------------------------------------------------------------
    def client_closed(self) -> StageFailed | None:
        if self.disconnected:
            self.closed = True
            return None
        words, cause, lesson = self.waiting_for()
        if cause != "no-disconnect":
            cause = "closed"
        return StageFailed(
            f"the program closed the WebSocket while the server waited for {words}",
            rule="A client leaves a namespace with a DISCONNECT packet before closing"
            if cause == "no-disconnect"
            else "The session goes on until the client leaves",
            rfc=f"{SIO}, Disconnection from a namespace",
            cause=CAUSES[cause],
            lesson=lesson,
        )

    def client_packet(self, text: str, now: float) -> StageFailed | None:
        if not self.open_seen:
            return _fail(
                "the client sent a packet before the server's open packet (`0{...}`) arrived",
                text,
                0,
                "nothing before the open packet",
                "The server sends the open packet first; the session exists only then",
                f"{EIO}, Handshake",
                "open-ignored",
                STEP_TRANSPORTS,
            )
        if not text:
            return _fail(
                "an empty text message", text, 0, "a packet type digit", "", EIO,
                "engine-type", STEP_WIRE,
            )  # fmt: skip
        if self.disconnected and text != "1":
            return _fail(
                f"the client sent a packet after `41{NS},`",
                text,
                0,
                "nothing, or `1` (Engine.IO close), then the WebSocket close",
                "After leaving the namespace, the client sends no more packets for it",
                f"{SIO}, Disconnection from a namespace",
                "no-disconnect",
                STEP_RECONNECT,
            )
        head = text[0]
        if head == "3":
            return self._pong(text, now)
        if head == "2":
            return _fail(
                "the client sent a ping (`2`)",
                text,
                0,
                "3 (pong), only after the server's 2",
                "In v4 the server sends the pings and the client answers them",
                f"{EIO}, Heartbeat",
                "client-ping",
                STEP_HEARTBEAT,
            )
        if head == "1":
            if self.disconnected:
                return None
            return _fail(
                f"the client closed the Engine.IO session (`1`) without leaving the namespace "
                f"with `41{NS},`",
                text,
                0,
                f"41{NS},",
                "A client leaves a namespace with a DISCONNECT packet",
                f"{SIO}, Disconnection from a namespace",
                "no-disconnect",
                STEP_RECONNECT,
            )
        if head != "4":
            return _fail(
                f"{head!r} is not a packet type a client sends",
                text,
                0,
                "4 (message), or 3 (pong)",
                "The first character of a packet is its Engine.IO type: 0-6",
                f"{EIO}, Protocol",
                "engine-type",
                STEP_WIRE,
            )
        return self._socketio(text)

    def _pong(self, text: str, now: float) -> StageFailed | None:
        if text != "3":
            return _fail(
                f"the pong is {text!r}, not `3`",
                text,
                1,
                "3 alone (a payload only for 3probe during an upgrade)",
                "A pong answers a ping with the same data: the server's ping is `2` alone",
                f"{EIO}, Heartbeat",
                "no-pong",
                STEP_TRANSPORTS,
            )
        if not self.pings:
            return _fail(
                "the client sent `3` (pong) but the server had not sent `2` (ping): it answers "
                "before it was asked",
                text,
                0,
                "a pong only after each 2",
                "The client answers each ping; it never sends a pong on its own",
                f"{EIO}, Heartbeat",
                "early",
                STEP_TRANSPORTS,
            )
        sent = self.pings.pop(0)
        if now - sent > self.ping_timeout:
            return self.tick(sent + self.ping_timeout + 1)
        self.pongs += 1
        return None

    def _socketio(self, text: str) -> StageFailed | None:
        pkt = split_packet(text)
        if pkt.kind not in "0123" or not pkt.kind:
            return _fail(
                f"Socket.IO type {pkt.kind!r} is not one a client sends here",
                text,
                1,
                "0 connect, 1 disconnect, 2 event or 3 ack",
                "The second character is the Socket.IO packet type",
                f"{SIO}, Packet types",
                "engine-type",
                STEP_WIRE,
            )
        if pkt.ns != NS:
            if pkt.kind == "2" and not self.connected:
                return self._no_connect(text)
            return _fail(
                f"the packet is for namespace {pkt.ns!r}, not {NS}"
                + (": an EVENT without the namespace goes to /" if pkt.kind == "2" else ""),
                text,
                2,
                f"{NS},",
                "A packet for a namespace other than / names it after the type, ending with a "
                "comma",
                f"{SIO}, Packet encoding",
                "no-namespace" if pkt.kind == "2" else "wrong-namespace",
                STEP_WIRE,
            )
        if pkt.kind == "0":
            if self.connected:
                return _fail(
                    f"a second CONNECT to {NS}", text, 1, "2 (event), 3 (ack) or 1 (disconnect)",
                    "A client connects to a namespace once", f"{SIO}, Connection to a namespace",
                    "early", STEP_OUTSIDER,
                )  # fmt: skip
            if pkt.data and not _is_json_object(pkt.data):
                return _fail(
                    "the CONNECT's data is not a JSON object",
                    text,
                    pkt.data_at,
                    "nothing, or a JSON object (the auth payload)",
                    "A CONNECT may carry an auth object",
                    f"{SIO}, Connection to a namespace",
                    "bad-json",
                    STEP_OUTSIDER,
                )
            self.connected = True
            return None
        if not self.connected:
            return self._no_connect(text)
        if pkt.kind == "1":
            if not self.acked:
                words, cause, lesson = self.waiting_for()
                return _fail(
                    f"the client left the namespace while the server waited for {words}",
                    text,
                    0,
                    words,
                    "The client leaves at the end, after answering the question",
                    f"{SIO}, Disconnection from a namespace",
                    cause,
                    lesson,
                )
            self.disconnected = True
            return None
        args, problem = self._json_array(text, pkt)
        if problem is not None:
            return problem
        if pkt.kind == "2":
            return self._event(text, pkt, args)
        return self._ack(text, pkt, args)

    def _no_connect(self, text: str) -> StageFailed:
        return _fail(
            f"the client sent this before connecting to the namespace with `40{NS},`",
            text,
            0,
            f"40{NS}, first",
            "A client connects to a namespace (CONNECT) before it sends events there",
            f"{SIO}, Connection to a namespace",
            "no-connect",
            STEP_OUTSIDER,
        )

    def _json_array(self, text: str, pkt: Packet) -> tuple[list[Any], StageFailed | None]:
        try:
            args = json.loads(pkt.data)
        except ValueError as exc:
            pos = getattr(exc, "pos", 0)
            return [], _fail(
                "the packet's data is not valid JSON",
                text,
                pkt.data_at + pos,
                "JSON (RFC 8259)",
                "After the type, namespace and ack id comes the JSON payload",
                f"{SIO}, Packet encoding",
                "bad-json",
                STEP_WIRE,
            )
        if not isinstance(args, list) or (pkt.kind == "2" and not args):
            return [], _fail(
                f"the {'EVENT' if pkt.kind == '2' else 'ACK'}'s JSON is not "
                + ("a non-empty array" if pkt.kind == "2" else "an array"),
                text,
                pkt.data_at,
                '["event name", ...arguments]' if pkt.kind == "2" else "[answer]",
                "The payload of an EVENT or ACK is an array (the event's name first)",
                f"{SIO}, Packet encoding",
                "not-array",
                STEP_WIRE,
            )
        return args, None

    def _event(self, text: str, pkt: Packet, args: list[Any]) -> StageFailed | None:
        asked = self.question is not None and not self.acked
        if asked and (pkt.ack == self.question or args == [self.answer]):
            return _fail(
                "the answer to the question was sent as an EVENT (type 2), not an ACK",
                text,
                1,
                f"3: 43{NS},{self.question}[...]",
                "The receiver of an event with an ack id answers with an ACK packet of the same id",
                f"{SIO}, Acknowledgement",
                "ack-as-event",
                STEP_ACKS,
            )
        if not self.task_seen:
            return _fail(
                "the client emitted an event before the server's task arrived",
                text,
                0,
                "nothing until the task",
                "The client answers the server; it cannot know the event before the task",
                f"{SIO}, Sending and receiving data",
                "early",
                STEP_EVENTS,
            )
        want = [self.event, self.data]
        if args != want:
            name_ok = bool(args) and args[0] == self.event
            return _fail(
                f"the client emitted {json.dumps(args)[:80]}, the task asked for "
                f"{json.dumps(want)[:80]}",
                text,
                pkt.data_at + (len(json.dumps(args[:1])) if name_ok else 1),
                json.dumps(want),
                "An EVENT's array is the event's name, then its arguments",
                f"{SIO}, Sending and receiving data",
                "wrong-event",
                STEP_EVENTS,
            )
        if self.emitted:
            return _fail(
                f"the client emitted {self.event!r} a second time",
                text, 0, "one emit", "The task asks for one emit",
                f"{SIO}, Sending and receiving data", "early", STEP_EVENTS,
            )  # fmt: skip
        self.emitted = True
        return None

    def _ack(self, text: str, pkt: Packet, args: list[Any]) -> StageFailed | None:
        if self.question is None:
            return _fail(
                "the client sent an ACK but the server asked no question",
                text, 1, "2 (event)", "An ACK answers an event that carried an ack id",
                f"{SIO}, Acknowledgement", "early", STEP_ACKS,
            )  # fmt: skip
        if pkt.ack != self.question:
            return _fail(
                "the ACK has no ack id"
                if pkt.ack is None
                else f"the ACK's id is {pkt.ack}, the question's was {self.question}",
                text,
                pkt.ns_end,
                f"{self.question}",
                "An ACK carries the ack id of the event it answers",
                f"{SIO}, Acknowledgement",
                "ack-id",
                STEP_ACKS,
            )
        if args != [self.answer]:
            return _fail(
                f"the ACK says {json.dumps(args)[:60]}, the answer is [{self.answer}]",
                text,
                pkt.data_at,
                f"[{self.answer}]",
                "The ACK's array holds the answer's arguments",
                f"{SIO}, Acknowledgement",
                "ack-data",
                STEP_ACKS,
            )
        self.acked = True
        return None


def _is_json_object(data: str) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False
