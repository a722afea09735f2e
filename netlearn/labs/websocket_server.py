"""Lab websocket-server: a WebSocket echo server on a raw socket (RFC 6455), checked byte by byte.

netlearn is the client. Stages: the upgrade (101 and the right accept for a random key); a bad
handshake (400, or 426 with `Sec-WebSocket-Version: 13` and `Upgrade: websocket`); unmasking
(the echo comes back unmasked, with a minimal length field); a fragmented message echoed as one;
pong to ping; an unmasked client frame closed with 1002; the close handshake.
"""

from __future__ import annotations

import base64
import hashlib
import struct

from netlearn.labs.core import Conn, Lab, Stage, StageContext, StageFailed, scaled
from netlearn.labs.words import WORDS

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 2.0  # seconds (scaled) to wait for each answer
MAX_PAYLOAD = 1 << 20


def accept_for(key: str) -> str:
    """Sec-WebSocket-Accept: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2, item 5.4)."""
    return base64.b64encode(hashlib.sha1(key.encode("ascii") + GUID).digest()).decode("ascii")


def client_frame(opcode: int, payload: bytes, mask: bytes | None, fin: bool = True) -> bytes:
    """A frame as a client sends it (masked unless `mask` is None)."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask is not None else 0
    if n < 126:
        head = bytes([b0, mbit | n])
    elif n < 65536:
        head = bytes([b0, mbit | 126]) + struct.pack("!H", n)
    else:
        head = bytes([b0, mbit | 127]) + struct.pack("!Q", n)
    if mask is None:
        return head + payload
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def _text(rng, n_words: int) -> bytes:  # type: ignore[no-untyped-def]
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).encode()


# -- the handshake ------------------------------------------------------------------------
def request(ctx: StageContext, key: str | None, version: str = "13") -> bytes:
    lines = [
        "GET /lab HTTP/1.1",
        f"Host: {ctx.host}:{ctx.port}",
        "Upgrade: websocket",
        "Connection: Upgrade",
    ]
    if key is not None:
        lines.append(f"Sec-WebSocket-Key: {key}")
    lines.append(f"Sec-WebSocket-Version: {version}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _headers(head: bytes) -> list[tuple[str, str, int]]:
    """(name lowercased, value, offset of the value in `head`) for each header line."""
    out = []
    pos = head.find(b"\r\n") + 2
    while pos < len(head):
        end = head.find(b"\r\n", pos)
        if end <= pos:
            break
        line = head[pos:end]
        if b":" in line:
            name, _, value = line.partition(b":")
            start = pos + len(name) + 1
            while start < end and head[start : start + 1] in (b" ", b"\t"):
                start += 1
            out.append(
                (
                    name.strip().lower().decode("latin-1"),
                    head[start:end].decode("latin-1").rstrip(),
                    start,
                )
            )
        pos = end + 2
    return out


def _status(head: bytes) -> int | None:
    parts = head.split(b"\r\n", 1)[0].split(b" ")
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/1.") and parts[1].isdigit():
        return int(parts[1])
    return None


def read_head(conn: Conn, what: str) -> bytes:
    return conn.recv_until(b"\r\n\r\n", limit=16384, timeout=scaled(WAIT), what=what)


def open_ws(ctx: StageContext, actor: str = "client 1", check: bool = True) -> Conn:
    """Connect and upgrade with a random key; with `check`, verify the 101 byte by byte."""
    key = base64.b64encode(ctx.rng.randbytes(16)).decode("ascii")
    conn = ctx.connect(actor)
    conn.send(request(ctx, key))
    head = read_head(conn, "the 101 response")
    if check:
        check_101(head, key)
    return conn


def check_101(head: bytes, key: str) -> None:
    lesson = "websocket#handshake"
    status = _status(head)
    if status != 101:
        want = b"HTTP/1.1 101"
        at = next((i for i, (a, b) in enumerate(zip(head, want, strict=False)) if a != b), 9)
        raise StageFailed(
            f"the server answered the upgrade with status {status}, not 101 Switching Protocols",
            got=head,
            offset=at,
            expected="HTTP/1.1 101 Switching Protocols",
            rule="A server that accepts the upgrade answers 101 Switching Protocols",
            rfc="RFC 6455 §4.2.2",
            cause="The request was not recognised as an upgrade: check the Upgrade and "
            "Connection headers case-insensitively, and answer before reading more.",
            lesson=lesson,
        )
    headers = _headers(head)
    names = {name: (value, at) for name, value, at in headers}
    if names.get("upgrade", ("", 0))[0].lower() != "websocket":
        raise StageFailed(
            "the 101 response has no 'Upgrade: websocket' header",
            got=head,
            expected="Upgrade: websocket",
            rule="The 101 response carries Upgrade: websocket and Connection: Upgrade",
            rfc="RFC 6455 §4.2.2",
            cause="A header is missing or misspelt in the response.",
            lesson=lesson,
        )
    tokens = [t.strip().lower() for t in names.get("connection", ("", 0))[0].split(",")]
    if "upgrade" not in tokens:
        raise StageFailed(
            "the 101 response has no 'Connection: Upgrade' header",
            got=head,
            expected="Connection: Upgrade",
            rule="The 101 response carries Upgrade: websocket and Connection: Upgrade",
            rfc="RFC 6455 §4.2.2",
            cause="A header is missing or misspelt in the response.",
            lesson=lesson,
        )
    want = accept_for(key)
    if "sec-websocket-accept" not in names:
        raise StageFailed(
            "the 101 response has no Sec-WebSocket-Accept header",
            got=head,
            expected=f"Sec-WebSocket-Accept: {want}",
            rule="The server proves it read the key: Sec-WebSocket-Accept is "
            "base64(SHA-1(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11'))",
            rfc="RFC 6455 §4.2.2",
            lesson="websocket#accept",
        )
    value, at = names["sec-websocket-accept"]
    if value != want:
        diff = next((i for i, (a, b) in enumerate(zip(value, want, strict=False)) if a != b), None)
        diff = min(len(value), len(want)) if diff is None else diff
        cause = _accept_cause(key, value)
        raise StageFailed(
            f"Sec-WebSocket-Accept is {value!r}; for the key {key!r} it must be {want!r}",
            got=head,
            offset=at + diff,
            expected=f"{want[diff : diff + 1] or 'the end'!r} (the whole value: {want})",
            rule="Sec-WebSocket-Accept is base64(SHA-1(key + "
            "'258EAFA5-E914-47DA-95CA-C5AB0DC85B11')): the key as sent, the GUID exactly, the "
            "20-byte digest (not its hex) in base64",
            rfc="RFC 6455 §4.2.2",
            cause=cause,
            lesson="websocket#accept",
        )


def _accept_cause(key: str, value: str) -> str:
    digest = hashlib.sha1(key.encode("ascii") + GUID)
    if (
        value == digest.hexdigest()
        or value == base64.b64encode(digest.hexdigest().encode()).decode()
    ):
        return (
            "The digest is sent as hex: base64-encode the 20 raw bytes (digest(), not hexdigest())."
        )
    if value == base64.b64encode(hashlib.sha1(key.encode()).digest()).decode():
        return "The GUID is missing: hash the key followed by the GUID."
    if value == base64.b64encode(base64.b64decode(key) + GUID).decode():
        return "The SHA-1 step is missing."
    return (
        "The GUID is misspelt (copy it exactly: 258EAFA5-E914-47DA-95CA-C5AB0DC85B11), the key "
        "was altered (trimmed wrongly, decoded), or the digest is not base64 of the raw bytes."
    )


# -- frames from the server ---------------------------------------------------------------
def read_frame(
    conn: Conn, what: str, lesson: str = "websocket#frames"
) -> tuple[bytes, int, bool, bytes]:
    """One server frame: (its bytes, opcode, fin, payload). Fails on a masked server frame."""
    wait = scaled(WAIT)
    head = conn.recv_exact(2, timeout=wait, what=what)
    b0, b1 = head[0], head[1]
    if b1 & 0x80:
        raise StageFailed(
            f"the server's frame ({what}) is masked: a server never masks its frames",
            got=head,
            offset=1,
            expected=f"0x{b1 & 0x7F:02x}: mask bit 0 (0x80 clear in byte 1)",
            rule="A server MUST NOT mask any frames that it sends to the client",
            rfc="RFC 6455 §5.1",
            cause="The server reuses the client's framing code (or key) to send: only "
            "client-to-server frames are masked.",
            lesson="websocket#masking",
        )
    if b0 & 0x70:
        raise StageFailed(
            f"the server's frame ({what}) has RSV bits set without an extension",
            got=head,
            offset=0,
            expected=f"0x{b0 & 0x8F:02x}: RSV1-3 zero",
            rule="RSV1, RSV2 and RSV3 MUST be 0 unless an extension was negotiated",
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
            f"the server's frame ({what}) announces {n} bytes of payload",
            got=raw,
            offset=2 if len(raw) > 2 else 1,
            expected="the length of the echoed message",
            rule="The payload length: 7 bits; 126 means a 16-bit length follows, 127 a 64-bit one",
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
        _wrong_head(head, want, what, lesson)
    raw, _, _, got = read_frame(conn, what, lesson)
    if got != payload:
        diff = next(
            i for i, (a, b) in enumerate(zip(got + b"\0", payload + b"\1", strict=False)) if a != b
        )
        raise StageFailed(
            f"the payload of {what} differs from what client 1 sent, from byte {diff} on",
            got=raw,
            offset=len(raw) - len(got) + diff,
            expected=f"0x{payload[diff]:02x}" if diff < len(payload) else "the end",
            rule="An echo server sends back the message's data, unmasked: data = masked XOR "
            "key[i mod 4]",
            rfc="RFC 6455 §5.3",
            cause=cause
            or "The payload is not unmasked correctly (the key is the 4 bytes after the "
            "length; byte i is XORed with key[i % 4]), or it is echoed still masked.",
            lesson="websocket#masking",
        )


def _wrong_head(head: bytes, want: bytes, what: str, lesson: str) -> None:
    if head[0] != want[0]:
        fin, op = head[0] & 0x80, head[0] & 0x0F
        if not fin and op == want[0] & 0x0F or op == 0:
            cause = (
                "The server echoes each fragment as it comes: gather the fragments (FIN=0, "
                "then continuation frames, opcode 0) and echo one whole message."
            )
        elif op == 0x1 and want[0] & 0x0F == 0xA:
            cause = "The ping was echoed as a message: answer a ping (0x9) with a pong (0xA)."
        elif want[0] & 0x0F == 0x8:
            cause = (
                "The server did not fail the connection: an unmasked client frame is a "
                "protocol error, answered with a close frame, code 1002."
            )
        else:
            cause = (
                "The first byte is FIN (0x80) | opcode: text 0x1, binary 0x2, close 0x8, pong 0xA."
            )
        raise StageFailed(
            f"the server's frame ({what}) starts with 0x{head[0]:02x}, not 0x{want[0]:02x}",
            got=head,
            offset=0,
            expected=f"0x{want[0]:02x} (FIN=1, opcode 0x{want[0] & 0x0F:x})",
            rule="Byte 0 of a frame: FIN, RSV1-3, then the 4-bit opcode",
            rfc="RFC 6455 §5.2",
            cause=cause,
            lesson=lesson,
        )
    n = len(want) - 2 if want[1] < 126 else None
    got_field = head[1] & 0x7F
    raise StageFailed(
        f"the server's frame ({what}) has length field {got_field}, not {want[1] & 0x7F}",
        got=head,
        offset=1,
        expected=f"0x{want[1]:02x}"
        + (
            f" ({n} bytes)"
            if n is not None
            else f" ({want[1]}: a {16 if want[1] == 126 else 64}-bit length follows)"
        ),
        rule="Payload length: 0-125 in the 7-bit field; 126 then a 16-bit length for 126-65535; "
        "127 then a 64-bit length (the shortest form MUST be used)",
        rfc="RFC 6455 §5.2",
        cause="A length of 126 or more is written into the 7-bit field (it only holds 0-125): "
        "write 126 and the length as 2 bytes, big-endian."
        if got_field < 126 and want[1] & 0x7F >= 126
        else "The length field does not match the payload.",
        lesson="websocket#frames",
    )


def server_frame(opcode: int, payload: bytes) -> bytes:
    return client_frame(opcode, payload, None)


# -- the stages ---------------------------------------------------------------------------
def upgrade(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    ctx.log.note("client 1", "got 101 with the right Sec-WebSocket-Accept")
    conn.close()


def bad_handshake(ctx: StageContext) -> None:
    for actor, key, version, what in (
        ("client 1", None, "13", "no Sec-WebSocket-Key"),
        (
            "client 2",
            base64.b64encode(ctx.rng.randbytes(16)).decode(),
            "8",
            "Sec-WebSocket-Version: 8",
        ),
    ):
        conn = ctx.connect(actor)
        ctx.log.note(actor, f"sends an upgrade request with {what}")
        conn.send(request(ctx, key, version))
        head = read_head(conn, "an error response")
        status = _status(head)
        if key is None and status not in (400, 426):
            raise StageFailed(
                f"the server answered an upgrade without Sec-WebSocket-Key with {status}, not 400",
                got=head,
                offset=9,
                expected="HTTP/1.1 400 Bad Request",
                rule="A request without a valid Sec-WebSocket-Key is not a WebSocket handshake: "
                "the server answers 400 Bad Request and does not upgrade",
                rfc="RFC 6455 §4.2.1, §4.2.2",
                cause="The server does not check the request before answering 101.",
                lesson="websocket#handshake",
            )
        if key is not None:
            if status not in (400, 426):
                raise StageFailed(
                    f"the server answered Sec-WebSocket-Version: 8 with {status}, not 426 (or 400)",
                    got=head,
                    offset=9,
                    expected="HTTP/1.1 426 Upgrade Required, with Sec-WebSocket-Version: 13 and "
                    "Upgrade: websocket",
                    rule="A server that does not speak the client's version answers with the "
                    "versions it does speak in Sec-WebSocket-Version",
                    rfc="RFC 6455 §4.2.2, §4.4",
                    cause="The server does not check Sec-WebSocket-Version (only 13 is valid).",
                    lesson="websocket#handshake",
                )
            versions = [v for n, v, _ in _headers(head) if n == "sec-websocket-version"]
            if not any("13" in [x.strip() for x in v.split(",")] for v in versions):
                raise StageFailed(
                    f"the {status} response for Sec-WebSocket-Version: 8 does not say which "
                    "version the server speaks",
                    got=head,
                    offset=len(head) - 2,
                    expected="a header line Sec-WebSocket-Version: 13",
                    rule="The refusal of a version carries Sec-WebSocket-Version with the "
                    "versions the server supports",
                    rfc="RFC 6455 §4.4",
                    cause="The error response forgets the Sec-WebSocket-Version: 13 header.",
                    lesson="websocket#handshake",
                )
            if status == 426:
                _check_426(head)
        ctx.log.note(actor, f"got {status}, as it should")
        conn.close()


def _tokens(head: bytes, name: str) -> list[str]:
    """The comma-separated values of every `name` header line, lowercased."""
    return [
        token.strip().lower()
        for n, value, _ in _headers(head)
        if n == name
        for token in value.split(",")
    ]


def _check_426(head: bytes) -> None:
    """A 426 names the protocol to upgrade to in Upgrade, with Connection: Upgrade beside it."""
    if not any(t.split("/")[0] == "websocket" for t in _tokens(head, "upgrade")):
        raise StageFailed(
            "the 426 response does not say which protocol to upgrade to",
            got=head,
            offset=len(head) - 2,
            expected="a header line Upgrade: websocket",
            rule="A server that sends 426 Upgrade Required MUST send an Upgrade header field "
            "naming the required protocol(s)",
            rfc="RFC 9110 §15.5.22",
            cause="The 426 response forgets the Upgrade: websocket header (or answer 400, "
            "which needs none).",
            lesson="websocket#refusals",
        )
    if "upgrade" not in _tokens(head, "connection"):
        raise StageFailed(
            "the 426 response sends Upgrade without Connection: Upgrade",
            got=head,
            offset=len(head) - 2,
            expected="a header line Connection: Upgrade",
            rule="A sender of Upgrade MUST also send a Connection header field with the "
            "'upgrade' option, so that proxies do not forward it",
            rfc="RFC 9110 §7.8, §15.5.22",
            cause="The 426 response has Upgrade: websocket but no Connection: Upgrade.",
            lesson="websocket#refusals",
        )


def unmasking(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    for n_words in (ctx.rng.randrange(2, 5), ctx.rng.randrange(40, 60)):
        payload = _text(ctx.rng, n_words)
        mask = ctx.rng.randbytes(4)
        ctx.log.note(
            "client 1", f"sends a masked text message of {len(payload)} bytes, key {mask.hex()}"
        )
        conn.send(client_frame(0x1, payload, mask))
        expect_frame(conn, 0x1, payload, "the echo", "websocket#masking")
        ctx.log.note("client 1", "got the echo, unmasked")
    conn.close()


def fragmented(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    parts = [_text(ctx.rng, ctx.rng.randrange(2, 4)) + b" " for _ in range(3)]
    for i, part in enumerate(parts):
        op = 0x1 if i == 0 else 0x0
        conn.send(client_frame(op, part, ctx.rng.randbytes(4), fin=i == len(parts) - 1))
    ctx.log.note("client 1", "sent one text message in 3 fragments (FIN=0, 0, 1)")
    expect_frame(
        conn,
        0x1,
        b"".join(parts),
        "the echo of the whole message",
        "websocket#binary",
        "The server echoes each fragment as its own message: gather the fragments (FIN=0, "
        "then continuation frames, opcode 0) and echo one whole message.",
    )
    conn.close()


def ping(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    payload = ctx.rng.randbytes(ctx.rng.randrange(4, 12))
    conn.send(client_frame(0x9, payload, ctx.rng.randbytes(4)))
    ctx.log.note("client 1", f"sent a ping with {len(payload)} random bytes")
    expect_frame(
        conn,
        0xA,
        payload,
        "the pong",
        "websocket#control-frames",
        "A pong carries exactly the ping's application data (unmasked), not a part of it, "
        "not text of its own.",
    )
    conn.close()


def protocol_error(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    conn.send(client_frame(0x1, _text(ctx.rng, 2), None))
    ctx.log.note("client 1", "sent an UNMASKED text frame (a protocol error)")
    expect_close(conn, 1002, "websocket#frame-failures")


def close(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    reason = _text(ctx.rng, 2)
    conn.send(client_frame(0x8, struct.pack("!H", 1000) + reason, ctx.rng.randbytes(4)))
    ctx.log.note("client 1", f"sent close 1000 with reason {reason.decode()!r}")
    expect_close(conn, 1000, "websocket#close")


def expect_close(conn: Conn, code: int, lesson: str) -> None:
    raw, op, _, payload = read_frame(conn, f"a close frame with code {code}", lesson)
    if op != 0x8:
        _wrong_head(raw[:2], server_frame(0x8, struct.pack("!H", code)), "the answer", lesson)
    got = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
    if got != code:
        raise StageFailed(
            f"the server's close frame carries code {got}, not {code}",
            got=raw,
            offset=2,
            expected=f"{code:#06x} ({code}) as 2 bytes, big-endian",
            rule="1002: the endpoint is terminating the connection due to a protocol error"
            if code == 1002
            else "An endpoint that receives a close frame answers with a close frame, usually "
            "echoing the status code it received",
            rfc="RFC 6455 §7.4.1" if code == 1002 else "RFC 6455 §5.5.1",
            cause="The close frame's payload starts with the status code (2 bytes, big-endian).",
            lesson=lesson,
        )
    conn.log.note(conn.actor, f"got close {code}")
    try:
        conn.expect_eof(timeout=scaled(WAIT), what="after the close frames, the server closes TCP")
    except StageFailed as exc:
        if "reset" not in exc.message or code != 1002:
            exc.rule = "After the close frames the server closes the TCP connection first"
            exc.rfc = "RFC 6455 §7.1.1"
            raise
        conn.log.note(conn.actor, "the program reset the connection (fine after a 1002)")


LAB = Lab(
    name="websocket-server",
    title="a WebSocket echo server, raw socket",
    kind="server",
    lesson="websocket",
    stages=(
        Stage(
            "upgrade",
            "101 with the right accept for a random key",
            upgrade,
            5.0,
            "websocket#accept",
        ),
        Stage(
            "bad-handshake",
            "400 or 426 for a bad handshake",
            bad_handshake,
            5.0,
            "websocket#handshake",
        ),
        Stage(
            "unmasking", "a masked message is echoed unmasked", unmasking, 5.0, "websocket#masking"
        ),
        Stage(
            "fragmented",
            "a fragmented message is echoed as one",
            fragmented,
            5.0,
            "websocket#binary",
        ),
        Stage("ping", "pong to ping, same payload", ping, 5.0, "websocket#control-frames"),
        Stage(
            "protocol-error",
            "an unmasked client frame is closed with 1002",
            protocol_error,
            5.0,
            "websocket#frame-failures",
        ),
        Stage("close", "the close handshake", close, 5.0, "websocket#close"),
    ),
    starters=("python", "js"),
)
