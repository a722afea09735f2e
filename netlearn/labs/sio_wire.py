"""Engine.IO v4 / Socket.IO v5 packets of the socketio-client lab, checked one by one.

`SioChecker` is sans-I/O: the relay feeds it each text packet the server sent and the client sent
(with the time), and it returns a `StageFailed` (packet bytes, caret offset, rule, cause, lesson
step) or None, and says when a stage's goal is reached. Its words are
lessons/labs/socketio-client.toml: [causes], and one [fail.NAME] table per failure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from netlearn.content.words import fill, placeholders, say, table
from netlearn.labs.failure import StageFailed

NS = "/lab"
EIO = "Engine.IO protocol v4"
SIO = "Socket.IO protocol v5"
HEARTBEAT = f"{EIO}, Heartbeat"
LEAVING = f"{SIO}, Disconnection from a namespace"
CONNECTING = f"{SIO}, Connection to a namespace"
ENCODING = f"{SIO}, Packet encoding"
SENDING = f"{SIO}, Sending and receiving data"
ACKS = f"{SIO}, Acknowledgement"
# Lesson steps by id (the report turns an id into the step's current number).
STEP_WIRE = "socketio#wire"
STEP_TRANSPORTS = "socketio#transports"
STEP_HEARTBEAT = "socketio#heartbeat"
STEP_EVENTS = "socketio#events"
STEP_ACKS = "socketio#acks"
STEP_RECONNECT = "socketio#reconnect"
STEP_OUTSIDER = "socketio#outsider"


def cause(key: str) -> str:
    """What usually causes the failure `key` (lessons/labs/socketio-client.toml [causes])."""
    return say(f"labs.socketio-client.causes.{key}")


def failure(name: str, *, rfc: str, cause_key: str, lesson: str, **fields: Any) -> StageFailed:
    """The failure [fail.NAME]: its message, expected and rule filled from `fields`."""
    texts = table(f"labs.socketio-client.fail.{name}")
    key = f"labs.socketio-client.fail.{name}"
    fields = {"ns": NS, **fields}

    def put(part: str) -> str | None:
        text = texts.get(part)
        if text is None:
            return None
        wanted = placeholders(text)
        return fill(f"{key}.{part}", text, {k: v for k, v in fields.items() if k in wanted})

    return StageFailed(
        put("message") or name,
        expected=put("expected"),
        rule=put("rule"),
        rfc=rfc,
        cause=cause(cause_key),
        lesson=lesson,
    )


def _fail(name: str, text: str, offset: int, rfc: str, cause_key: str, lesson: str,
          **fields: Any) -> StageFailed:  # fmt: skip
    """A failure with the client's packet `text` shown, the caret at character `offset`."""
    exc = failure(name, rfc=rfc, cause_key=cause_key, lesson=lesson, **fields)
    data = text.encode("utf-8")
    exc.got = data[:200]
    exc.offset = min(len(text[:offset].encode("utf-8")), len(data))
    return exc


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
            return say("labs.socketio-client.waiting.connect", ns=NS), "no-connect", STEP_OUTSIDER
        if not self.emitted:
            words = say("labs.socketio-client.waiting.emit", event=self.event)
            return words, "wrong-event", STEP_EVENTS
        if not self.pongs:
            return say("labs.socketio-client.waiting.pong"), "no-pong", STEP_HEARTBEAT
        if not self.acked:
            words = say("labs.socketio-client.waiting.ack", ns=NS, question=self.question)
            return words, "ack-id", STEP_ACKS
        if not self.disconnected:
            words = say("labs.socketio-client.waiting.leave", ns=NS)
            return words, "no-disconnect", STEP_RECONNECT
        return say("labs.socketio-client.waiting.close"), "no-disconnect", STEP_RECONNECT

    # -- time -----------------------------------------------------------------------------
    def tick(self, now: float) -> StageFailed | None:
        if self.pings and now - self.pings[0] > self.ping_timeout:
            late = "pong-late" if self.pongs else "no-pong"
            return failure(
                "no-pong-in-time",
                rfc=HEARTBEAT,
                cause_key=late,
                lesson=STEP_HEARTBEAT,
                ms=self.ping_timeout * 1000,
            )
        return None

    # -- what the client sent -------------------------------------------------------------
    def client_closed(self) -> StageFailed | None:
        if self.disconnected:
            self.closed = True
            return None
        words, why, lesson = self.waiting_for()
        if why != "no-disconnect":
            why = "closed"
        name = "closed-no-disconnect" if why == "no-disconnect" else "closed"
        return failure(name, rfc=LEAVING, cause_key=why, lesson=lesson, words=words)

    def client_packet(self, text: str, now: float) -> StageFailed | None:
        if not self.open_seen:
            return _fail(
                "before-open", text, 0, f"{EIO}, Handshake", "open-ignored", STEP_TRANSPORTS
            )
        if not text:
            return _fail("empty", text, 0, EIO, "engine-type", STEP_WIRE)
        if self.disconnected and text != "1":
            return _fail("after-leave", text, 0, LEAVING, "no-disconnect", STEP_RECONNECT)
        head = text[0]
        if head == "3":
            return self._pong(text, now)
        if head == "2":
            return _fail("client-ping", text, 0, HEARTBEAT, "client-ping", STEP_HEARTBEAT)
        if head == "1":
            if self.disconnected:
                return None
            return _fail("engine-close", text, 0, LEAVING, "no-disconnect", STEP_RECONNECT)
        if head != "4":
            return _fail(
                "engine-type", text, 0, f"{EIO}, Protocol", "engine-type", STEP_WIRE,
                head=repr(head),
            )  # fmt: skip
        return self._socketio(text)

    def _pong(self, text: str, now: float) -> StageFailed | None:
        if text != "3":
            return _fail(
                "pong-payload", text, 1, HEARTBEAT, "no-pong", STEP_TRANSPORTS, text=repr(text)
            )
        if not self.pings:
            return _fail("early-pong", text, 0, HEARTBEAT, "early", STEP_TRANSPORTS)
        sent = self.pings.pop(0)
        if now - sent > self.ping_timeout:
            return self.tick(sent + self.ping_timeout + 1)
        self.pongs += 1
        return None

    def _socketio(self, text: str) -> StageFailed | None:
        pkt = split_packet(text)
        if pkt.kind not in "0123" or not pkt.kind:
            return _fail(
                "socketio-type", text, 1, f"{SIO}, Packet types", "engine-type", STEP_WIRE,
                kind=repr(pkt.kind),
            )  # fmt: skip
        if pkt.ns != NS:
            if pkt.kind == "2" and not self.connected:
                return self._no_connect(text)
            event = pkt.kind == "2"
            return _fail(
                "namespace",
                text,
                2,
                ENCODING,
                "no-namespace" if event else "wrong-namespace",
                STEP_WIRE,
                got=repr(pkt.ns),
                why=say("labs.socketio-client.fail.namespace.why-event") if event else "",
            )
        if pkt.kind == "0":
            if self.connected:
                return _fail("second-connect", text, 1, CONNECTING, "early", STEP_OUTSIDER)
            if pkt.data and not _is_json_object(pkt.data):
                return _fail(
                    "connect-data", text, pkt.data_at, CONNECTING, "bad-json", STEP_OUTSIDER
                )
            self.connected = True
            return None
        if not self.connected:
            return self._no_connect(text)
        if pkt.kind == "1":
            if not self.acked:
                words, why, lesson = self.waiting_for()
                return _fail("left-early", text, 0, LEAVING, why, lesson, words=words)
            self.disconnected = True
            return None
        args, problem = self._json_array(text, pkt)
        if problem is not None:
            return problem
        if pkt.kind == "2":
            return self._event(text, pkt, args)
        return self._ack(text, pkt, args)

    def _no_connect(self, text: str) -> StageFailed:
        return _fail("no-connect", text, 0, CONNECTING, "no-connect", STEP_OUTSIDER)

    def _json_array(self, text: str, pkt: Packet) -> tuple[list[Any], StageFailed | None]:
        try:
            args = json.loads(pkt.data)
        except ValueError as exc:
            pos = getattr(exc, "pos", 0)
            return [], _fail("bad-json", text, pkt.data_at + pos, ENCODING, "bad-json", STEP_WIRE)
        if not isinstance(args, list) or (pkt.kind == "2" and not args):
            name = "event-not-array" if pkt.kind == "2" else "ack-not-array"
            return [], _fail(name, text, pkt.data_at, ENCODING, "not-array", STEP_WIRE)
        return args, None

    def _event(self, text: str, pkt: Packet, args: list[Any]) -> StageFailed | None:
        asked = self.question is not None and not self.acked
        if asked and (pkt.ack == self.question or args == [self.answer]):
            return _fail(
                "ack-as-event", text, 1, ACKS, "ack-as-event", STEP_ACKS, question=self.question
            )
        if not self.task_seen:
            return _fail("event-before-task", text, 0, SENDING, "early", STEP_EVENTS)
        want = [self.event, self.data]
        if args != want:
            name_ok = bool(args) and args[0] == self.event
            return _fail(
                "wrong-event",
                text,
                pkt.data_at + (len(json.dumps(args[:1])) if name_ok else 1),
                SENDING,
                "wrong-event",
                STEP_EVENTS,
                got=json.dumps(args)[:80],
                want=json.dumps(want)[:80],
                whole=json.dumps(want),
            )
        if self.emitted:
            return _fail(
                "second-emit", text, 0, SENDING, "early", STEP_EVENTS, event=repr(self.event)
            )
        self.emitted = True
        return None

    def _ack(self, text: str, pkt: Packet, args: list[Any]) -> StageFailed | None:
        if self.question is None:
            return _fail("unasked-ack", text, 1, ACKS, "early", STEP_ACKS)
        if pkt.ack != self.question:
            return _fail(
                "no-ack-id" if pkt.ack is None else "ack-id",
                text,
                pkt.ns_end,
                ACKS,
                "ack-id",
                STEP_ACKS,
                got=pkt.ack,
                question=self.question,
            )
        if args != [self.answer]:
            return _fail(
                "ack-data",
                text,
                pkt.data_at,
                ACKS,
                "ack-data",
                STEP_ACKS,
                got=json.dumps(args)[:60],
                answer=self.answer,
            )
        self.acked = True
        return None


def _is_json_object(data: str) -> bool:
    try:
        return isinstance(json.loads(data), dict)
    except ValueError:
        return False
