"""Lab tcp-echo: a TCP echo server (RFC 862), graded on real connections.

Stages: a short line; five concurrent clients interleaved; binary safety (zero bytes, no newline,
1 MiB); half-close (the client sends, then shuts down its write side: echo everything, then close);
the server stays up across clients. Every payload is random per seed.
"""

from __future__ import annotations

import selectors
import socket
import time

from netlearn.labs.core import Conn, Lab, Stage, StageContext, StageFailed, scaled
from netlearn.labs.words import WORDS

ECHO_WAIT = 2.0  # seconds (scaled) a client waits for its echo
BIG = 1 << 20  # the binary stage's payload: 1 MiB

RULE_ECHO = "An echo server sends back exactly the bytes it receives, in order, nothing added"
RFC_ECHO = "RFC 862"
RULE_STREAM = (
    "TCP carries a stream of bytes, not lines or messages: any byte value may come, and one "
    "recv() returns whatever has arrived so far"
)
RFC_STREAM = "RFC 9293 §2.2"
RULE_HALF_CLOSE = (
    "A FIN closes one direction only: after the client's FIN the server can and must still "
    "send; it closes its own side when it has nothing more to send"
)
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
    last = time.monotonic()  # the last time we sent or received something
    hard_end = conn.deadline
    try:
        while True:
            now = time.monotonic()
            if len(got) >= len(data) and (not then_eof or eof):
                break
            if eof:
                break
            if now - last > wait or now > hard_end:
                break
            for _key, events in sel.select(timeout=0.05):
                if events & selectors.EVENT_WRITE and sent < len(data):
                    try:
                        n = sock.send(data[sent : sent + 65536])
                    except BlockingIOError:
                        n = 0
                    except (BrokenPipeError, ConnectionResetError):
                        raise StageFailed(
                            f"{conn.actor} could send only {sent} of {len(data)} bytes: the "
                            "program closed (reset) the connection",
                            got=bytes(got),
                            offset=len(got),
                        ) from None
                    if n:
                        sent += n
                        last = time.monotonic()
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
                            f"the program reset the connection (TCP RST) after echoing "
                            f"{len(got)} of {len(data)} bytes to {conn.actor}",
                            got=bytes(got),
                            offset=len(got),
                        ) from None
                    if not chunk:
                        eof = True
                        sel.unregister(sock)
                        break
                    last = time.monotonic()
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
            conn.log.note(conn.actor, "shut down its write side (sent FIN)")
        conn.log.received(conn.actor, bytes(got))
        if eof:
            conn.log.note(conn.actor, "the program closed the connection (FIN)")
        if not conn.eof:
            sock.setblocking(True)
        conn.eof = conn.eof or eof
    if len(got) > len(data):
        raise StageFailed(
            f"{conn.actor} sent {len(data)} bytes and got {len(got)} back: "
            f"{len(got) - len(data)} bytes more than it sent",
            got=bytes(got),
            offset=len(data),
            expected="nothing more",
            rule=RULE_ECHO,
            rfc=RFC_ECHO,
            cause="The server adds something of its own (a prompt, a newline, a greeting), or "
            "it echoes some bytes twice.",
        )
    if len(got) < len(data):
        raise _short_echo(conn, data, bytes(got), sent, eof, wait)
    return bytes(got)


def _wrong_byte(conn: Conn, data: bytes, got: bytes, at: int) -> None:
    """Raise the failure for a wrong byte at `at`."""
    raise StageFailed(
        f"{conn.actor} got a different byte back at offset {at}: "
        f"0x{got[at]:02x} instead of 0x{data[at]:02x}",
        got=got,
        offset=at,
        expected=f"0x{data[at]:02x} ({_show(data[at : at + 1])}), the byte {conn.actor} sent "
        f"at offset {at}",
        rule=RULE_ECHO,
        rfc=RFC_ECHO,
        cause=(
            "The server stops at a zero byte: it treats the data as a C string (strlen, split "
            "at b'\\0'), or as text. A zero is an ordinary byte in a TCP stream."
            if data[at] == 0
            else "The server changes what it echoes: it decodes and re-encodes text (bytes "
            "that are not valid UTF-8 change), upper-cases it, or mixes up two clients' data."
        ),
    )


def _short_echo(
    conn: Conn, data: bytes, got: bytes, sent: int, eof: bool, wait: float
) -> StageFailed:
    n, total = len(got), len(data)
    base: dict = {"got": got, "offset": n, "rule": RULE_ECHO, "rfc": RFC_ECHO}
    if eof:
        return StageFailed(
            f"the program closed the connection after echoing {n} of the {total} bytes "
            f"{conn.actor} sent",
            expected=f"byte {n} of the echo ({_show(data[n : n + 1])}), then more",
            cause="The server calls recv() once and closes: one recv() returns what has arrived "
            "so far, not a whole message. Loop until recv() returns b''.",
            **base,
        )
    if sent < total:
        return StageFailed(
            f"{conn.actor} could send only {sent} of {total} bytes: the program stopped reading "
            f"for {wait:.1f} s",
            cause="The server stopped reading: it waits for something before it reads again.",
            **base,
        )
    if n == 0 and b"\n" not in data:
        return StageFailed(
            f"{conn.actor} sent {total} bytes without a newline and got nothing back within "
            f"{wait:.1f} s",
            expected=f"the echo, starting {_show(data[:8])}",
            cause="The server waits for a newline before it echoes (readline(), `for line in "
            "file`, a line splitter): bytes are not lines. Echo whatever recv() returns.",
            **{**base, "rule": RULE_STREAM, "rfc": RFC_STREAM},
        )
    if n < total and data[n] == 0:
        return StageFailed(
            f"the echo stopped at offset {n}, where {conn.actor} sent a zero byte (0x00); "
            f"{total - n} bytes never came back",
            expected="0x00, then the rest of the data",
            cause="The server stops at a zero byte: it treats the data as a C string (strlen, "
            "split at b'\\0'), or as text. A zero is an ordinary byte in a TCP stream.",
            **{**base, "rule": RULE_STREAM, "rfc": RFC_STREAM},
        )
    if n < total and data[n : n + 1] in (b"\n", b"\r") and data[n:].strip(b"\r\n") == b"":
        return StageFailed(
            f"{conn.actor} got back {n} of {total} bytes: the line ending is missing",
            expected=f"{_show(data[n:])}, the line ending {conn.actor} sent",
            cause="The server strips the line ending (strip(), rstrip(), readline() then "
            "print): echo the bytes exactly as they came.",
            **base,
        )
    if n == 0:
        exc = StageFailed(
            f"{conn.actor} sent {_show(data)} and got no reply within {wait:.1f} s",
            expected=f"the same {total} bytes back",
            cause="The server does not write back what it reads, or it waits for more data "
            "(a fixed-size read, or the end of the stream) before answering.",
            **base,
        )
        exc.kind = "no-reply"
        return exc
    return StageFailed(
        f"{conn.actor} got back {n} of {total} bytes, then nothing for {wait:.1f} s",
        expected=f"byte {n} of the echo ({_show(data[n : n + 1])}), then the rest",
        cause="The server echoes only part of what it reads: send() may send less than it was "
        "given (use sendall(), or loop), or a fixed-size buffer cuts the data.",
        **base,
    )


# -- the stages ---------------------------------------------------------------------------
def short_line(ctx: StageContext) -> None:
    line = f"{words(ctx.rng, 2)} {ctx.rng.randrange(10, 1000)}\n".encode()
    conn = ctx.connect("client 1")
    exchange(conn, line, scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", "closed the connection")


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
                    others = count - 1
                    who = f"; client {served[0] + 1} got its echo" if served else ""
                    raise StageFailed(
                        f"client {i + 1} sent {_show(parts[i][r])} and got no reply within "
                        f"{scaled(ECHO_WAIT):.1f} s while {others} other clients were connected"
                        f"{who}: the server handles one client at a time",
                        expected=f"the echo of {_show(parts[i][r])}",
                        rule="Once a connection is established, any data received is sent back: "
                        "on every connection, not only the first (a client that stays "
                        "connected must not block the others)",
                        rfc="RFC 862",
                        cause="The server is sequential: it accepts one connection and serves "
                        "it until it closes before it calls accept() again. Serve each client "
                        "in its own thread (or use select/asyncio, or Node's events).",
                        lesson=LESSON_STREAM,
                    ) from None
                raise
            answered.add(i)
    for c in conns:
        c.close()
    ctx.log.note("netlearn", f"all {count} clients closed their connections")


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
    ctx.log.note("client 1", f"sends {BIG} random bytes: zero bytes, no newline")
    exchange(conn, bytes(data), scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", "got all of it back and closed the connection")


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
                f"client 1 sent {len(text)} bytes and a FIN; the program closed the connection "
                f"after echoing {len(got)} of them",
                got=got,
                offset=len(got),
                expected=f"the rest of the echo ({len(text) - len(got)} bytes), then the FIN",
                rule=RULE_HALF_CLOSE,
                rfc=RFC_HALF_CLOSE,
                cause="The server closes as soon as it sees the client's FIN (recv() returned "
                "b''), with echo data still waiting to be sent. Send everything you owe, "
                "then close.",
                lesson=LESSON_CLOSE,
            ) from None
        if "reset" in exc.message:
            exc.rule, exc.rfc, exc.lesson = RULE_HALF_CLOSE, RFC_HALF_CLOSE, LESSON_CLOSE
            exc.cause = (
                "The server closed with data unread or unsent, so its TCP sent RST: after the "
                "client's FIN, echo what is left and close normally."
            )
        raise
    if not conn.eof:
        raise StageFailed(
            f"client 1 got all {len(text)} bytes back, but the program did not close the "
            f"connection within {wait:.1f} s after the client's FIN",
            expected="a FIN from the server (recv() returning b'' on the client's side)",
            rule=RULE_HALF_CLOSE,
            rfc=RFC_HALF_CLOSE,
            cause="The server ignores the end of the stream: when recv() returns b'' the client "
            "has finished sending. Close the connection then (it may be spinning on b'' now).",
            lesson=LESSON_CLOSE,
        )
    conn.close()


def stays_up(ctx: StageContext) -> None:
    line = f"{words(ctx.rng, 3)}\n".encode()
    conn = ctx.connect("client 1")
    exchange(conn, line, scaled(ECHO_WAIT))
    conn.close()
    ctx.log.note("client 1", "closed the connection")


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
                ctx.log.note("netlearn", f"the program exited with code {code}")
                exc.message = (
                    f"the program is no longer running (it exited with code {code}); a server "
                    "must keep serving after a client leaves"
                )
                exc.args = (exc.message,)
                exc.got = exc.offset = exc.expected = None
                exc.rule = (
                    "A server keeps accepting connections: one client leaving is no reason to exit"
                )
                exc.rfc = "RFC 862"
                exc.cause = (
                    "The program exits after serving one client (no loop around accept(), "
                    "or it calls exit/close on the listening socket when a client leaves)."
                )
                exc.lesson = LESSON_CLOSE
            raise

    return run


LAB = Lab(
    name="tcp-echo",
    title="a TCP echo server",
    kind="server",
    lesson="tcp",
    stages=(
        Stage("short-line", "echo of a short line", _explain_gone(short_line), 5.0, LESSON_STREAM),
        Stage(
            "concurrent",
            "five concurrent clients, interleaved",
            _explain_gone(concurrent),
            12.0,
            LESSON_STREAM,
        ),
        Stage(
            "binary",
            "binary safety: zero bytes, no newline, 1 MiB",
            _explain_gone(binary),
            10.0,
            LESSON_STREAM,
        ),
        Stage(
            "half-close",
            "half-close: echo everything, then close",
            _explain_gone(half_close),
            6.0,
            LESSON_CLOSE,
        ),
        Stage(
            "stays-up",
            "the server stays up across clients",
            _explain_gone(stays_up),
            5.0,
            LESSON_CLOSE,
        ),
    ),
    starters=("python", "js"),
)
