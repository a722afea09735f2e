"""Lab tcp-echo: a TCP echo server (RFC 862), graded on real connections.

Stages: a short line; five concurrent clients interleaved; binary safety (zero bytes, no newline,
1 MiB); half-close (the client sends, then shuts down its write side: echo everything, then close);
the server stays up across clients. Every payload is random per seed.
"""

from __future__ import annotations

import selectors
import socket

from netlearn.content.words import say
from netlearn.labs.clock import now, scaled
from netlearn.labs.core import Conn, Lab, Stage, StageContext, StageFailed
from netlearn.labs.words import WORDS

ECHO_WAIT = 2.0  # seconds (scaled) a client waits for its echo
BIG = 1 << 20  # the binary stage's payload: 1 MiB

RFC_ECHO = "RFC 862"
RFC_STREAM = "RFC 9293 §2.2"
RFC_HALF_CLOSE = "RFC 9293 §3.6; RFC 862"

LESSON_STREAM = "tcp#transfer"
LESSON_CLOSE = "tcp#close"


def words(rng, n: int) -> str:  # type: ignore[no-untyped-def]
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _first_diff(a: bytes | bytearray, b: bytes | bytearray, start: int = 0) -> int | None:
    """The first index >= start where a and b differ (within the shorter), else None."""
    end = min(len(a), len(b))
    if a[start:end] == b[start:end]:
        return None
    lo, hi = start, end  # binary search on equal prefixes: cheap on 1 MiB
    while hi - lo > 64:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    for i in range(lo, hi):
        if a[i] != b[i]:
            return i
    return None


def _show(data: bytes, limit: int = 30) -> str:
    from netlearn.labs.report import escape

    text = escape(data[:limit])
    return f'"{text}"' + ("..." if len(data) > limit else "")


def exchange(
    conn: Conn,
    data: bytes,
    wait: float,
    *,
    half_close: bool = False,
    then_eof: bool = False,
) -> bytes:
    """Send `data` while reading its echo (so neither side blocks on a full buffer).

    Returns the echo. Raises StageFailed at the first wrong byte, on an early close, or when the
    echo is incomplete `wait` seconds after the last byte went out (or, with `then_eof`, when
    the program has not closed by then).
    """
    sock = conn.sock
    sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
    got = bytearray()
    sent = 0
    checked = 0
    eof = False
    shut = False
    last = now()  # the last time we sent or received something
    hard_end = conn.deadline
    try:
        while True:
            at = now()
            if len(got) >= len(data) and (not then_eof or eof):
                break
            if eof:
                break
            if at - last > wait or at > hard_end:
                break
            for _key, events in sel.select(timeout=0.05):
                if events & selectors.EVENT_WRITE and sent < len(data):
                    try:
                        n = sock.send(data[sent : sent + 65536])
                    except BlockingIOError:
                        n = 0
                    except (BrokenPipeError, ConnectionResetError):
                        raise StageFailed(
                            say(
                                "labs.tcp-echo.fail.send-reset",
                                actor=conn.actor,
                                sent=sent,
                                total=len(data),
                            ),
                            got=bytes(got),
                            offset=len(got),
                        ) from None
                    if n:
                        sent += n
                        last = now()
                    if sent == len(data):
                        sel.modify(sock, selectors.EVENT_READ)
                        if half_close:
                            sock.shutdown(socket.SHUT_WR)
                            shut = True
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(1 << 18)
                    except BlockingIOError:
                        continue
                    except ConnectionResetError:
                        raise StageFailed(
                            say(
                                "labs.tcp-echo.fail.reset",
                                got=len(got),
                                total=len(data),
                                actor=conn.actor,
                            ),
                            got=bytes(got),
                            offset=len(got),
                        ) from None
                    if not chunk:
                        eof = True
                        sel.unregister(sock)
                        break
                    last = now()
                    got += chunk
                    if len(got) > len(data) + (1 << 16):
                        break
                    diff = _first_diff(got, data, checked)
                    if diff is not None:
                        del got[diff + 1 :]  # past the first wrong byte, chunking decides
                        _wrong_byte(conn, data, bytes(got), diff)
                    checked = min(len(got), len(data))
            if eof:
                break
    finally:
        sel.close()
        # one entry per direction: the chunking differs from run to run, the bytes do not
        conn.log.sent(conn.actor, data[:sent])
        if shut:
            conn.log.note(conn.actor, say("labs.tcp-echo.notes.shut-write"))
        conn.log.received(conn.actor, bytes(got))
        if eof:
            conn.log.note(conn.actor, say("labs.tcp-echo.notes.fin"))
        if not conn.eof:
            sock.setblocking(True)
        conn.eof = conn.eof or eof
    if len(got) > len(data):
        raise StageFailed(
            say(
                "labs.tcp-echo.fail.extra",
                actor=conn.actor,
                total=len(data),
                got=len(got),
                more=len(got) - len(data),
            ),
            got=bytes(got),
            offset=len(data),
            expected=say("labs.tcp-echo.fail.extra-expected"),
            rule=say("labs.tcp-echo.rules.echo"),
            rfc=RFC_ECHO,
            cause=say("labs.tcp-echo.causes.extra"),
        )
    if len(got) < len(data):
        raise _short_echo(conn, data, bytes(got), sent, eof, wait)
    return bytes(got)


def _wrong_byte(conn: Conn, data: bytes, got: bytes, at: int) -> None:
    """Raise the failure for a wrong byte at `at`."""
    raise StageFailed(
        say("labs.tcp-echo.fail.wrong-byte", actor=conn.actor, at=at, got=got[at], want=data[at]),
        got=got,
        offset=at,
        expected=say(
            "labs.tcp-echo.fail.wrong-byte-expected",
            want=data[at],
            shown=_show(data[at : at + 1]),
            actor=conn.actor,
            at=at,
        ),
        rule=say("labs.tcp-echo.rules.echo"),
        rfc=RFC_ECHO,
        cause=say("labs.tcp-echo.causes.zero-byte")
        if data[at] == 0
        else say("labs.tcp-echo.causes.changed"),
    )


def _short_echo(
    conn: Conn, data: bytes, got: bytes, sent: int, eof: bool, wait: float
) -> StageFailed:
    n, total, actor = len(got), len(data), conn.actor
    base: dict = {
        "got": got,
        "offset": n,
        "rule": say("labs.tcp-echo.rules.echo"),
        "rfc": RFC_ECHO,
    }
    stream = {**base, "rule": say("labs.tcp-echo.rules.stream"), "rfc": RFC_STREAM}
    if eof:
        return StageFailed(
            say("labs.tcp-echo.fail.closed-early", got=n, total=total, actor=actor),
            expected=say(
                "labs.tcp-echo.fail.closed-early-expected", at=n, shown=_show(data[n : n + 1])
            ),
            cause=say("labs.tcp-echo.causes.one-recv"),
            **base,
        )
    if sent < total:
        return StageFailed(
            say("labs.tcp-echo.fail.stalled", actor=actor, sent=sent, total=total, wait=wait),
            cause=say("labs.tcp-echo.causes.stopped-reading"),
            **base,
        )
    if n == 0 and b"\n" not in data:
        return StageFailed(
            say("labs.tcp-echo.fail.no-newline", actor=actor, total=total, wait=wait),
            expected=say("labs.tcp-echo.fail.no-newline-expected", shown=_show(data[:8])),
            cause=say("labs.tcp-echo.causes.readline"),
            **stream,
        )
    if n < total and data[n] == 0:
        return StageFailed(
            say("labs.tcp-echo.fail.zero-byte", at=n, actor=actor, lost=total - n),
            expected=say("labs.tcp-echo.fail.zero-byte-expected"),
            cause=say("labs.tcp-echo.causes.zero-byte"),
            **stream,
        )
    if n < total and data[n : n + 1] in (b"\n", b"\r") and data[n:].strip(b"\r\n") == b"":
        return StageFailed(
            say("labs.tcp-echo.fail.line-ending", actor=actor, got=n, total=total),
            expected=say(
                "labs.tcp-echo.fail.line-ending-expected", shown=_show(data[n:]), actor=actor
            ),
            cause=say("labs.tcp-echo.causes.strip"),
            **base,
        )
    if n == 0:
        exc = StageFailed(
            say("labs.tcp-echo.fail.no-reply", actor=actor, shown=_show(data), wait=wait),
            expected=say("labs.tcp-echo.fail.no-reply-expected", total=total),
            cause=say("labs.tcp-echo.causes.no-reply"),
            **base,
        )
        exc.kind = "no-reply"
        return exc
    return StageFailed(
        say("labs.tcp-echo.fail.partial", actor=actor, got=n, total=total, wait=wait),
        expected=say("labs.tcp-echo.fail.partial-expected", at=n, shown=_show(data[n : n + 1])),
        cause=say("labs.tcp-echo.causes.partial"),
        **base,
    )


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
                            shown=_show(parts[i][r]),
                            wait=scaled(ECHO_WAIT),
                            others=count - 1,
                            who=who,
                        ),
                        expected=say(
                            "labs.tcp-echo.fail.sequential-expected", shown=_show(parts[i][r])
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
