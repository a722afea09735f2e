"""The frames a learner's WebSocket server sends back, read and checked byte by byte (RFC 6455 §5).

For the websocket-server lab: a server frame is never masked, has no RSV bits, uses the shortest
length field, and carries exactly the echo, the pong or the close code netlearn expects. The words
are in lessons/labs/websocket-server.toml.
"""

from __future__ import annotations

import struct

from netlearn.content.words import say
from netlearn.labs.clock import scaled
from netlearn.labs.conn import Conn
from netlearn.labs.failure import StageFailed
from netlearn.labs.ws_frames import server_frame

WAIT = 2.0  # seconds (scaled) to wait for each answer
MAX_PAYLOAD = 1 << 20


def read_frame(
    conn: Conn, what: str, lesson: str = "websocket#frames"
) -> tuple[bytes, int, bool, bytes]:
    """One server frame: (its bytes, opcode, fin, payload). Fails on a masked server frame."""
    wait = scaled(WAIT)
    head = conn.recv_exact(2, timeout=wait, what=what)
    b0, b1 = head[0], head[1]
    if b1 & 0x80:
        raise StageFailed(
            say("labs.websocket-server.frames.masked", what=what),
            got=head,
            offset=1,
            expected=say("labs.websocket-server.frames.masked-expected", byte=b1 & 0x7F),
            rule=say("labs.websocket-server.frames.masked-rule"),
            rfc="RFC 6455 §5.1",
            cause=say("labs.websocket-server.frames.masked-cause"),
            lesson="websocket#masking",
        )
    if b0 & 0x70:
        raise StageFailed(
            say("labs.websocket-server.frames.rsv", what=what),
            got=head,
            offset=0,
            expected=say("labs.websocket-server.frames.rsv-expected", byte=b0 & 0x8F),
            rule=say("labs.websocket-server.frames.rsv-rule"),
            rfc="RFC 6455 §5.2",
            lesson=lesson,
        )
    n = b1 & 0x7F
    raw = head
    if n == 126:
        ext = conn.recv_exact(2, timeout=wait, what=f"{what}: its 16-bit length")
        raw += ext
        n = struct.unpack("!H", ext)[0]
    elif n == 127:
        ext = conn.recv_exact(8, timeout=wait, what=f"{what}: its 64-bit length")
        raw += ext
        n = struct.unpack("!Q", ext)[0]
    if n > MAX_PAYLOAD:
        raise StageFailed(
            say("labs.websocket-server.frames.too-long", what=what, n=n),
            got=raw,
            offset=2 if len(raw) > 2 else 1,
            expected=say("labs.websocket-server.frames.too-long-expected"),
            rule=say("labs.websocket-server.frames.length-rule"),
            rfc="RFC 6455 §5.2",
            lesson=lesson,
        )
    payload = conn.recv_exact(n, timeout=wait, what=f"{what}: {n} bytes of payload")
    return raw + payload, b0 & 0x0F, bool(b0 & 0x80), payload


def expect_frame(
    conn: Conn, opcode: int, payload: bytes, what: str, lesson: str, cause: str | None = None
) -> None:
    """The next server frame must be exactly FIN + `opcode`, unmasked, minimal length, `payload`."""
    want = server_frame(opcode, payload)
    # read just the header first: a wrong length field is the mistake to show
    wait = scaled(WAIT)
    head = conn.recv_exact(2, timeout=wait, what=what)
    conn.pending[:0] = head  # read_frame reads it again
    want_field, got_field = want[1] & 0x7F, head[1] & 0x7F
    if head[0] != want[0] or (want_field >= 126 > got_field and not head[1] & 0x80):
        wrong_head(head, want, what, lesson)
    raw, _, _, got = read_frame(conn, what, lesson)
    if got != payload:
        diff = next(
            i for i, (a, b) in enumerate(zip(got + b"\0", payload + b"\1", strict=False)) if a != b
        )
        raise StageFailed(
            say("labs.websocket-server.frames.payload", what=what, at=diff),
            got=raw,
            offset=len(raw) - len(got) + diff,
            expected=f"0x{payload[diff]:02x}" if diff < len(payload) else "the end",
            rule=say("labs.websocket-server.frames.payload-rule"),
            rfc="RFC 6455 §5.3",
            cause=cause or say("labs.websocket-server.frames.payload-cause"),
            lesson="websocket#masking",
        )


def wrong_head(head: bytes, want: bytes, what: str, lesson: str) -> None:
    """Raise the failure for a first byte or length field other than `want`'s."""
    if head[0] != want[0]:
        fin, op = head[0] & 0x80, head[0] & 0x0F
        if not fin and op == want[0] & 0x0F or op == 0:
            cause = say("labs.websocket-server.causes.fragments")
        elif op == 0x1 and want[0] & 0x0F == 0xA:
            cause = say("labs.websocket-server.causes.ping-echoed")
        elif want[0] & 0x0F == 0x8:
            cause = say("labs.websocket-server.causes.no-1002")
        else:
            cause = say("labs.websocket-server.causes.first-byte")
        raise StageFailed(
            say("labs.websocket-server.frames.first-byte", what=what, got=head[0], want=want[0]),
            got=head,
            offset=0,
            expected=say(
                "labs.websocket-server.frames.first-byte-expected",
                want=want[0],
                opcode=want[0] & 0x0F,
            ),
            rule=say("labs.websocket-server.frames.first-byte-rule"),
            rfc="RFC 6455 §5.2",
            cause=cause,
            lesson=lesson,
        )
    n = len(want) - 2 if want[1] < 126 else None
    got_field = head[1] & 0x7F
    raise StageFailed(
        say("labs.websocket-server.frames.length", what=what, got=got_field, want=want[1] & 0x7F),
        got=head,
        offset=1,
        expected=f"0x{want[1]:02x}"
        + (
            f" ({n} bytes)"
            if n is not None
            else f" ({want[1]}: a {16 if want[1] == 126 else 64}-bit length follows)"
        ),
        rule=say("labs.websocket-server.frames.length-rule-minimal"),
        rfc="RFC 6455 §5.2",
        cause=say("labs.websocket-server.causes.len7")
        if got_field < 126 and want[1] & 0x7F >= 126
        else say("labs.websocket-server.causes.length"),
        lesson="websocket#frames",
    )


def expect_close(conn: Conn, code: int, lesson: str) -> None:
    """The next server frame is a close with `code`; then the server closes TCP."""
    raw, op, _, payload = read_frame(conn, f"a close frame with code {code}", lesson)
    if op != 0x8:
        wrong_head(raw[:2], server_frame(0x8, struct.pack("!H", code)), "the answer", lesson)
    got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    if got != code:
        raise StageFailed(
            say("labs.websocket-server.frames.close-code", got=got, want=code),
            got=raw,
            offset=2,
            expected=f"{code:#06x} ({code}) as 2 bytes, big-endian",
            rule=say("labs.websocket-server.frames.close-1002-rule")
            if code == 1002
            else say("labs.websocket-server.frames.close-rule"),
            rfc="RFC 6455 §7.4.1" if code == 1002 else "RFC 6455 §5.5.1",
            cause=say("labs.websocket-server.frames.close-cause"),
            lesson=lesson,
        )
    conn.log.note(conn.actor, say("labs.websocket-server.notes.got-close", code=code))
    try:
        conn.expect_eof(timeout=scaled(WAIT), what=say("labs.websocket-server.frames.close-wait"))
    except StageFailed as exc:
        if "reset" not in exc.message or code != 1002:
            exc.rule = say("labs.websocket-server.frames.closes-first-rule")
            exc.rfc = "RFC 6455 §7.1.1"
            raise
        conn.log.note(conn.actor, say("labs.websocket-server.notes.reset-after-1002"))
