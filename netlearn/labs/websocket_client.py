"""Lab 2, websocket-client: the learner writes a WebSocket client on a raw socket.

For each stage netlearn is the server, on the socket the program connects to: it reads the upgrade
request and checks it byte by byte, answers 101, sends messages (5, 300 and 70,000 bytes, fragments,
a ping between fragments, a close with a random code) and checks every frame the client sends
back: masked, minimal length, one message per message, pong payload, close code. One stage answers
with a wrong Sec-WebSocket-Accept, and the client must send nothing and close. The checks are in
`ws_wire` (pure functions); this module does the talking.
"""

from __future__ import annotations

import random
import select
import struct
import time

from netlearn.labs import ws_wire as w
from netlearn.labs.core import Conn, Lab, Stage, StageContext, StageFailed, scaled

ACTOR = "server"
QUIET = 0.3  # seconds netlearn listens before it speaks: a client must not talk first
MAX_FRAME = 1 << 20  # no echo in this lab is longer

_WORD_TEXT = """
apple anchor bridge candle cobalt delta ember falcon garnet harbor iris jasper kettle lantern maple
nectar orbit pepper quartz raven saffron timber umber velvet walnut yarrow zephyr amber basil cedar
dune fjord glacier hazel indigo juniper kelp lilac meadow
"""
WORDS = tuple(_WORD_TEXT.split())
UNICODE_WORDS = ("café", "naïve", "façade", "smörgås", "jalapeño", "crème", "über")
# Close codes a server may send (1005, 1006 and 1015 never appear on the wire, §7.4.1).
CLOSE_CODES = (1001, 1003, 1007, 1008, 1009, 1011)


def words(rng: random.Random, size: int, unicode: bool = False) -> bytes:
    """Random words, exactly `size` UTF-8 bytes (non-ASCII words too when `unicode`)."""
    out = bytearray()
    pool = WORDS + UNICODE_WORDS if unicode else WORDS
    while len(out) < size:
        word = rng.choice(pool).encode("utf-8")
        piece = (b" " if out else b"") + word
        if len(out) + len(piece) > size:
            filler = rng.choice(WORDS).encode()
            piece = ((b" " if out else b"") + filler * 8)[: size - len(out)]
        out += piece
    return bytes(out)


class Session:
    """One connection from the program: netlearn's side of the WebSocket."""

    def __init__(self, ctx: StageContext, conn: Conn) -> None:
        self.ctx = ctx
        self.conn = conn
        self.buf = bytearray()

    # -- reading ------------------------------------------------------------------------
    def _more(self, what: str, cause: str = "timeout-echo", lesson: str | None = None) -> None:
        """Read at least one more byte into buf; StageFailed on timeout or EOF."""
        conn = self.conn
        if conn.pending:
            self.buf += conn.recv_some()
            return
        wait = self.ctx.remaining()
        ready, _, _ = select.select([conn.sock], [], [], wait)
        if not ready:
            raise StageFailed(
                f"the {ACTOR} waited {wait:.1f} s for {what} and got "
                + (f"{len(self.buf)} bytes of it" if self.buf else "nothing"),
                got=bytes(self.buf) or None,
                cause=w.CAUSES[cause],
                lesson=lesson,
            )
        data = conn.recv_some(timeout=max(self.ctx.remaining(), 0.05))
        if not data:
            raise StageFailed(
                f"the program closed the connection while the {ACTOR} waited for {what}",
                got=bytes(self.buf) or None,
                cause=w.CAUSES["closed-early"],
                lesson=lesson,
            )
        self.buf += data

    def read_request(self, target: str) -> w.Request:
        while True:
            at = self.buf.find(b"\r\n\r\n")
            if at >= 0:
                raw = bytes(self.buf[: at + 4])
                del self.buf[: at + 4]
                break
            bare = self.buf.find(b"\n\n")
            if bare >= 0:
                raise StageFailed(
                    "the request's head ends with \\n\\n, not \\r\\n\\r\\n",
                    got=bytes(self.buf[: bare + 2]),
                    offset=max(self.buf.find(b"\n"), 0),
                    expected="\\r\\n (0d 0a) at the end of every line",
                    rule="HTTP lines end with CRLF, and an empty line ends the head",
                    rfc="RFC 9112 §2.1",
                    cause=w.CAUSES["bare-lf"],
                    lesson=w.STEP_HANDSHAKE,
                )
            if len(self.buf) > 8192:
                raise StageFailed(
                    "8192 bytes and still no end of the request's head (\\r\\n\\r\\n)",
                    got=bytes(self.buf[:256]),
                    rule="The opening handshake is an HTTP request head",
                    rfc="RFC 6455 §4.1",
                    cause=w.CAUSES["method"],
                    lesson=w.STEP_HANDSHAKE,
                )
            self._more("the upgrade request (ending with \\r\\n\\r\\n)", "method", w.STEP_HANDSHAKE)
        checked = w.check_request(raw, self.ctx.host, self.ctx.port, target)
        if isinstance(checked, StageFailed):
            raise checked
        self.ctx.log.note(ACTOR, "the upgrade request is right (RFC 6455 §4.1)")
        return checked

    def quiet(self, after: str, seconds: float = QUIET) -> None:
        """Nothing may arrive for `seconds`: the client speaks only when spoken to."""
        end = time.monotonic() + seconds  # not scaled: it is about the program, not netlearn
        while not self.buf and not self.conn.pending:
            left = end - time.monotonic()
            if left <= 0:
                return
            ready, _, _ = select.select([self.conn.sock], [], [], left)
            if ready:
                data = self.conn.recv_some(timeout=0.05)
                if not data:
                    raise StageFailed(
                        f"the program closed the connection {after}, before netlearn sent any "
                        "message",
                        cause=w.CAUSES["rejected-good-accept"]
                        if "101" in after
                        else w.CAUSES["closed-early"],
                        lesson=w.STEP_ACCEPT if "101" in after else None,
                    )
                self.buf += data
        got = bytes(self.buf) or self.conn.recv_some(timeout=0.05)
        raise StageFailed(
            f"the client sent {len(got)} bytes {after}, before netlearn sent any message: "
            "it answers before it was asked",
            got=got[:96],
            offset=0,
            expected="nothing until a message arrives",
            rule="A client sends frames only to answer what it received (an echo, a pong, a close)",
            cause=w.CAUSES["early"],
        )

    def frame(self, what: str, lesson: str | None = None) -> tuple[w.Head, bytes, bytes]:
        """The next client frame, header checked: (head, raw bytes, header + unmasked payload)."""
        while True:
            head = w.parse_head(bytes(self.buf[:14]))
            if head is not None:
                break
            self._more(what, lesson=lesson)
        problem = w.check_client_head(head, bytes(self.buf[: head.size + 16]))
        if problem is not None:
            raise problem
        if head.length > MAX_FRAME:
            raise StageFailed(
                f"the client's frame announces {head.length} bytes; no message in this lab is "
                f"longer than {MAX_FRAME}",
                got=bytes(self.buf[: head.size]),
                offset=1,
                rule="The length field says how many payload bytes follow",
                rfc="RFC 6455 §5.2",
                cause=w.CAUSES["len-wrong"],
                lesson=w.STEP_FRAMES,
            )
        while len(self.buf) < head.size + head.length:
            self._more(f"the rest of a {head.length}-byte frame ({what})", lesson=lesson)
        raw = bytes(self.buf[: head.size + head.length])
        del self.buf[: head.size + head.length]
        view = raw[: head.size] + w.mask(raw[head.size :], head.key)
        name = w.OPCODE_NAMES[head.opcode]
        self.ctx.log.note(
            ACTOR,
            f"got a {name} frame, FIN={int(head.fin)}, {head.length} bytes, masked with "
            f"{head.key.hex(' ')}",
        )
        return head, raw, view

    # -- sending ------------------------------------------------------------------------
    def send(self, opcode: int, payload: bytes, fin: bool = True, note: str = "") -> None:
        name = w.OPCODE_NAMES[opcode]
        self.ctx.log.note(
            ACTOR, note or f"sends a {name} frame, FIN={int(fin)}, {len(payload)} bytes"
        )
        self.conn.send(w.server_frame(opcode, payload, fin))

    # -- what a stage expects -----------------------------------------------------------
    def expect_echo(self, opcode: int, message: bytes, fragments: tuple[int, ...]) -> None:
        """The client's echo of `message`: one message (maybe fragmented by the client)."""
        kind = w.OPCODE_NAMES[opcode]
        what = f"the echo of the {len(message)}-byte {kind} message"
        got = bytearray()
        started = False
        while True:
            head, raw, view = self.frame(what)
            if head.opcode == w.PONG:
                self.ctx.log.note(ACTOR, "(an unasked pong: allowed, ignored)")
                continue
            if head.control:
                if head.opcode == w.CLOSE:
                    raise self._fail(
                        f"the client sent a close frame instead of {what}",
                        view,
                        0,
                        f"0x{0x80 | opcode:02x} (a {kind} frame)",
                        "timeout-echo",
                        w.STEP_FRAGMENTS,
                        rule="The client echoes every message it receives",
                    )
                raise self._fail(
                    "the client sent a ping; in this lab only the server pings",
                    view,
                    0,
                    f"0x{0x80 | opcode:02x} (a {kind} frame)",
                    "opcode",
                    w.STEP_PING,
                )
            if not started:
                if head.opcode == w.CONT:
                    raise self._fail(
                        "a continuation frame (opcode 0) with no message started",
                        view,
                        0,
                        f"0x{0x80 | opcode:02x} (FIN=1, {kind}) or 0x{opcode:02x} (FIN=0, {kind})",
                        "cont-without-start",
                        w.STEP_FRAGMENTS,
                        rule="A fragmented message starts with a text or binary frame",
                        rfc="RFC 6455 §5.4",
                    )
                if head.opcode != opcode:
                    raise self._fail(
                        f"the echo is a {w.OPCODE_NAMES[head.opcode]} message, but netlearn sent "
                        f"a {kind} message",
                        view,
                        0,
                        f"opcode {opcode} ({kind}): 0x{0x80 | opcode:02x} for a whole message",
                        "wrong-type",
                        w.STEP_FRAMES,
                        rule="The echo has the type of the message it echoes",
                    )
                started = True
            elif head.opcode != w.CONT:
                raise self._fail(
                    f"a new {w.OPCODE_NAMES[head.opcode]} frame while the client's own fragmented "
                    "echo is unfinished",
                    view,
                    0,
                    "opcode 0 (continuation)",
                    "cont-without-start",
                    w.STEP_FRAGMENTS,
                    rule="The fragments of one message are never interleaved with another message",
                    rfc="RFC 6455 §5.4",
                )
            if len(got) + head.length > len(message) or (
                head.fin and len(got) + head.length != len(message)
            ):
                cause = w.length_cause(head.length, len(message), fragments)
                if got:
                    cause = "len-wrong"
                total = len(got) + head.length
                raise self._fail(
                    f"the echo's length field says {head.length} bytes"
                    + (f" ({total} with the frames before)" if got else "")
                    + f", but the message netlearn sent has {len(message)} bytes"
                    + (f" in {len(fragments)} fragments" if len(fragments) > 1 else ""),
                    view,
                    1,
                    _length_words(len(message) - len(got)),
                    cause,
                    w.STEP_FRAGMENTS if cause == "fragments-separately" else w.STEP_FRAMES,
                    rule="A message is echoed whole"
                    if cause == "fragments-separately"
                    else "The payload length is 7 bits (0-125), or 126 + 16 bits, or 127 + 64 "
                    "bits, whichever is shortest",
                    rfc="RFC 6455 §5.4" if cause == "fragments-separately" else "RFC 6455 §5.2",
                )
            start = len(got)
            got += view[head.size :]
            wrong = w.first_difference(bytes(got[start:]), message[start : len(got)])
            if wrong is not None:
                plain = raw[head.size :] == message[start : len(got)]
                raise self._fail(
                    f"byte {start + wrong} of the echo (unmasked) is "
                    f"0x{got[start + wrong]:02x}, netlearn sent 0x{message[start + wrong]:02x}",
                    view,
                    head.size + wrong,
                    f"0x{message[start + wrong]:02x}",
                    "not-xored" if plain else "bad-xor",
                    w.STEP_MASKING,
                    rule="The server unmasks byte i with key[i % 4]; the echo equals the message",
                    rfc="RFC 6455 §5.3",
                    shown="payload shown unmasked",
                )
            if head.fin:
                self.ctx.log.note(ACTOR, f"the echo is right ({len(message)} bytes, one message)")
                return

    def expect_pong(self, payload: bytes) -> None:
        what = "a pong to the ping"
        while True:
            try:
                head, raw, view = self.frame(what, w.STEP_PING)
            except StageFailed as exc:
                if exc.cause == w.CAUSES["timeout-echo"]:
                    exc.cause = w.CAUSES["ping-mid-message"]
                    exc.lesson = w.STEP_PING
                raise
            if head.opcode == w.PONG:
                break
            if head.opcode in (w.TEXT, w.BINARY, w.CONT):
                raise self._fail(
                    f"the client sent a {w.OPCODE_NAMES[head.opcode]} frame before the pong, "
                    "while netlearn's message was still unfinished",
                    view,
                    0,
                    "0x8a (a pong)",
                    "fragments-separately" if head.opcode != w.CONT else "ping-mid-message",
                    w.STEP_PING,
                    rule="A ping is answered with a pong as soon as practical",
                    rfc="RFC 6455 §5.5.2",
                )
            raise self._fail(
                f"the client answered the ping with a {w.OPCODE_NAMES[head.opcode]} frame",
                view,
                0,
                "0x8a (a pong)",
                "no-pong",
                w.STEP_PING,
                rule="An endpoint MUST send a Pong frame in response to a Ping frame",
                rfc="RFC 6455 §5.5.2",
            )
        wrong = w.first_difference(view[head.size :], payload)
        if wrong is not None:
            raise self._fail(
                f"the pong's payload is {head.length} bytes "
                f"({view[head.size :][:32].hex(' ') or 'empty'}), the ping's was {len(payload)} "
                f"({payload.hex(' ')})",
                view,
                head.size + wrong if head.length else 1,
                f"the ping's payload: {payload.hex(' ')}",
                "pong-payload",
                w.STEP_PING,
                rule="A Pong sent in response to a Ping MUST have the same Application data",
                rfc="RFC 6455 §5.5.3",
                shown="payload shown unmasked",
            )
        self.ctx.log.note(ACTOR, "the pong carries the ping's payload")

    def close_handshake(self, code: int, reason: str = "") -> None:
        """netlearn closes with `code`; the client answers with that code; netlearn closes TCP."""
        self.send(
            w.CLOSE,
            w.close_payload(code, reason),
            note=f"sends a close frame, code {code}" + (f" ({reason!r})" if reason else ""),
        )
        what = f"the close frame answering code {code}"
        while True:
            try:
                head, raw, view = self.frame(what, w.STEP_CLOSE)
            except StageFailed as exc:
                if exc.cause in (w.CAUSES["timeout-echo"], w.CAUSES["closed-early"]):
                    exc.cause = w.CAUSES["no-close-reply"]
                    exc.lesson = w.STEP_CLOSE
                    exc.rule = "An endpoint that receives a Close frame MUST send a Close frame "
                    "in response"
                    exc.rfc = "RFC 6455 §5.5.1"
                raise
            if head.opcode != w.PONG:
                break
        if head.opcode != w.CLOSE:
            raise self._fail(
                f"the client sent a {w.OPCODE_NAMES[head.opcode]} frame after netlearn's close",
                view,
                0,
                "0x88 (a close frame)",
                "no-close-reply",
                w.STEP_CLOSE,
                rule="After a Close frame, the other side answers with a Close frame, and sends "
                "no more data",
                rfc="RFC 6455 §5.5.1",
            )
        if head.length < 2:
            raise self._fail(
                f"the client's close frame has {head.length} bytes of payload: no status code",
                view,
                1,
                f"0x82: 2 bytes, the code {code} ({struct.pack('!H', code).hex(' ')})",
                "close-no-code",
                w.STEP_CLOSE,
                rule="When answering a Close, an endpoint typically echoes the status code it "
                "received; this lab requires it",
                rfc="RFC 6455 §5.5.1, §7.4",
            )
        got = struct.unpack("!H", view[head.size : head.size + 2])[0]
        if got != code:
            raise self._fail(
                f"the client's close frame says code {got}, netlearn sent {code}",
                view,
                head.size + (0 if view[head.size] != code >> 8 else 1),
                f"{struct.pack('!H', code).hex(' ')} (code {code})",
                "close-code",
                w.STEP_CLOSE,
                rule="The answering Close echoes the status code it received",
                rfc="RFC 6455 §5.5.1, §7.4",
                shown="payload shown unmasked",
            )
        self.ctx.log.note(ACTOR, f"the close answer carries code {code}; closes TCP first (§7.1.1)")
        self.conn.close()

    def _fail(self, message: str, view: bytes, offset: int, expected: str, cause: str,
              lesson: str, *, rule: str, rfc: str = "RFC 6455 §5.2",
              shown: str = "") -> StageFailed:  # fmt: skip
        got, at, note = w.window(view, offset)
        extra = "; ".join(x for x in (shown, note.strip(" ()")) if x)
        return StageFailed(
            message + (f" ({extra})" if extra else ""),
            got=got,
            offset=at,
            expected=expected,
            rule=rule,
            rfc=rfc,
            cause=w.CAUSES[cause],
            lesson=lesson,
        )


def _length_words(n: int) -> str:
    if n <= 125:
        return f"0x{0x80 | n:02x}: MASK + the length {n}"
    if n <= 0xFFFF:
        return f"0xfe (MASK + 126), then {struct.pack('!H', n).hex(' ')} ({n})"
    return f"0xff (MASK + 127), then {struct.pack('!Q', n).hex(' ')} ({n})"


def _target(ctx: StageContext) -> str:
    url = ctx.url or ""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def _open(ctx: StageContext, accept_ok: bool = True) -> Session:
    conn = ctx.accept(ACTOR)
    session = Session(ctx, conn)
    req = session.read_request(_target(ctx))
    key = req.headers["sec-websocket-key"][0]
    accept = w.accept_for(key)
    if not accept_ok:
        wrong = bytearray(w.base64.b64decode(accept))
        wrong[ctx.rng.randrange(20)] ^= 1 << ctx.rng.randrange(8)
        accept = w.base64.b64encode(bytes(wrong)).decode("ascii")
        ctx.log.note(ACTOR, f"answers 101 with a WRONG Sec-WebSocket-Accept, {accept}")
    conn.send(w.switching_protocols(accept))
    return session


# -- the stages -------------------------------------------------------------------------------
def stage_upgrade(ctx: StageContext) -> None:
    session = _open(ctx)
    session.quiet("right after the 101")


def _echo_stage(ctx: StageContext, opcode: int, message: bytes, note: str) -> None:
    session = _open(ctx)
    session.quiet("right after the 101")
    session.send(opcode, message, note=note)
    session.expect_echo(opcode, message, (len(message),))
    session.close_handshake(1000)


def stage_short(ctx: StageContext) -> None:
    message = words(ctx.rng, 5)
    _echo_stage(ctx, w.TEXT, message, f"sends a 5-byte text message, {message.decode()!r}")


def stage_medium(ctx: StageContext) -> None:
    message = words(ctx.rng, 300, unicode=True)
    _echo_stage(ctx, w.TEXT, message, "sends a 300-byte text message (16-bit length, UTF-8)")


def stage_long(ctx: StageContext) -> None:
    message = ctx.rng.randbytes(70_000)
    _echo_stage(ctx, w.BINARY, message, "sends a 70,000-byte binary message (64-bit length)")


def _split(ctx: StageContext, message: bytes, parts: int) -> list[bytes]:
    cuts = sorted(ctx.rng.sample(range(1, len(message)), parts - 1))
    return [message[a:b] for a, b in zip([0, *cuts], [*cuts, len(message)], strict=True)]


def stage_fragmented(ctx: StageContext) -> None:
    message = words(ctx.rng, ctx.rng.randrange(40, 110))
    pieces = _split(ctx, message, 3)
    session = _open(ctx)
    session.quiet("right after the 101")
    ctx.log.note(
        ACTOR,
        f"sends a {len(message)}-byte text message in 3 fragments of "
        f"{', '.join(str(len(p)) for p in pieces)} bytes",
    )
    for i, piece in enumerate(pieces):
        session.send(w.TEXT if i == 0 else w.CONT, piece, fin=i == len(pieces) - 1)
    session.expect_echo(w.TEXT, message, tuple(len(p) for p in pieces))
    session.close_handshake(1000)


def stage_ping(ctx: StageContext) -> None:
    message = ctx.rng.randbytes(ctx.rng.randrange(60, 120))
    pieces = _split(ctx, message, 2)
    payload = words(ctx.rng, ctx.rng.randrange(6, 14))
    session = _open(ctx)
    session.quiet("right after the 101")
    ctx.log.note(
        ACTOR, f"sends a {len(message)}-byte binary message in 2 fragments, a ping in between"
    )
    session.send(w.BINARY, pieces[0], fin=False)
    session.send(w.PING, payload, note=f"sends a ping, payload {payload.decode()!r}")
    session.expect_pong(payload)
    session.send(w.CONT, pieces[1], fin=True)
    session.expect_echo(w.BINARY, message, tuple(len(p) for p in pieces))
    session.close_handshake(1000)


def stage_close_code(ctx: StageContext) -> None:
    code = ctx.rng.choice((*CLOSE_CODES, ctx.rng.randrange(3000, 5000)))
    message = words(ctx.rng, ctx.rng.randrange(8, 30))
    session = _open(ctx)
    session.quiet("right after the 101")
    session.send(w.TEXT, message, note=f"sends a text message, {message.decode()!r}")
    session.expect_echo(w.TEXT, message, (len(message),))
    session.close_handshake(code, ctx.rng.choice(WORDS))


def stage_bad_accept(ctx: StageContext) -> None:
    session = _open(ctx, accept_ok=False)
    message = words(ctx.rng, 5)
    session.send(w.TEXT, message, note=f"sends a text message anyway, {message.decode()!r}")
    wait = min(ctx.remaining(), scaled(2.0))
    end = time.monotonic() + wait
    got = bytearray(session.buf)
    while not got:
        left = end - time.monotonic()
        if left <= 0:
            raise StageFailed(
                f"the connection was still open {wait:.1f} s after a 101 with a wrong "
                "Sec-WebSocket-Accept",
                expected="the client closes the TCP connection",
                rule="If the Sec-WebSocket-Accept value is not the expected value, the client "
                "MUST Fail the WebSocket Connection",
                rfc="RFC 6455 §4.1, §7.1.7",
                cause=w.CAUSES["no-close-after-bad-accept"],
                lesson=w.STEP_ACCEPT,
            )
        ready, _, _ = select.select([session.conn.sock], [], [], left)
        if not ready:
            continue
        try:  # the raw socket: a close with our message unread is a RST, not a FIN
            data = session.conn.sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            ctx.log.note(ACTOR, "the client closed the connection without a frame: right")
            return
        ctx.log.received(ACTOR, data)
        got += data
    raise StageFailed(
        f"the client sent {len(got)} bytes after a 101 with a wrong Sec-WebSocket-Accept",
        got=bytes(got[:96]),
        offset=0,
        expected="no frame: the client closes the connection",
        rule="If the Sec-WebSocket-Accept value is not the expected value, the client MUST Fail "
        "the WebSocket Connection (close it, send nothing)",
        rfc="RFC 6455 §4.1",
        cause=w.CAUSES["no-accept-check"],
        lesson=w.STEP_ACCEPT,
    )


LAB = Lab(
    name="websocket-client",
    title="A WebSocket client on a raw socket (RFC 6455)",
    kind="client",
    lesson="websocket",
    stages=(
        Stage("upgrade", "the upgrade request, answered 101", stage_upgrade, 5.0, w.STEP_HANDSHAKE),
        Stage(
            "short-text",
            "echo a 5-byte text message (7-bit length), then close",
            stage_short,
            5.0,
            w.STEP_MASKING,
            needs_exit=True,
        ),
        Stage(
            "medium-text",
            "echo a 300-byte text message (16-bit length)",
            stage_medium,
            5.0,
            w.STEP_FRAGMENTS,
            needs_exit=True,
        ),
        Stage(
            "long-binary",
            "echo a 70,000-byte binary message (64-bit length)",
            stage_long,
            6.0,
            w.STEP_FRAGMENTS,
            needs_exit=True,
        ),
        Stage(
            "fragmented",
            "echo a message sent in 3 fragments, as one message",
            stage_fragmented,
            5.0,
            w.STEP_FRAGMENTS,
            needs_exit=True,
        ),
        Stage(
            "ping-in-fragments",
            "a ping between two fragments: pong at once, then the echo",
            stage_ping,
            5.0,
            w.STEP_PING,
            needs_exit=True,
        ),
        Stage(
            "close-code",
            "a close with a random code: answer with the same code, exit 0",
            stage_close_code,
            5.0,
            w.STEP_CLOSE,
            needs_exit=True,
        ),
        Stage(
            "bad-accept",
            "a wrong Sec-WebSocket-Accept: send nothing, close",
            stage_bad_accept,
            5.0,
            w.STEP_ACCEPT,
        ),
    ),
    starters=("python", "js"),
    url_template="ws://{host}:{port}/lab",
)
