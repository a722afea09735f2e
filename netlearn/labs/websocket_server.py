"""Lab websocket-server: a WebSocket echo server on a raw socket (RFC 6455), checked byte by byte.

netlearn is the client. Stages: the upgrade (101 and the right accept for a random key); a bad
handshake (400, or 426 with `Sec-WebSocket-Version: 13` and `Upgrade: websocket`); unmasking
(the echo comes back unmasked, with a minimal length field); a fragmented message echoed as one;
pong to ping; an unmasked client frame closed with 1002; the close handshake. The handshake checks
are in `ws_response`, the frame checks in `ws_server_frames`; this module runs the stages.
"""

from __future__ import annotations

import base64
import random
import struct

from netlearn.content.words import say
from netlearn.labs.clock import scaled
from netlearn.labs.core import Conn, Lab, Stage, StageContext
from netlearn.labs.words import WORDS
from netlearn.labs.ws_frames import CLOSE, CONT, PING, PONG, TEXT, client_frame, server_frame
from netlearn.labs.ws_handshake import upgrade_request
from netlearn.labs.ws_response import check_101, check_refusal
from netlearn.labs.ws_server_frames import WAIT, expect_close, expect_frame


def _text(rng: random.Random, n_words: int) -> bytes:
    return " ".join(rng.choice(WORDS) for _ in range(n_words)).encode()


def _key(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(16)).decode("ascii")


def read_head(conn: Conn, what: str) -> bytes:
    return conn.recv_until(b"\r\n\r\n", limit=16384, timeout=scaled(WAIT), what=what)


def open_ws(ctx: StageContext, actor: str = "client 1", check: bool = True) -> Conn:
    """Connect and upgrade with a random key; with `check`, verify the 101 byte by byte."""
    key = _key(ctx.rng)
    conn = ctx.connect(actor)
    conn.send(upgrade_request(ctx.host, ctx.port, key))
    head = read_head(conn, "the 101 response")
    if check:
        check_101(head, key)
    return conn


# -- the stages ---------------------------------------------------------------------------
def upgrade(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    ctx.log.note("client 1", say("labs.websocket-server.notes.upgraded"))
    conn.close()


def bad_handshake(ctx: StageContext) -> None:
    for actor, key, version, what in (
        ("client 1", None, "13", "no Sec-WebSocket-Key"),
        ("client 2", _key(ctx.rng), "8", "Sec-WebSocket-Version: 8"),
    ):
        conn = ctx.connect(actor)
        ctx.log.note(actor, say("labs.websocket-server.notes.bad-request", what=what))
        conn.send(upgrade_request(ctx.host, ctx.port, key, version))
        head = read_head(conn, "an error response")
        status = check_refusal(head, key_sent=key is not None)
        ctx.log.note(actor, say("labs.websocket-server.notes.refused", status=status))
        conn.close()


def unmasking(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    for n_words in (ctx.rng.randrange(2, 5), ctx.rng.randrange(40, 60)):
        payload = _text(ctx.rng, n_words)
        mask = ctx.rng.randbytes(4)
        ctx.log.note(
            "client 1",
            say("labs.websocket-server.notes.masked", size=len(payload), key=mask.hex()),
        )
        conn.send(client_frame(TEXT, payload, mask))
        expect_frame(conn, TEXT, payload, "the echo", "websocket#masking")
        ctx.log.note("client 1", say("labs.websocket-server.notes.unmasked"))
    conn.close()


def fragmented(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    parts = [_text(ctx.rng, ctx.rng.randrange(2, 4)) + b" " for _ in range(3)]
    for i, part in enumerate(parts):
        op = TEXT if i == 0 else CONT
        conn.send(client_frame(op, part, ctx.rng.randbytes(4), fin=i == len(parts) - 1))
    ctx.log.note("client 1", say("labs.websocket-server.notes.fragments"))
    expect_frame(
        conn,
        TEXT,
        b"".join(parts),
        "the echo of the whole message",
        "websocket#binary",
        say("labs.websocket-server.causes.fragments-own"),
    )
    conn.close()


def ping(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    payload = ctx.rng.randbytes(ctx.rng.randrange(4, 12))
    conn.send(client_frame(PING, payload, ctx.rng.randbytes(4)))
    ctx.log.note("client 1", say("labs.websocket-server.notes.ping", size=len(payload)))
    expect_frame(
        conn,
        PONG,
        payload,
        "the pong",
        "websocket#control-frames",
        say("labs.websocket-server.causes.pong"),
    )
    conn.close()


def protocol_error(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    conn.send(server_frame(TEXT, _text(ctx.rng, 2)))  # unmasked, as only a server may send
    ctx.log.note("client 1", say("labs.websocket-server.notes.unmasked-sent"))
    expect_close(conn, 1002, "websocket#frame-failures")


def close(ctx: StageContext) -> None:
    conn = open_ws(ctx)
    reason = _text(ctx.rng, 2)
    conn.send(client_frame(CLOSE, struct.pack("!H", 1000) + reason, ctx.rng.randbytes(4)))
    ctx.log.note("client 1", say("labs.websocket-server.notes.close", reason=repr(reason.decode())))
    expect_close(conn, 1000, "websocket#close")


def _stage(key: str, run, lesson: str) -> Stage:  # type: ignore[no-untyped-def]
    return Stage(key, say(f"labs.websocket-server.stages.{key}"), run, 5.0, lesson)


LAB = Lab(
    name="websocket-server",
    title=say("labs.websocket-server.title"),
    kind="server",
    lesson="websocket",
    stages=(
        _stage("upgrade", upgrade, "websocket#accept"),
        _stage("bad-handshake", bad_handshake, "websocket#handshake"),
        _stage("unmasking", unmasking, "websocket#masking"),
        _stage("fragmented", fragmented, "websocket#binary"),
        _stage("ping", ping, "websocket#control-frames"),
        _stage("protocol-error", protocol_error, "websocket#frame-failures"),
        _stage("close", close, "websocket#close"),
    ),
    starters=("python", "js"),
)
