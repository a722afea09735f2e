"""What a websocket-client stage expects of the learner's client: an echo, a pong, the close.

`Session` is netlearn's side of one connection (`ws_client_conn.ClientConn`) plus the checks of
each answer the client owes: one echo per message (however the client fragments it), a pong with
the ping's payload at once, a close frame with the code it received.
"""

from __future__ import annotations

import struct

from netlearn.content.words import say
from netlearn.labs import ws_wire as w
from netlearn.labs.core import StageFailed
from netlearn.labs.ws_client_conn import ACTOR, ClientConn

__all__ = ["ACTOR", "Session"]


class Session(ClientConn):
    """netlearn's side of the WebSocket, with what each stage expects of the client."""

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


def _length_words(n: int) -> str:
    if n <= 125:
        return f"0x{0x80 | n:02x}: MASK + the length {n}"
    if n <= 0xFFFF:
        return f"0xfe (MASK + 126), then {struct.pack('!H', n).hex(' ')} ({n})"
    return f"0xff (MASK + 127), then {struct.pack('!Q', n).hex(' ')} ({n})"
