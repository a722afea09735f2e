"""From what the observer saw on a connection to the lesson's events: who, which way, what.

A `Tracer` belongs to one relay. With a fixed `name` (the guided demo gives each client its own
relay) every connection is that client's. Without one (`serve`, where browsers come and go) a
connection is named after its Engine.IO session: the first time a session id appears in an open
packet it becomes "browser 1", "browser 2", ...; later requests carry `?sid=` and keep the name.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from netlearn.content.words import say
from netlearn.events import Event
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.events import HttpLine, LinkNote, WirePacket
from netlearn.lessons.socketio.lines import packet_line
from netlearn.lessons.socketio.observer import (
    ControlSeen,
    MessageSeen,
    Opaque,
    RequestSeen,
    ResponseSeen,
    Seen,
)

SOCKETIO_PATH = "/socket.io/"


def query(target: str) -> dict[str, str]:
    """The query parameters of a request target (first value of each)."""
    try:
        parts = urlsplit(target)
        return {k: v[0] for k, v in parse_qs(parts.query).items()}
    except ValueError:
        return {}


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def path_of(target: str) -> str:
    return target.split("?", 1)[0]


def plumbing() -> tuple[str, ...]:
    """How the notes of HTTP lines that only carry a long-polling client's packets begin."""
    return (
        say("socketio.trace.http.long-poll") + ":",
        say("socketio.trace.http.answers-long-poll"),
        say("socketio.trace.http.answers-post"),
        say("socketio.trace.http.sends") + " ",
    )


class Tracer:
    """Names connections and turns each one's observations into events."""

    def __init__(
        self,
        clock: Callable[[], float],
        name: str | None = None,
        peer: str = "server",
        prefix: str = "client",
    ) -> None:
        self.clock = clock
        self.name = name
        self.peer = peer
        self.prefix = prefix
        self._names: dict[str, str] = {}
        self._numbers = itertools.count(1)
        self._conns = itertools.count(1)

    def name_for(self, sid: str) -> str:
        """The actor name of a session id (a new name the first time it is seen)."""
        if self.name is not None:
            return self.name
        if sid not in self._names:
            self._names[sid] = f"{self.prefix} {next(self._numbers)}"
        return self._names[sid]

    def connection(self, peer_addr: str = "") -> ConnectionTrace:
        return ConnectionTrace(self, next(self._conns), peer_addr)


class ConnectionTrace:
    """One TCP connection: its actor (once known), its transport, its events."""

    def __init__(self, tracer: Tracer, number: int, peer_addr: str) -> None:
        self.tracer = tracer
        self.number = number
        self.peer_addr = peer_addr
        self.sid = ""
        self.transport = "polling"
        self.websocket = False
        self.asked_upgrade = False

    @property
    def actor(self) -> str:
        if self.tracer.name is not None:
            return self.tracer.name
        if self.sid:
            return self.tracer.name_for(self.sid)
        return self.peer_addr or say("socketio.trace.link.new-client")

    def _t(self) -> float:
        return round(self.tracer.clock(), 3)

    def events(self, items: list[Seen]) -> list[Event]:
        out: list[Event] = []
        for item in items:
            if isinstance(item, RequestSeen):
                out.extend(self._request(item))
            elif isinstance(item, ResponseSeen):
                out.extend(self._response(item))
            elif isinstance(item, MessageSeen):
                out.extend(self._message(item))
            elif isinstance(item, ControlSeen):
                out.append(self._control(item))
            elif isinstance(item, Opaque):
                if item.from_client:
                    text = say("socketio.trace.link.opaque-client", problem=item.reason)
                else:
                    text = say("socketio.trace.link.opaque-server", problem=item.reason)
                out.append(self._note("up" if item.from_client else "down", text))
        return out

    def note_problem(self, from_client: bool, text: str) -> Event:
        return self._note("up" if from_client else "down", text)

    def closed(self, by_client: bool, how: str = "") -> Event:
        """The TCP connection ended (`how`: "" for closed, or "cut" by the lesson)."""
        if how == "cut":
            text = say("socketio.trace.link.cut")
        else:
            if by_client:
                who = say("socketio.trace.link.by-client")
            else:
                who = say("socketio.trace.link.by-server")
            how = how or say("socketio.trace.link.closed")
            text = say("socketio.trace.link.closed-by", how=how, who=who)
        return self._note("up" if by_client else "down", text)

    # -- HTTP

    def _request(self, req: RequestSeen) -> list[Event]:
        q = query(req.target)
        path = path_of(req.target)
        if q.get("sid"):
            self.sid = q["sid"]
        line = f"{req.method} {req.target}"
        upgrade = req.header("upgrade").lower() == "websocket"
        self.asked_upgrade = upgrade
        if not path.startswith(SOCKETIO_PATH):
            if upgrade:
                note = say("socketio.trace.http.asks-websocket-at", path=path)
                return [self._http("up", line, note)]
            page = say("socketio.trace.http.asks-page") if path == "/" else ""
            return [self._http("up", line, page)]
        transport = q.get("transport", "")
        out: list[Event] = []
        if transport == "websocket" or upgrade:
            self.transport = "websocket"
            note = (
                say("socketio.trace.http.move-to-websocket", sid=self.sid)
                if self.sid
                else say("socketio.trace.http.websocket-only")
            )
            out.append(self._http("up", line, note))
            return out
        if req.method == "GET":
            note = (
                say(
                    "socketio.trace.http.long-poll-note",
                    long_poll=say("socketio.trace.http.long-poll"),
                )
                if self.sid
                else say("socketio.trace.http.handshake-get")
            )
            out.append(self._http("up", line, note))
            return out
        body = req.body.decode("utf-8", "replace")
        packets = body.split(codec.RECORD_SEPARATOR) if body else []
        sends = say("socketio.trace.http.sends")
        out.append(self._http("up", line, self._body_note(sends, packets, req.truncated)))
        out.extend(self._packet("up", "polling", raw) for raw in packets)
        return out

    def _response(self, resp: ResponseSeen) -> list[Event]:
        line = f"{resp.status} {resp.reason or _phrase(resp.status)}"
        path = path_of(resp.target)
        if resp.status == 101:
            self.websocket = True
            self.asked_upgrade = False
            return [self._http("down", line, say("socketio.trace.http.switched"))]
        body = resp.body.decode("utf-8", "replace")
        if self.asked_upgrade:
            self.asked_upgrade = False
            return [self._http("down", line, say("socketio.trace.http.upgrade-refused"))]
        if not path.startswith(SOCKETIO_PATH):
            kind = resp.header("content-type").split(";")[0] or say("socketio.trace.http.no-type")
            note = say("socketio.trace.http.file", kind=kind, n=len(resp.body))
            return [self._http("down", line, note)]
        if resp.status != 200:
            return [self._http("down", line, say("socketio.trace.http.refused", body=body[:120]))]
        # Each response names the request it answers (the observer pairs them per
        # connection): a client may have a long-poll GET waiting on one connection while a POST
        # is answered on another.
        if resp.method == "POST":
            answers = say("socketio.trace.http.answers-post")
            note = say("socketio.trace.http.post-body", answers=answers, body=body)
            return [self._http("down", line, note)]
        packets = body.split(codec.RECORD_SEPARATOR) if body else []
        handshake = "sid=" not in resp.target
        if not self.sid and packets and packets[0].startswith("0"):
            with contextlib.suppress(codec.PacketError):
                self.sid = str(codec.parse_open(packets[0][1:]).get("sid", ""))
        if handshake:
            verb = say("socketio.trace.http.answers-handshake")
        else:
            verb = say("socketio.trace.http.answers-long-poll")
        out: list[Event] = [
            self._http("down", line, self._body_note(verb, packets, resp.truncated))
        ]
        out.extend(self._packet("down", "polling", raw) for raw in packets)
        return out

    @staticmethod
    def _body_note(verb: str, packets: list[str], truncated: bool) -> str:
        n = len(packets)
        if n == 1:
            note = say("socketio.trace.http.body-one", verb=verb)
        else:
            note = say("socketio.trace.http.body", verb=verb, n=n)
        if n > 1:
            note += say("socketio.trace.http.separated")
        if truncated:
            note += say("socketio.trace.http.cut-for-display")
        return note

    # -- WebSocket

    def _message(self, msg: MessageSeen) -> list[Event]:
        direction = "up" if msg.from_client else "down"
        raw: str | bytes = msg.text if msg.text is not None else msg.data
        if not self.sid and not msg.from_client and isinstance(raw, str) and raw.startswith("0"):
            with contextlib.suppress(codec.PacketError):
                self.sid = str(codec.parse_open(raw[1:]).get("sid", ""))
        return [self._packet(direction, "websocket", raw)]

    def _control(self, ctl: ControlSeen) -> Event:
        direction = "up" if ctl.from_client else "down"
        if ctl.opcode == "close":
            reason = f" {ctl.reason!r}" if ctl.reason else ""
            text = say("socketio.trace.link.close-frame", code=ctl.code, reason=reason)
            return self._note(direction, text)
        return self._note(direction, say("socketio.trace.link.control-frame", opcode=ctl.opcode))

    # -- events

    def _packet(self, direction: str, transport: str, raw: str | bytes) -> WirePacket:
        try:
            pkt = codec.decode_eio(raw)
            sio, meaning = packet_line(pkt, direction)
            eio = pkt.name
        except codec.PacketError as exc:
            sio, eio, meaning = "", "?", say("socketio.trace.link.not-eio", problem=exc)
        return WirePacket(
            t=self._t(),
            actor=self.actor,
            direction=direction,
            transport=transport,
            raw=raw,
            eio=eio,
            sio=sio,
            meaning=meaning,
            peer=self.tracer.peer,
            conn=self.number,
        )

    def _http(self, direction: str, line: str, note: str) -> HttpLine:
        return HttpLine(
            t=self._t(),
            actor=self.actor,
            direction=direction,
            line=line,
            note=note,
            peer=self.tracer.peer,
            conn=self.number,
        )

    def _note(self, direction: str, text: str) -> LinkNote:
        return LinkNote(
            t=self._t(),
            actor=self.actor,
            direction=direction,
            text=text,
            peer=self.tracer.peer,
            conn=self.number,
        )
