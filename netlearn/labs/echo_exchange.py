"""One client's exchange with a learner's echo server: send while reading, check every byte.

`exchange` sends the data and reads the echo at the same time (so neither side blocks on a full
buffer), stops at the first wrong byte, and explains a short, long or missing echo: a zero byte, a
line ending, a server that waits for a newline, one recv() and close. Words:
lessons/labs/tcp-echo.toml.
"""

from __future__ import annotations

import selectors
import socket

from netlearn.content.words import say
from netlearn.labs.clock import now
from netlearn.labs.conn import Conn
from netlearn.labs.failure import StageFailed

RFC_ECHO = "RFC 862"
RFC_STREAM = "RFC 9293 §2.2"


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


def show(data: bytes, limit: int = 30) -> str:
    """Up to `limit` bytes, quoted and escaped as the report shows them."""
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
            shown=show(data[at : at + 1]),
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
                "labs.tcp-echo.fail.closed-early-expected", at=n, shown=show(data[n : n + 1])
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
            expected=say("labs.tcp-echo.fail.no-newline-expected", shown=show(data[:8])),
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
                "labs.tcp-echo.fail.line-ending-expected", shown=show(data[n:]), actor=actor
            ),
            cause=say("labs.tcp-echo.causes.strip"),
            **base,
        )
    if n == 0:
        exc = StageFailed(
            say("labs.tcp-echo.fail.no-reply", actor=actor, shown=show(data), wait=wait),
            expected=say("labs.tcp-echo.fail.no-reply-expected", total=total),
            cause=say("labs.tcp-echo.causes.no-reply"),
            **base,
        )
        exc.kind = "no-reply"
        return exc
    return StageFailed(
        say("labs.tcp-echo.fail.partial", actor=actor, got=n, total=total, wait=wait),
        expected=say("labs.tcp-echo.fail.partial-expected", at=n, shown=show(data[n : n + 1])),
        cause=say("labs.tcp-echo.causes.partial"),
        **base,
    )
