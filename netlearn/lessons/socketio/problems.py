"""Why a packet string is refused: a problem code and its values, never a sentence.

The sentence for each code is in lessons/socketio/errors.toml, looked up when the error is
shown; code that handles a refusal looks at `PacketError.problem`, never at the words.
"""

from __future__ import annotations

from enum import StrEnum

from netlearn.errors import NetlearnError


class Problem(StrEnum):
    """What is wrong with a packet (the key of its sentence in errors.toml)."""

    EMPTY_EIO = "empty-eio"
    BAD_BASE64 = "bad-base64"
    BAD_EIO_TYPE = "bad-eio-type"
    OPEN_JSON = "open-json"
    OPEN_NOT_OBJECT = "open-not-object"
    EMPTY_SIO = "empty-sio"
    BAD_SIO_TYPE = "bad-sio-type"
    ATTACHMENTS_MISSING = "attachments-missing"
    TOO_MANY_ATTACHMENTS = "too-many-attachments"
    NAMESPACE_TOO_LONG = "namespace-too-long"
    ACK_ID_TOO_LONG = "ack-id-too-long"
    BAD_JSON = "bad-json"
    BAD_JSON_ACK_ID = "bad-json-ack-id"
    CONNECT_PAYLOAD = "connect-payload"
    DISCONNECT_PAYLOAD = "disconnect-payload"
    CONNECT_ERROR_PAYLOAD = "connect-error-payload"
    EVENT_PAYLOAD = "event-payload"
    EVENT_NAME = "event-name"
    RESERVED_EVENT = "reserved-event"
    ACK_PAYLOAD = "ack-payload"
    ACK_NEEDS_ID = "ack-needs-id"
    TOO_DEEP = "too-deep"
    TOO_MANY_DIGITS = "too-many-digits"
    TOO_LONG = "too-long"
    DECODE_TOO_LONG = "decode-too-long"
    DECODE_EMPTY = "decode-empty"
    NOT_UTF8 = "not-utf8"
    TOO_MANY_PACKETS = "too-many-packets"
    IN_BODY = "in-body"
    MESSAGE_NOT_SIO = "message-not-sio"


def words(problem: Problem, fields: dict[str, object]) -> str:
    """The sentence for a problem, its placeholders filled."""
    from netlearn.content.words import say

    return say(f"socketio.errors.{problem.value}", **fields)


class PacketError(NetlearnError, ValueError):
    """A string that is not a valid packet: `problem` says why, `fields` hold the details.

    Its message is the problem's sentence (one line a learner can act on). It is a
    NetlearnError, so a command that lets it through prints one line and exits 1; it stays a
    ValueError for callers that treat it as bad data.
    """

    def __init__(self, problem: Problem, /, **fields: object) -> None:
        self.problem = problem
        self.fields = fields
        super().__init__(words(problem, fields))
