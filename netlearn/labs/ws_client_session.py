"""netlearn's side of one WebSocket connection in the websocket-client lab: the server's `Session`.

It reads the learner's upgrade request and checks it (`ws_handshake`), keeps quiet while the client
must, reads each client frame and checks its header (`ws_wire`), and says what a stage expects: an
echo, a pong, the close handshake. Every wait is bounded by the stage's deadline.
"""

from __future__ import annotations

import select
import struct

from netlearn.content.words import say
from netlearn.labs import ws_wire as w
from netlearn.labs.clock import Timer
from netlearn.labs.core import Conn, StageContext, StageFailed

ACTOR = "server"
QUIET = 0.3  # seconds netlearn listens before it speaks: a client must not talk first
MAX_FRAME = 1 << 20  # no echo in this lab is longer


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
                say(
                    "labs.websocket-client.session.waited-some",
                    actor=ACTOR,
                    wait=wait,
                    what=what,
                    n=len(self.buf),
                )
                if self.buf
                else say(
                    "labs.websocket-client.session.waited-none", actor=ACTOR, wait=wait, what=what
                ),
                got=bytes(self.buf) or None,
                cause=w.cause(cause),
                lesson=lesson,
            )
        data = conn.recv_some(timeout=max(self.ctx.remaining(), 0.05))
        if not data:
            raise StageFailed(
                say("labs.websocket-client.session.closed-waiting", actor=ACTOR, what=what),
                got=bytes(self.buf) or None,
                cause=w.cause("closed-early"),
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
                    say("labs.websocket-client.session.bare-lf"),
                    got=bytes(self.buf[: bare + 2]),
                    offset=max(self.buf.find(b"\n"), 0),
                    expected=say("labs.websocket-client.session.bare-lf-expected"),
                    rule=say("labs.websocket-client.session.bare-lf-rule"),
                    rfc="RFC 9112 §2.1",
                    cause=w.cause("bare-lf"),
                    lesson=w.STEP_HANDSHAKE,
                )
            if len(self.buf) > 8192:
                raise StageFailed(
                    say("labs.websocket-client.session.head-too-long"),
                    got=bytes(self.buf[:256]),
                    rule=say("labs.websocket-client.session.head-too-long-rule"),
                    rfc="RFC 6455 §4.1",
                    cause=w.cause("method"),
                    lesson=w.STEP_HANDSHAKE,
                )
            self._more(
                say("labs.websocket-client.session.request-what"), "method", w.STEP_HANDSHAKE
            )
        checked = w.check_request(raw, self.ctx.host, self.ctx.port, target)
        if isinstance(checked, StageFailed):
            raise checked
        self.ctx.log.note(ACTOR, say("labs.websocket-client.session.request-right"))
        return checked

    def quiet(self, after: str, seconds: float = QUIET) -> None:
        """Nothing may arrive for `seconds`: the client speaks only when spoken to."""
        timer = Timer(seconds)  # not scaled: it is about the program, not netlearn
        while not self.buf and not self.conn.pending:
            left = timer.left()
            if left <= 0:
                return
            ready, _, _ = select.select([self.conn.sock], [], [], left)
            if ready:
                data = self.conn.recv_some(timeout=0.05)
                if not data:
                    raise StageFailed(
                        say("labs.websocket-client.session.closed-before", after=after),
                        cause=w.cause("rejected-good-accept")
                        if "101" in after
                        else w.cause("closed-early"),
                        lesson=w.STEP_ACCEPT if "101" in after else None,
                    )
                self.buf += data
        got = bytes(self.buf) or self.conn.recv_some(timeout=0.05)
        raise StageFailed(
            say("labs.websocket-client.session.early", n=len(got), after=after),
            got=got[:96],
            offset=0,
            expected=say("labs.websocket-client.session.early-expected"),
            rule=say("labs.websocket-client.session.early-rule"),
            cause=w.cause("early"),
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
                say("labs.websocket-client.session.too-long", n=head.length, most=MAX_FRAME),
                got=bytes(self.buf[: head.size]),
                offset=1,
                rule=say("labs.websocket-client.session.too-long-rule"),
                rfc="RFC 6455 §5.2",
                cause=w.cause("len-wrong"),
                lesson=w.STEP_FRAMES,
            )
        while len(self.buf) < head.size + head.length:
            self._more(
                say("labs.websocket-client.session.frame-rest", n=head.length, what=what),
                lesson=lesson,
            )
        raw = bytes(self.buf[: head.size + head.length])
        del self.buf[: head.size + head.length]
        view = raw[: head.size] + w.mask(raw[head.size :], head.key)
        name = w.OPCODE_NAMES[head.opcode]
        self.ctx.log.note(
            ACTOR,
            say(
                "labs.websocket-client.session.got-frame",
                kind=name,
                fin=int(head.fin),
                n=head.length,
                key=head.key.hex(" "),
            ),
        )
        return head, raw, view

    # -- sending ------------------------------------------------------------------------
    def send(self, opcode: int, payload: bytes, fin: bool = True, note: str = "") -> None:
        name = w.OPCODE_NAMES[opcode]
        self.ctx.log.note(
            ACTOR,
            note
            or say(
                "labs.websocket-client.session.sends-frame", kind=name, fin=int(fin), n=len(payload)
            ),
        )
        self.conn.send(w.server_frame(opcode, payload, fin))

    # -- what a stage expects -----------------------------------------------------------
    def expect_echo(self, opcode: int, message: bytes, fragments: tuple[int, ...]) -> None:
        """The client's echo of `message`: one message (maybe fragmented by the client)."""
        kind = w.OPCODE_NAMES[opcode]
        what = say("labs.websocket-client.session.echo-what", n=len(message), kind=kind)
        got = bytearray()
        started = False
        while True:
            head, raw, view = self.frame(what)
            if head.opcode == w.PONG:
                self.ctx.log.note(ACTOR, say("labs.websocket-client.session.unasked-pong"))
                continue
            if head.control:
                if head.opcode == w.CLOSE:
                    raise self._fail(
                        say("labs.websocket-client.session.close-instead", what=what),
                        view,
                        0,
                        say("labs.websocket-client.session.a-frame", byte=0x80 | opcode, kind=kind),
                        "timeout-echo",
                        w.STEP_FRAGMENTS,
                        rule=say("labs.websocket-client.session.close-instead-rule"),
                    )
                raise self._fail(
                    say("labs.websocket-client.session.client-ping"),
                    view,
                    0,
                    say("labs.websocket-client.session.a-frame", byte=0x80 | opcode, kind=kind),
                    "opcode",
                    w.STEP_PING,
                )
            if not started:
                if head.opcode == w.CONT:
                    raise self._fail(
                        say("labs.websocket-client.session.cont-first"),
                        view,
                        0,
                        say(
                            "labs.websocket-client.session.cont-first-expected",
                            whole=0x80 | opcode,
                            part=opcode,
                            kind=kind,
                        ),
                        "cont-without-start",
                        w.STEP_FRAGMENTS,
                        rule=say("labs.websocket-client.session.cont-first-rule"),
                        rfc="RFC 6455 §5.4",
                    )
                if head.opcode != opcode:
                    raise self._fail(
                        say(
                            "labs.websocket-client.session.wrong-type",
                            got=w.OPCODE_NAMES[head.opcode],
                            kind=kind,
                        ),
                        view,
                        0,
                        say(
                            "labs.websocket-client.session.wrong-type-expected",
                            opcode=opcode,
                            kind=kind,
                            byte=0x80 | opcode,
                        ),
                        "wrong-type",
                        w.STEP_FRAMES,
                        rule=say("labs.websocket-client.session.wrong-type-rule"),
                    )
                started = True
            elif head.opcode != w.CONT:
                raise self._fail(
                    say(
                        "labs.websocket-client.session.interleaved",
                        kind=w.OPCODE_NAMES[head.opcode],
                    ),
                    view,
                    0,
                    "opcode 0 (continuation)",
                    "cont-without-start",
                    w.STEP_FRAGMENTS,
                    rule=say("labs.websocket-client.session.interleaved-rule"),
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
                    say(
                        "labs.websocket-client.session.echo-length",
                        n=head.length,
                        before=say("labs.websocket-client.session.echo-length-before", total=total)
                        if got
                        else "",
                        size=len(message),
                        parts=say(
                            "labs.websocket-client.session.echo-length-parts", count=len(fragments)
                        )
                        if len(fragments) > 1
                        else "",
                    ),
                    view,
                    1,
                    _length_words(len(message) - len(got)),
                    cause,
                    w.STEP_FRAGMENTS if cause == "fragments-separately" else w.STEP_FRAMES,
                    rule=say("labs.websocket-client.session.echo-whole-rule")
                    if cause == "fragments-separately"
                    else say("labs.websocket-client.session.length-rule"),
                    rfc="RFC 6455 §5.4" if cause == "fragments-separately" else "RFC 6455 §5.2",
                )
            start = len(got)
            got += view[head.size :]
            wrong = w.first_difference(bytes(got[start:]), message[start : len(got)])
            if wrong is not None:
                plain = raw[head.size :] == message[start : len(got)]
                raise self._fail(
                    say(
                        "labs.websocket-client.session.echo-byte",
                        at=start + wrong,
                        got=got[start + wrong],
                        want=message[start + wrong],
                    ),
                    view,
                    head.size + wrong,
                    f"0x{message[start + wrong]:02x}",
                    "not-xored" if plain else "bad-xor",
                    w.STEP_MASKING,
                    rule=say("labs.websocket-client.session.echo-byte-rule"),
                    rfc="RFC 6455 §5.3",
                    shown=say("labs.websocket-client.session.shown-unmasked"),
                )
            if head.fin:
                self.ctx.log.note(
                    ACTOR, say("labs.websocket-client.session.echo-right", n=len(message))
                )
                return

    def expect_pong(self, payload: bytes) -> None:
        what = say("labs.websocket-client.session.pong-what")
        while True:
            try:
                head, raw, view = self.frame(what, w.STEP_PING)
            except StageFailed as exc:
                if exc.cause == w.cause("timeout-echo"):
                    exc.cause = w.cause("ping-mid-message")
                    exc.lesson = w.STEP_PING
                raise
            if head.opcode == w.PONG:
                break
            if head.opcode in (w.TEXT, w.BINARY, w.CONT):
                raise self._fail(
                    say(
                        "labs.websocket-client.session.before-pong",
                        kind=w.OPCODE_NAMES[head.opcode],
                    ),
                    view,
                    0,
                    "0x8a (a pong)",
                    "fragments-separately" if head.opcode != w.CONT else "ping-mid-message",
                    w.STEP_PING,
                    rule=say("labs.websocket-client.session.before-pong-rule"),
                    rfc="RFC 6455 §5.5.2",
                )
            raise self._fail(
                say("labs.websocket-client.session.not-pong", kind=w.OPCODE_NAMES[head.opcode]),
                view,
                0,
                "0x8a (a pong)",
                "no-pong",
                w.STEP_PING,
                rule=say("labs.websocket-client.session.not-pong-rule"),
                rfc="RFC 6455 §5.5.2",
            )
        wrong = w.first_difference(view[head.size :], payload)
        if wrong is not None:
            raise self._fail(
                say(
                    "labs.websocket-client.session.pong-payload",
                    n=head.length,
                    got=view[head.size :][:32].hex(" ") or "empty",
                    size=len(payload),
                    want=payload.hex(" "),
                ),
                view,
                head.size + wrong if head.length else 1,
                say("labs.websocket-client.session.pong-payload-expected", want=payload.hex(" ")),
                "pong-payload",
                w.STEP_PING,
                rule=say("labs.websocket-client.session.pong-payload-rule"),
                rfc="RFC 6455 §5.5.3",
                shown=say("labs.websocket-client.session.shown-unmasked"),
            )
        self.ctx.log.note(ACTOR, say("labs.websocket-client.session.pong-right"))

    def close_handshake(self, code: int, reason: str = "") -> None:
        """netlearn closes with `code`; the client answers with that code; netlearn closes TCP."""
        self.send(
            w.CLOSE,
            w.close_payload(code, reason),
            note=say(
                "labs.websocket-client.session.sends-close-reason", code=code, reason=repr(reason)
            )
            if reason
            else say("labs.websocket-client.session.sends-close", code=code),
        )
        what = say("labs.websocket-client.session.close-what", code=code)
        while True:
            try:
                head, raw, view = self.frame(what, w.STEP_CLOSE)
            except StageFailed as exc:
                if exc.cause in (w.cause("timeout-echo"), w.cause("closed-early")):
                    exc.cause = w.cause("no-close-reply")
                    exc.lesson = w.STEP_CLOSE
                    exc.rule = say("labs.websocket-client.session.no-close-rule")
                    exc.rfc = "RFC 6455 §5.5.1"
                raise
            if head.opcode != w.PONG:
                break
        if head.opcode != w.CLOSE:
            raise self._fail(
                say("labs.websocket-client.session.after-close", kind=w.OPCODE_NAMES[head.opcode]),
                view,
                0,
                "0x88 (a close frame)",
                "no-close-reply",
                w.STEP_CLOSE,
                rule=say("labs.websocket-client.session.after-close-rule"),
                rfc="RFC 6455 §5.5.1",
            )
        if head.length < 2:
            raise self._fail(
                say("labs.websocket-client.session.close-no-code", n=head.length),
                view,
                1,
                say(
                    "labs.websocket-client.session.close-no-code-expected",
                    code=code,
                    hex=struct.pack("!H", code).hex(" "),
                ),
                "close-no-code",
                w.STEP_CLOSE,
                rule=say("labs.websocket-client.session.close-no-code-rule"),
                rfc="RFC 6455 §5.5.1, §7.4",
            )
        got = struct.unpack("!H", view[head.size : head.size + 2])[0]
        if got != code:
            raise self._fail(
                say("labs.websocket-client.session.close-code", got=got, want=code),
                view,
                head.size + (0 if view[head.size] != code >> 8 else 1),
                f"{struct.pack('!H', code).hex(' ')} (code {code})",
                "close-code",
                w.STEP_CLOSE,
                rule=say("labs.websocket-client.session.close-code-rule"),
                rfc="RFC 6455 §5.5.1, §7.4",
                shown=say("labs.websocket-client.session.shown-unmasked"),
            )
        self.ctx.log.note(ACTOR, say("labs.websocket-client.session.close-right", code=code))
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
            cause=w.cause(cause),
            lesson=lesson,
        )


def _length_words(n: int) -> str:
    if n <= 125:
        return f"0x{0x80 | n:02x}: MASK + the length {n}"
    if n <= 0xFFFF:
        return f"0xfe (MASK + 126), then {struct.pack('!H', n).hex(' ')} ({n})"
    return f"0xff (MASK + 127), then {struct.pack('!Q', n).hex(' ')} ({n})"
