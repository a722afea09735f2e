"""Lab tcp-echo: a TCP echo server (RFC 862), graded on real connections.

Stages: a short line; five concurrent clients interleaved; binary safety (zero bytes, no newline,
1 MiB); half-close (the client sends, then shuts down its write side: echo everything, then close);
the server stays up across clients. Every payload is random per seed.
"""

from __future__ import annotations

from netlearn.content.words import say
from netlearn.labs.clock import scaled
from netlearn.labs.core import Lab, Stage, StageContext, StageFailed
from netlearn.labs.echo_exchange import exchange, show
from netlearn.labs.words import WORDS

ECHO_WAIT = 2.0  # seconds (scaled) a client waits for its echo
BIG = 1 << 20  # the binary stage's payload: 1 MiB

RFC_HALF_CLOSE = "RFC 9293 §3.6; RFC 862"

LESSON_STREAM = "tcp#transfer"
LESSON_CLOSE = "tcp#close"


def words(rng, n: int) -> str:  # type: ignore[no-untyped-def]
    return " ".join(rng.choice(WORDS) for _ in range(n))


# -- the stages ---------------------------------------------------------------------------
def short_line(ctx: StageContext) -> None:
    line = f"{words(ctx.rng, 2)} {ctx.rng.randrange(10, 1000)}\n".encode()
    conn = ctx.connect("client 1")
    exchange(conn, line, scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", say("labs.tcp-echo.notes.closed"))


def concurrent(ctx: StageContext) -> None:
    count, rounds = 5, 3
    conns = [ctx.connect(f"client {i + 1}") for i in range(count)]
    parts = [
        [f"{words(ctx.rng, 2)} {i + 1}.{r + 1}\n".encode() for r in range(rounds)]
        for i in range(count)
    ]
    order = list(range(count))
    answered: set[int] = set()
    for r in range(rounds):
        ctx.rng.shuffle(order)
        for i in order:
            try:
                exchange(conns[i], parts[i][r], scaled(ECHO_WAIT))
            except StageFailed as exc:
                if exc.kind == "no-reply" and ctx.program is not None and ctx.program.running():
                    served = sorted(answered)
                    who = (
                        say("labs.tcp-echo.fail.sequential-who", client=served[0] + 1)
                        if served
                        else ""
                    )
                    raise StageFailed(
                        say(
                            "labs.tcp-echo.fail.sequential",
                            client=i + 1,
                            shown=show(parts[i][r]),
                            wait=scaled(ECHO_WAIT),
                            others=count - 1,
                            who=who,
                        ),
                        expected=say(
                            "labs.tcp-echo.fail.sequential-expected", shown=show(parts[i][r])
                        ),
                        rule=say("labs.tcp-echo.rules.concurrent"),
                        rfc="RFC 862",
                        cause=say("labs.tcp-echo.causes.sequential"),
                        lesson=LESSON_STREAM,
                    ) from None
                raise
            answered.add(i)
    for c in conns:
        c.close()
    ctx.log.note("netlearn", say("labs.tcp-echo.notes.all-closed", count=count))


def binary(ctx: StageContext) -> None:
    data = bytearray(ctx.rng.randbytes(BIG))
    # no newline anywhere (a line-based server never sees the end of a line) ...
    for i, b in enumerate(data):
        if b == 0x0A:
            data[i] = 0x0B
    # ... and zero bytes early on, where a C-string server stops
    data[ctx.rng.randrange(8, 40)] = 0
    data[ctx.rng.randrange(100, 200)] = 0
    conn = ctx.connect("client 1")
    ctx.log.note("client 1", say("labs.tcp-echo.notes.binary", size=BIG))
    exchange(conn, bytes(data), scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", say("labs.tcp-echo.notes.binary-done"))


def half_close(ctx: StageContext) -> None:
    size = ctx.rng.randrange(3000, 6000)
    text = b""
    while len(text) < size:
        text += (words(ctx.rng, 6) + "\n").encode()
    conn = ctx.connect("client 1")
    wait = scaled(ECHO_WAIT)
    try:
        exchange(conn, text, wait, half_close=True, then_eof=True)
    except StageFailed as exc:
        got = exc.got or b""
        if conn.eof and len(got) < len(text) and exc.offset == len(got):
            raise StageFailed(
                say("labs.tcp-echo.fail.close-on-fin", total=len(text), got=len(got)),
                got=got,
                offset=len(got),
                expected=say("labs.tcp-echo.fail.close-on-fin-expected", lost=len(text) - len(got)),
                rule=say("labs.tcp-echo.rules.half-close"),
                rfc=RFC_HALF_CLOSE,
                cause=say("labs.tcp-echo.causes.close-on-fin"),
                lesson=LESSON_CLOSE,
            ) from None
        if "reset" in exc.message:
            exc.rule, exc.rfc, exc.lesson = (
                say("labs.tcp-echo.rules.half-close"),
                RFC_HALF_CLOSE,
                LESSON_CLOSE,
            )
            exc.cause = say("labs.tcp-echo.causes.reset-on-fin")
        raise
    if not conn.eof:
        raise StageFailed(
            say("labs.tcp-echo.fail.never-close", total=len(text), wait=wait),
            expected=say("labs.tcp-echo.fail.never-close-expected"),
            rule=say("labs.tcp-echo.rules.half-close"),
            rfc=RFC_HALF_CLOSE,
            cause=say("labs.tcp-echo.causes.never-close"),
            lesson=LESSON_CLOSE,
        )
    conn.close()


def stays_up(ctx: StageContext) -> None:
    line = f"{words(ctx.rng, 3)}\n".encode()
    conn = ctx.connect("client 1")
    exchange(conn, line, scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", say("labs.tcp-echo.notes.closed"))


def _explain_gone(stage_run):  # type: ignore[no-untyped-def]
    """Wrap a stage: a server that exited gets the rule that it must stay up."""

    def run(ctx: StageContext) -> None:
        try:
            stage_run(ctx)
        except StageFailed as exc:
            code = ctx.program.wait(0.3) if ctx.program is not None else None
            if code is not None:
                # what this stage managed before the exit was noticed depends on timing only
                del ctx.log.entries[:]
                ctx.log.note("netlearn", say("labs.tcp-echo.notes.exited", code=code))
                exc.message = say("labs.tcp-echo.fail.exits", code=code)
                exc.args = (exc.message,)
                exc.got = exc.offset = exc.expected = None
                exc.rule = say("labs.tcp-echo.rules.stays-up")
                exc.rfc = "RFC 862"
                exc.cause = say("labs.tcp-echo.causes.exits")
                exc.lesson = LESSON_CLOSE
            raise

    return run


def _stage(key: str, run, timeout: float, lesson: str) -> Stage:  # type: ignore[no-untyped-def]
    """A stage whose title is `labs.tcp-echo.stages.<key>`, its server checked to stay up."""
    return Stage(key, say(f"labs.tcp-echo.stages.{key}"), _explain_gone(run), timeout, lesson)


LAB = Lab(
    name="tcp-echo",
    title=say("labs.tcp-echo.title"),
    kind="server",
    lesson="tcp",
    stages=(
        _stage("short-line", short_line, 5.0, LESSON_STREAM),
        _stage("concurrent", concurrent, 12.0, LESSON_STREAM),
        _stage("binary", binary, 10.0, LESSON_STREAM),
        _stage("half-close", half_close, 6.0, LESSON_CLOSE),
        _stage("stays-up", stays_up, 5.0, LESSON_CLOSE),
    ),
    starters=("python", "js"),
)
