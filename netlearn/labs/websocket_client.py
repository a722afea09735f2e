"""Lab 2, websocket-client: the learner writes a WebSocket client on a raw socket.

For each stage netlearn is the server, on the socket the program connects to: it reads the upgrade
request and checks it byte by byte, answers 101, sends messages (5, 300 and 70,000 bytes, fragments,
a ping between fragments, a close with a random code) and checks every frame the client sends
back: masked, minimal length, one message per message, pong payload, close code. One stage answers
with a wrong Sec-WebSocket-Accept, and the client must send nothing and close. The checks are in
`ws_wire` and `ws_handshake` (pure functions), the talking in `ws_client_session.Session`.
"""

from __future__ import annotations

import base64
import random
import select

from netlearn.content.words import items, say
from netlearn.labs import ws_wire as w
from netlearn.labs.clock import Timer, scaled
from netlearn.labs.core import Lab, Stage, StageContext, StageFailed
from netlearn.labs.ws_client_session import ACTOR, Session

# The messages' words (lessons/labs/websocket-client.toml): a hard-coded answer fails.
WORDS = tuple(items("labs.websocket-client.words"))
UNICODE_WORDS = tuple(items("labs.websocket-client.unicode-words"))
# Close codes a server may send (1005, 1006 and 1015 never appear on the wire, §7.4.1).
CLOSE_CODES = (1001, 1003, 1007, 1008, 1009, 1011)
AFTER_101 = "right after the 101"


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
        wrong = bytearray(base64.b64decode(accept))
        wrong[ctx.rng.randrange(20)] ^= 1 << ctx.rng.randrange(8)
        accept = base64.b64encode(bytes(wrong)).decode("ascii")
        ctx.log.note(ACTOR, say("labs.websocket-client.notes.wrong-accept", accept=accept))
    conn.send(w.switching_protocols(accept))
    return session


# -- the stages -------------------------------------------------------------------------------
def stage_upgrade(ctx: StageContext) -> None:
    session = _open(ctx)
    session.quiet(AFTER_101)


def _echo_stage(ctx: StageContext, opcode: int, message: bytes, note: str) -> None:
    session = _open(ctx)
    session.quiet(AFTER_101)
    session.send(opcode, message, note=note)
    session.expect_echo(opcode, message, (len(message),))
    session.close_handshake(1000)


def stage_short(ctx: StageContext) -> None:
    message = words(ctx.rng, 5)
    note = say("labs.websocket-client.notes.short", message=repr(message.decode()))
    _echo_stage(ctx, w.TEXT, message, note)


def stage_medium(ctx: StageContext) -> None:
    message = words(ctx.rng, 300, unicode=True)
    _echo_stage(ctx, w.TEXT, message, say("labs.websocket-client.notes.medium"))


def stage_long(ctx: StageContext) -> None:
    message = ctx.rng.randbytes(70_000)
    _echo_stage(ctx, w.BINARY, message, say("labs.websocket-client.notes.long"))


def _split(ctx: StageContext, message: bytes, parts: int) -> list[bytes]:
    cuts = sorted(ctx.rng.sample(range(1, len(message)), parts - 1))
    return [message[a:b] for a, b in zip([0, *cuts], [*cuts, len(message)], strict=True)]


def stage_fragmented(ctx: StageContext) -> None:
    message = words(ctx.rng, ctx.rng.randrange(40, 110))
    pieces = _split(ctx, message, 3)
    session = _open(ctx)
    session.quiet(AFTER_101)
    ctx.log.note(
        ACTOR,
        say(
            "labs.websocket-client.notes.fragmented",
            n=len(message),
            sizes=", ".join(str(len(p)) for p in pieces),
        ),
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
    session.quiet(AFTER_101)
    ctx.log.note(ACTOR, say("labs.websocket-client.notes.ping-between", n=len(message)))
    session.send(w.BINARY, pieces[0], fin=False)
    session.send(
        w.PING,
        payload,
        note=say("labs.websocket-client.notes.ping", payload=repr(payload.decode())),
    )
    session.expect_pong(payload)
    session.send(w.CONT, pieces[1], fin=True)
    session.expect_echo(w.BINARY, message, tuple(len(p) for p in pieces))
    session.close_handshake(1000)


def stage_close_code(ctx: StageContext) -> None:
    code = ctx.rng.choice((*CLOSE_CODES, ctx.rng.randrange(3000, 5000)))
    message = words(ctx.rng, ctx.rng.randrange(8, 30))
    session = _open(ctx)
    session.quiet(AFTER_101)
    note = say("labs.websocket-client.notes.text", message=repr(message.decode()))
    session.send(w.TEXT, message, note=note)
    session.expect_echo(w.TEXT, message, (len(message),))
    session.close_handshake(code, ctx.rng.choice(WORDS))


def stage_bad_accept(ctx: StageContext) -> None:
    session = _open(ctx, accept_ok=False)
    message = words(ctx.rng, 5)
    note = say("labs.websocket-client.notes.text-anyway", message=repr(message.decode()))
    session.send(w.TEXT, message, note=note)
    wait = min(ctx.remaining(), scaled(2.0))
    timer = Timer(wait)
    got = bytearray(session.buf)
    while not got:
        left = timer.left()
        if left <= 0:
            raise StageFailed(
                say("labs.websocket-client.bad-accept.still-open", wait=wait),
                expected=say("labs.websocket-client.bad-accept.still-open-expected"),
                rule=say("labs.websocket-client.bad-accept.rule"),
                rfc="RFC 6455 §4.1, §7.1.7",
                cause=w.cause("no-close-after-bad-accept"),
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
            ctx.log.note(ACTOR, say("labs.websocket-client.bad-accept.closed"))
            return
        ctx.log.received(ACTOR, data)
        got += data
    raise StageFailed(
        say("labs.websocket-client.bad-accept.sent", n=len(got)),
        got=bytes(got[:96]),
        offset=0,
        expected=say("labs.websocket-client.bad-accept.sent-expected"),
        rule=say("labs.websocket-client.bad-accept.sent-rule"),
        rfc="RFC 6455 §4.1",
        cause=w.cause("no-accept-check"),
        lesson=w.STEP_ACCEPT,
    )


def _stage(key: str, run, timeout: float, lesson: str, needs_exit: bool = True) -> Stage:  # type: ignore[no-untyped-def]  # fmt: skip
    title = say(f"labs.websocket-client.stages.{key}")
    return Stage(key, title, run, timeout, lesson, needs_exit=needs_exit)


LAB = Lab(
    name="websocket-client",
    title=say("labs.websocket-client.title"),
    kind="client",
    lesson="websocket",
    stages=(
        _stage("upgrade", stage_upgrade, 5.0, w.STEP_HANDSHAKE, needs_exit=False),
        _stage("short-text", stage_short, 5.0, w.STEP_MASKING),
        _stage("medium-text", stage_medium, 5.0, w.STEP_FRAGMENTS),
        _stage("long-binary", stage_long, 6.0, w.STEP_FRAGMENTS),
        _stage("fragmented", stage_fragmented, 5.0, w.STEP_FRAGMENTS),
        _stage("ping-in-fragments", stage_ping, 5.0, w.STEP_PING),
        _stage("close-code", stage_close_code, 5.0, w.STEP_CLOSE),
        _stage("bad-accept", stage_bad_accept, 5.0, w.STEP_ACCEPT, needs_exit=False),
    ),
    starters=("python", "js"),
    url_template="ws://{host}:{port}/lab",
)
