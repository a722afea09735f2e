"""Watch one TCP connection from the middle: HTTP/1.1 (h11) and then WebSocket (wsproto).

Sans-I/O: feed it the bytes that went each way, in the order they went, and it returns what
crossed: whole HTTP requests and responses, whole WebSocket messages, close frames. Nothing here
touches a socket; `netlearn.lessons.socketio.proxy` moves the bytes and asks this object what
they meant.

To read both directions of HTTP with h11, which is written for one end of a connection, the
observer keeps two h11 connections and mirrors each side onto the other: the request bytes go
into a server-role connection (which parses them) and the parsed request is `send()` through a
client-role connection (so that it will accept the response), and the other way round for the
response. After a `101 Switching Protocols` both are switched, and the rest of the bytes are
WebSocket frames, read with wsproto's frame parser (masked from the client, RFC 6455 §5.3).

A connection the observer cannot follow (not HTTP, a protocol error, too large) is marked
opaque: the bytes still flow, the observer just says once that it stopped reading them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import h11
from wsproto.extensions import Extension, PerMessageDeflate
from wsproto.frame_protocol import FrameProtocol, Opcode, ParseFailed

LIMIT = 1 << 20  # bytes of one body or message kept for decoding; more is counted, not kept


@dataclass(frozen=True)
class RequestSeen:
    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    truncated: bool = False

    def header(self, name: str) -> str:
        return _header(self.headers, name)


@dataclass(frozen=True)
class ResponseSeen:
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    method: str
    target: str
    truncated: bool = False

    def header(self, name: str) -> str:
        return _header(self.headers, name)


@dataclass(frozen=True)
class MessageSeen:
    """A whole WebSocket data message. `text` is None for a binary message."""

    from_client: bool
    text: str | None
    data: bytes
    truncated: bool = False


@dataclass(frozen=True)
class ControlSeen:
    """A WebSocket control frame: close (with code and reason), ping or pong."""

    from_client: bool
    opcode: str
    code: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class Opaque:
    """The observer stopped understanding this connection (the bytes still flow).

    `reason` is the parser's own message (h11's or wsproto's), for the trace to quote."""

    from_client: bool
    reason: str


Seen = RequestSeen | ResponseSeen | MessageSeen | ControlSeen | Opaque


def _header(headers: tuple[tuple[str, str], ...], name: str) -> str:
    name = name.lower()
    for key, value in headers:
        if key == name:
            return value
    return ""


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> tuple[tuple[str, str], ...]:
    return tuple((k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in raw)


def _extensions(agreed: str) -> list[Extension]:
    """The extensions the 101 response accepted (RFC 6455 §9.1), ready to decode frames.

    Browsers offer permessage-deflate (RFC 7692) and most servers accept it; its frames have
    RSV1 set and a compressed payload, which the extension inflates before we read it.
    """
    out: list[Extension] = []
    for item in agreed.split(","):
        name = item.split(";", 1)[0].strip().lower()
        if name == "permessage-deflate":
            ext = PerMessageDeflate()
            ext.finalize(item.strip())
            out.append(ext)
    return out


class _Assembler:
    """Gathers the frames of one direction into whole messages."""

    def __init__(self, from_client: bool, extensions: str = "") -> None:
        self.from_client = from_client
        self.parser = FrameProtocol(client=not from_client, extensions=_extensions(extensions))
        self.parts: list[bytes] = []
        self.size = 0
        self.text = False

    def feed(self, data: bytes) -> list[Seen]:
        self.parser.receive_bytes(data)
        out: list[Seen] = []
        for frame in self.parser.received_frames():
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                self.text = frame.opcode is Opcode.TEXT
            if frame.opcode in (Opcode.TEXT, Opcode.BINARY, Opcode.CONTINUATION):
                chunk = (
                    frame.payload.encode("utf-8")
                    if isinstance(frame.payload, str)
                    else bytes(frame.payload)
                )
                self.size += len(chunk)
                if sum(len(p) for p in self.parts) < LIMIT:
                    self.parts.append(chunk)
                if frame.message_finished:
                    data_all = b"".join(self.parts)[:LIMIT]
                    truncated = self.size > LIMIT
                    text = data_all.decode("utf-8", "replace") if self.text else None
                    out.append(MessageSeen(self.from_client, text, data_all, truncated))
                    self.parts, self.size = [], 0
            elif frame.opcode is Opcode.CLOSE:
                code, reason = frame.payload  # type: ignore[misc]
                out.append(ControlSeen(self.from_client, "close", int(code), str(reason or "")))
            elif frame.opcode is Opcode.PING:
                out.append(ControlSeen(self.from_client, "ping"))
            elif frame.opcode is Opcode.PONG:
                out.append(ControlSeen(self.from_client, "pong"))
        return out


class ConnectionObserver:
    """Both directions of one TCP connection, as HTTP exchanges and then WebSocket messages."""

    def __init__(self) -> None:
        self._up = h11.Connection(h11.SERVER)  # parses what the client sends
        self._down = h11.Connection(h11.CLIENT)  # parses what the server sends
        self.mode = "http"  # then "websocket", or "opaque"
        self._request: h11.Request | None = None
        self._req_body = bytearray()
        self._req_size = 0
        self._response: h11.Response | None = None
        self._resp_body = bytearray()
        self._resp_size = 0
        self._ws_up: _Assembler | None = None
        self._ws_down: _Assembler | None = None

    # -- public

    def from_client(self, data: bytes) -> list[Seen]:
        """Bytes the client sent, in order; what they completed."""
        return self._guard(True, data)

    def from_server(self, data: bytes) -> list[Seen]:
        """Bytes the server sent, in order; what they completed."""
        return self._guard(False, data)

    # -- internals

    def _guard(self, from_client: bool, data: bytes) -> list[Seen]:
        if self.mode == "opaque" or not data:
            return []
        try:
            if self.mode == "websocket":
                assembler = self._ws_up if from_client else self._ws_down
                assert assembler is not None
                return assembler.feed(data)
            return self._http(from_client, data)
        except (h11.ProtocolError, ParseFailed, ValueError, KeyError, TypeError) as exc:
            self.mode = "opaque"
            return [Opaque(from_client, str(exc))]

    def _http(self, from_client: bool, data: bytes) -> list[Seen]:
        out: list[Seen] = []
        if from_client:
            self._up.receive_data(data)
            out.extend(self._drain_up())
        else:
            self._down.receive_data(data)
            out.extend(self._drain_down())
        return out

    def _drain_up(self) -> list[Seen]:
        out: list[Seen] = []
        while self.mode == "http":
            event = self._up.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                break
            if isinstance(event, h11.Request):
                self._request = event
                self._req_body.clear()
                self._req_size = 0
                self._down.send(event)
            elif isinstance(event, h11.Data):
                self._req_size += len(event.data)
                if len(self._req_body) < LIMIT:
                    self._req_body.extend(event.data[: LIMIT - len(self._req_body)])
                self._down.send(event)
            elif isinstance(event, h11.EndOfMessage):
                self._down.send(event)
                req = self._request
                assert req is not None
                out.append(
                    RequestSeen(
                        req.method.decode("latin-1"),
                        req.target.decode("latin-1"),
                        _headers(req.headers),
                        bytes(self._req_body),
                        self._req_size > LIMIT,
                    )
                )
            elif isinstance(event, h11.ConnectionClosed):
                break
        return out

    def _drain_down(self) -> list[Seen]:
        out: list[Seen] = []
        while self.mode == "http":
            event = self._down.next_event()
            if event is h11.NEED_DATA or event is h11.PAUSED:
                break
            if isinstance(event, h11.InformationalResponse):
                self._up.send(event)
                if event.status_code == 101:
                    req = self._request
                    out.append(
                        ResponseSeen(
                            101,
                            event.reason.decode("latin-1"),
                            _headers(event.headers),
                            b"",
                            req.method.decode("latin-1") if req else "",
                            req.target.decode("latin-1") if req else "",
                        )
                    )
                    agreed = _header(_headers(event.headers), "sec-websocket-extensions")
                    out.extend(self._switch(agreed))
                    break
            elif isinstance(event, h11.Response):
                self._response = event
                self._resp_body.clear()
                self._resp_size = 0
                self._up.send(event)
            elif isinstance(event, h11.Data):
                self._resp_size += len(event.data)
                if len(self._resp_body) < LIMIT:
                    self._resp_body.extend(event.data[: LIMIT - len(self._resp_body)])
                self._up.send(event)
            elif isinstance(event, h11.EndOfMessage):
                self._up.send(event)
                resp, req = self._response, self._request
                assert resp is not None
                out.append(
                    ResponseSeen(
                        resp.status_code,
                        resp.reason.decode("latin-1"),
                        _headers(resp.headers),
                        bytes(self._resp_body),
                        req.method.decode("latin-1") if req else "",
                        req.target.decode("latin-1") if req else "",
                        self._resp_size > LIMIT,
                    )
                )
                if self._up.our_state is h11.DONE and self._down.our_state is h11.DONE:
                    self._up.start_next_cycle()
                    self._down.start_next_cycle()
                    # a request the client already pipelined is waiting inside _up
                    out.extend(self._drain_up())
            elif isinstance(event, h11.ConnectionClosed):
                break
        return out

    def _switch(self, extensions: str) -> list[Seen]:
        """After 101: the rest is WebSocket frames, in both directions."""
        self.mode = "websocket"
        self._ws_up = _Assembler(from_client=True, extensions=extensions)
        self._ws_down = _Assembler(from_client=False, extensions=extensions)
        out: list[Seen] = []
        pending_down = bytes(self._down.trailing_data[0])
        pending_up = bytes(self._up.trailing_data[0])
        if pending_down:
            out.extend(self._ws_down.feed(pending_down))
        if pending_up:
            out.extend(self._ws_up.feed(pending_up))
        return out
