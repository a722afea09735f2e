"""Frames after the handshake, sans-I/O: cut a byte stream into frames, check, feed wsproto.

A failure carries a close code (wsproto's own `ParseFailed.code`, or 1009 for our size limit)
and a reason code of ours (`Why`), from which the RFC 6455 section follows (`SECTIONS`). The
reason code is found by reading the failing frame's header against the rules, in the order
wsproto checks them (`classify`), never by reading wsproto's English message.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from enum import Enum

from wsproto.connection import Connection, ConnectionState
from wsproto.events import CloseConnection, Message
from wsproto.events import Event as WsEvent

from netlearn.content.words import say
from netlearn.lessons.websocket.frames import FrameHead, is_control, parse_head, xor_mask

OPCODES = frozenset({0, 1, 2, 8, 9, 10})


class Why(Enum):
    """Why a connection was failed: one rule of RFC 6455 each."""

    TOO_BIG = "too-big"  # a message over this endpoint's limit
    MASK = "mask"  # a client frame unmasked, or a server frame masked
    BAD_UTF8 = "bad-utf8"  # text (or a close reason) that is not UTF-8
    CONTINUATION = "continuation"  # a continuation with no message, or a message inside one
    CONTROL = "control"  # a control frame fragmented or over 125 bytes
    CLOSE = "close"  # a close frame's payload: 1 byte, or a code nobody may send
    FRAME = "frame"  # the header itself: an unknown opcode, RSV bits, a length not minimal


SECTIONS: dict[Why, str] = {
    Why.TOO_BIG: "7.4.1 and 10.4",
    Why.MASK: "5.1 and 5.3",
    Why.BAD_UTF8: "8.1",
    Why.CONTINUATION: "5.4",
    Why.CONTROL: "5.5",
    Why.CLOSE: "5.5.1 and 7.4",
    Why.FRAME: "5.2",
}


@dataclass
class Received:
    """One whole frame as it arrived, and the wsproto events it produced."""

    raw: bytes
    head: FrameHead
    events: list[WsEvent] = field(default_factory=list)
    message: int | None = None  # opcode of the message a continuation frame belongs to


@dataclass
class Failure:
    """The peer broke the protocol: the close code to send, why, and the RFC 6455 section."""

    code: int
    reason: str
    section: str
    why: Why = Why.FRAME


def _minimal(head: FrameHead) -> bool:
    """Whether the length uses the shortest form (RFC 6455 section 5.2)."""
    if head.len_field == 126:
        return head.length > 125
    if head.len_field == 127:
        return head.length > 0xFFFF and not head.length >> 63
    return True


def classify(code: int, head: FrameHead, client: bool, message: int | None) -> Why:
    """The rule a frame broke, given wsproto's close code, in wsproto's order of checks.

    `client`: this end is the client; `message`: the opcode of the fragmented message in
    progress before this frame (None when there is none)."""
    if code == 1007:
        return Why.BAD_UTF8
    if head.opcode not in OPCODES:
        return Why.FRAME
    if is_control(head.opcode) and (not head.fin or head.len_field > 125):
        return Why.CONTROL
    if not _minimal(head) or head.rsv1 or head.rsv2 or head.rsv3:
        return Why.FRAME
    if head.masked == client:
        return Why.MASK
    if not is_control(head.opcode) and (head.opcode == 0) == (message is None):
        return Why.CONTINUATION
    if head.opcode == 8:
        return Why.CLOSE
    return Why.FRAME


def failure(code: int, why: Why, reason: str) -> Failure:
    return Failure(code, reason, SECTIONS[why], why)


class FrameReader:
    """Cuts a byte stream into whole frames, checks the size limit, and feeds wsproto.

    The limit is checked as soon as a header arrives (RFC 6455 section 10.4: an endpoint must
    protect itself against messages over its limits), so an oversized payload is never buffered.
    A frame's bytes go to wsproto as they arrive, not when the frame is whole: wsproto checks a
    text message's UTF-8 incrementally, so a bad byte fails the connection (1007) the moment it
    arrives, even in a frame whose payload is still on its way (RFC 6455 section 8.1). What the
    caller gets is still one `Received` per whole frame, its events merged.
    """

    def __init__(self, conn: Connection, max_message: int | None = None) -> None:
        self.conn = conn
        self.max_message = max_message
        self.buf = bytearray()
        self.fed = 0  # bytes of the frame at the start of `buf` that wsproto has seen
        self.events: list[WsEvent] = []  # wsproto's events for that frame so far
        self.message_size = 0  # bytes of the data message being reassembled so far
        self.message: int | None = None  # its opcode, while it is fragmented
        self.text: codecs.IncrementalDecoder | None = None  # its UTF-8 so far, when text
        self.failed = False

    def _pass_on(self, head: FrameHead, data: bytes, have: int) -> Failure | None:
        """Give wsproto more of the current frame; keep its events, or say how it failed."""
        self.conn.receive_data(data)
        for event in self.conn.events():
            # wsproto reports a protocol violation it detected as a CloseConnection while the
            # connection is still OPEN (a real close from the peer moves it to REMOTE_CLOSING).
            if isinstance(event, CloseConnection) and self.conn.state is ConnectionState.OPEN:
                code = int(event.code)
                why = classify(code, head, self.conn.client, self.message)
                reason = event.reason or ""
                if why is Why.BAD_UTF8:
                    reason = self._utf8_reason(head, have) or reason
                return failure(code, why, reason)
            self.events.append(event)
        return None

    def _payload(self, head: FrameHead, have: int) -> bytes:
        """The current frame's payload received so far, unmasked."""
        return xor_mask(bytes(self.buf[head.header_len : have]), head.masking_key)

    def _utf8_reason(self, head: FrameHead, have: int) -> str:
        """Which byte is not UTF-8 and why, found by decoding the text ourselves."""
        payload = self._payload(head, have)
        decoder = self.text if head.opcode == 0 and self.text is not None else None
        if head.opcode == 8:
            payload = payload[2:]
        decoder = decoder or codecs.getincrementaldecoder("utf-8")()
        final = head.opcode == 8 or (head.fin and have >= head.total)
        try:
            decoder.decode(payload, final)
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start]
            return say("websocket.protocol.failures.bad-utf8", byte=f"{byte:#04x}", why=exc.reason)
        return ""

    def _track_text(self, head: FrameHead, payload: bytes) -> None:
        """Keep the UTF-8 state of a fragmented text message across its frames."""
        if head.opcode == 1 and not head.fin:
            self.text = codecs.getincrementaldecoder("utf-8")()
        if head.opcode in (0, 1) and self.text is not None:
            if head.fin:
                self.text = None
            else:
                try:
                    self.text.decode(payload, False)
                except UnicodeDecodeError:
                    self.text = None
        elif head.opcode == 2:
            self.text = None

    def feed(self, data: bytes) -> list[Received | Failure]:
        if self.failed or self.conn.state is ConnectionState.CLOSED:
            return []
        self.buf += data
        out: list[Received | Failure] = []
        while not self.failed:
            head = parse_head(self.buf)
            if head is None:
                break
            if (
                not self.fed
                and self.max_message is not None
                and not is_control(head.opcode)
                and self.message_size + head.length > self.max_message
            ):
                self.failed = True
                reason = say(
                    "websocket.protocol.failures.too-big",
                    size=self.message_size + head.length,
                    limit=self.max_message,
                )
                out.append(failure(1009, Why.TOO_BIG, reason))
                break
            have = min(len(self.buf), head.total)
            failed = None
            if have > self.fed:
                failed = self._pass_on(head, bytes(self.buf[self.fed : have]), have)
                self.fed = have
            if failed is not None and have < head.total:
                self.failed = True  # failed before the frame was even whole
                out.append(failed)
                break
            if have < head.total:
                break
            raw = bytes(self.buf[: head.total])
            if failed is None and not is_control(head.opcode):
                self._track_text(head, self._payload(head, have))
            del self.buf[: head.total]
            message = self.message if head.opcode == 0 else None
            events, self.events, self.fed = _merged(self.events), [], 0
            out.append(Received(raw, head, events, message))
            if failed is not None:
                self.failed = True
                out.append(failed)
                break
            if not is_control(head.opcode):
                if head.fin:
                    self.message_size, self.message = 0, None
                else:
                    self.message_size += head.length
                    if head.opcode:
                        self.message = head.opcode
            if self.conn.state is ConnectionState.CLOSED:
                break
        return out


def _merged(events: list[WsEvent]) -> list[WsEvent]:
    """One frame's message events, which wsproto gives piece by piece, as one event."""
    out: list[WsEvent] = []
    for event in events:
        last = out[-1] if out else None
        if isinstance(event, Message) and type(last) is type(event):
            assert isinstance(last, Message)
            out[-1] = type(event)(
                data=last.data + event.data,  # type: ignore[operator]
                frame_finished=event.frame_finished,
                message_finished=event.message_finished,
            )
        else:
            out.append(event)
    return out
