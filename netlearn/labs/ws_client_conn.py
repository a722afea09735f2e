"""netlearn's side of one WebSocket connection in the websocket-client lab, reading and sending.

`ClientConn` reads the learner's upgrade request and checks it (`ws_handshake`), keeps quiet while
the client must, reads each client frame and checks its header (`ws_wire`), and sends server
frames. What a stage expects of the client is `ws_client_session.Session`, built on it. Every wait
is bounded by the stage's deadline.
"""

from __future__ import annotations

import select

from netlearn.content.words import say
from netlearn.labs import ws_wire as w
from netlearn.labs.clock import Timer
from netlearn.labs.core import Conn, StageContext, StageFailed
from netlearn.labs.ws_frames import head_size

ACTOR = "server"
QUIET = 0.3  # seconds netlearn listens before it speaks: a client must not talk first
MAX_FRAME = 1 << 20  # no echo in this lab is longer


class ClientConn:
    """One connection from the program: netlearn's side of the WebSocket, bytes in and out."""

    def __init__(self, ctx: StageContext, conn: Conn) -> None:
        self.ctx = ctx
        self.conn = conn
        self.buf = bytearray()

    # -- reading ------------------------------------------------------------------------
    def _more(
        self,
        what: str,
        cause: str = "timeout-echo",
        lesson: str | None = None,
        limit: int = 65536,
    ) -> None:
        """Read at least one more byte (at most `limit`) into buf; StageFailed on timeout or EOF."""
        conn = self.conn
        if conn.pending:
            self.buf += conn.recv_some(limit)
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
        data = conn.recv_some(limit, timeout=max(self.ctx.remaining(), 0.05))
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

    def _head_wanted(self) -> int:
        """How many more bytes complete the next frame's header (at least one)."""
        if len(self.buf) < 2:
            return 2 - len(self.buf)
        return max(head_size(self.buf[1]) - len(self.buf), 1)

    def frame(self, what: str, lesson: str | None = None) -> tuple[w.Head, bytes, bytes]:
        """The next client frame, header checked: (head, raw bytes, header + unmasked payload).

        Reads exactly one frame, header first, then its payload: what the transcript shows as
        received is that frame's bytes, however TCP split the program's writes into reads."""
        while True:
            head = w.parse_head(bytes(self.buf[:14]))
            if head is not None:
                break
            self._more(what, lesson=lesson, limit=self._head_wanted())
        if head.length <= MAX_FRAME:  # the bytes the header check shows: up to 16 of the payload
            while len(self.buf) < head.size + min(head.length, 16):
                self._more(what, lesson=lesson, limit=head.size + head.length - len(self.buf))
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
                limit=head.size + head.length - len(self.buf),
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
