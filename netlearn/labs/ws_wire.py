"""The websocket-client lab's checks of the learner's client frames, and its catalogue of causes.

Pure functions: they return a `StageFailed` (with the offset of the first wrong byte) or None; the
lab module does the I/O. The frames themselves are `ws_frames`, the handshake `ws_handshake`;
their names are re-exported here for the lab and its tests. The causes (what usually makes each
failure) are lessons/labs/websocket-client.toml, table [causes].
"""

from __future__ import annotations

from netlearn.content.words import say
from netlearn.labs.failure import StageFailed
from netlearn.labs.ws_frames import (
    BINARY,
    CLOSE,
    CONT,
    OPCODE_NAMES,
    PING,
    PONG,
    TEXT,
    Head,
    client_frame,
    close_payload,
    encode_length,
    first_difference,
    mask,
    parse_head,
    server_frame,
    window,
)
from netlearn.labs.ws_handshake import (
    GUID,
    STEP_ACCEPT,
    STEP_HANDSHAKE,
    Request,
    accept_for,
    check_request,
    parse_request,
    switching_protocols,
)

__all__ = [
    "BINARY",
    "CLOSE",
    "CONT",
    "GUID",
    "OPCODE_NAMES",
    "PING",
    "PONG",
    "STEP_ACCEPT",
    "STEP_CLOSE",
    "STEP_FRAGMENTS",
    "STEP_FRAMES",
    "STEP_HANDSHAKE",
    "STEP_MASKING",
    "STEP_PING",
    "TEXT",
    "Head",
    "Request",
    "accept_for",
    "cause",
    "check_client_head",
    "check_request",
    "client_frame",
    "close_payload",
    "encode_length",
    "first_difference",
    "length_cause",
    "mask",
    "parse_head",
    "parse_request",
    "server_frame",
    "switching_protocols",
    "window",
]

# Steps of `netlearn learn websocket`, by id (the report turns an id into the step's number).
STEP_FRAMES = "websocket#frames"
STEP_MASKING = "websocket#masking"
STEP_FRAGMENTS = "websocket#fragments"
STEP_PING = "websocket#control-frames"
STEP_CLOSE = "websocket#close"


def cause(key: str) -> str:
    """What usually causes the failure `key` (lessons/labs/websocket-client.toml [causes])."""
    return say(f"labs.websocket-client.causes.{key}")


def _frame_fail(message: str, got: bytes, offset: int, expected: str, rule: str, rfc: str,
                key: str, lesson: str) -> StageFailed:  # fmt: skip
    return StageFailed(
        message,
        got=got,
        offset=offset,
        expected=expected,
        rule=rule,
        rfc=rfc,
        cause=cause(key),
        lesson=lesson,
    )


def check_client_head(head: Head, got: bytes) -> StageFailed | None:
    """Rules every client frame header follows, whatever it carries. `got`: its first bytes."""
    if head.rsv:
        return _frame_fail(
            say("labs.websocket-client.frames.rsv", byte=got[0]),
            got,
            0,
            "RSV1-3 = 0, e.g. 0x81 or 0x82",
            say("labs.websocket-client.frames.rsv-rule"),
            "RFC 6455 §5.2",
            "rsv",
            STEP_FRAMES,
        )
    if head.opcode not in OPCODE_NAMES:
        return _frame_fail(
            say("labs.websocket-client.frames.opcode", opcode=head.opcode),
            got,
            0,
            "opcode 0, 1, 2, 8, 9 or 10",
            say("labs.websocket-client.frames.opcode-rule"),
            "RFC 6455 §5.2",
            "opcode",
            STEP_FRAMES,
        )
    if not head.masked:
        return _frame_fail(
            say(
                "labs.websocket-client.frames.unmasked", kind=OPCODE_NAMES[head.opcode], byte=got[1]
            ),
            got,
            1,
            say("labs.websocket-client.frames.unmasked-expected", byte=got[1] | 0x80),
            say("labs.websocket-client.frames.unmasked-rule"),
            "RFC 6455 §5.1, §5.3",
            "unmasked",
            STEP_MASKING,
        )
    if head.field == 126 and head.length < 126:
        return _frame_fail(
            say("labs.websocket-client.frames.len16-not-minimal", n=head.length),
            got,
            1,
            say(
                "labs.websocket-client.frames.len7-expected", byte=0x80 | head.length, n=head.length
            ),
            say("labs.websocket-client.frames.minimal-rule"),
            "RFC 6455 §5.2",
            "len-not-minimal",
            STEP_FRAMES,
        )
    if head.field == 127 and head.length >> 63:
        return _frame_fail(
            say("labs.websocket-client.frames.len64-msb"),
            got,
            2,
            "the most significant bit 0",
            say("labs.websocket-client.frames.len64-msb-rule"),
            "RFC 6455 §5.2",
            "len-wrong",
            STEP_FRAMES,
        )
    if head.field == 127 and head.length <= 0xFFFF:
        return _frame_fail(
            say("labs.websocket-client.frames.len64-not-minimal", n=head.length),
            got,
            1,
            "0xfe (126) and a 16-bit length"
            if head.length > 125
            else say("labs.websocket-client.frames.len7-field-expected", byte=0x80 | head.length),
            say("labs.websocket-client.frames.minimal-rule"),
            "RFC 6455 §5.2",
            "len-not-minimal",
            STEP_FRAMES,
        )
    if head.control and (not head.fin or head.length > 125):
        bad_fin = not head.fin
        return _frame_fail(
            say("labs.websocket-client.frames.control-fin", kind=OPCODE_NAMES[head.opcode])
            if bad_fin
            else say(
                "labs.websocket-client.frames.control-long",
                kind=OPCODE_NAMES[head.opcode],
                n=head.length,
            ),
            got,
            0 if bad_fin else 1,
            "FIN=1" if bad_fin else "at most 125 bytes",
            say("labs.websocket-client.frames.control-rule"),
            "RFC 6455 §5.5",
            "control-fragmented",
            STEP_PING,
        )
    return None


def length_cause(announced: int, expected: int, fragments: tuple[int, ...]) -> str:
    """The catalogue key that best explains an echo whose length field says `announced`."""
    if len(fragments) > 1 and announced in fragments:
        return "fragments-separately"
    if expected > 0xFFFF and announced == expected & 0xFFFF:
        return "len16-overflow"
    if expected > 125 and announced in (expected & 0x7F, expected & 0xFF):
        return "len7-overflow"
    return "len-wrong"
