"""`Conn`: a socket to or from the learner's program, every wait bounded and every byte logged."""

from __future__ import annotations

import contextlib
import socket

from netlearn.content.words import say
from netlearn.labs.clock import Timer, now
from netlearn.labs.failure import StageFailed
from netlearn.labs.log import Log


class _Timeout(Exception):
    """One read found nothing in time (the caller says what it waited for)."""


class Conn:
    """A socket to/from the learner's program, logged under one actor name. Every wait is bounded by
    `timeout` (default: the stage's remaining time) and raises StageFailed with a message naming
    the actor, what it waited for and for how long."""

    def __init__(
        self,
        actor: str,
        sock: socket.socket,
        log: Log,
        deadline: float,
        lesson: str | None = None,
    ) -> None:
        self.actor = actor
        self.sock = sock
        self.log = log
        self.deadline = deadline
        self.lesson = lesson
        self.pending = bytearray()  # read past what a recv_until/recv_exact returned
        self.eof = False

    # -- time ---------------------------------------------------------------------------
    def _budget(self, timeout: float | None) -> float:
        left = self.deadline - now()
        wait = left if timeout is None else min(timeout, left)
        return max(wait, 0.0)

    def _fail(self, message: str, got: bytes | None = None, **extra: int | None) -> StageFailed:
        return StageFailed(message, got=got, lesson=self.lesson, **extra)  # type: ignore[arg-type]

    # -- sending ------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        """Send all of `data`; fails if the program stops reading for longer than allowed."""
        wait = self._budget(None)
        view = memoryview(data)
        sent = 0
        timer = Timer(wait)
        try:
            while sent < len(data):
                left = timer.left()
                if left <= 0:
                    raise self._fail(
                        say(
                            "labs.conn.send-stalled",
                            actor=self.actor,
                            sent=sent,
                            total=len(data),
                            wait=wait,
                        )
                    )
                self.sock.settimeout(left)
                try:
                    n = self.sock.send(view[sent:])
                except TimeoutError:
                    continue
                self.log.sent(self.actor, bytes(view[sent : sent + n]))
                sent += n
        except (ConnectionResetError, BrokenPipeError):
            raise self._fail(
                say("labs.conn.send-reset", actor=self.actor, sent=sent, total=len(data))
            ) from None

    def shutdown_write(self) -> None:
        """Half-close: send our FIN; we can still read."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.log.note(self.actor, say("labs.conn.shut-write"))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    # -- receiving ----------------------------------------------------------------------
    def _read(self, limit: int, wait: float, what: str) -> bytes:
        """One recv within `wait` seconds; b"" on EOF; StageFailed on timeout or reset."""
        if self.eof:
            return b""
        self.sock.settimeout(max(wait, 0.001))
        try:
            data = self.sock.recv(limit)
        except TimeoutError:
            raise _Timeout() from None
        except ConnectionResetError:
            raise self._fail(
                say("labs.conn.reset", actor=self.actor, what=what or "data"),
                got=bytes(self.pending) if self.pending else None,
            ) from None
        if not data:
            self.eof = True
            self.log.note(self.actor, say("labs.conn.fin"))
        else:
            self.log.received(self.actor, data)
        return data

    def recv_some(self, limit: int = 65536, timeout: float | None = None) -> bytes:
        """Whatever arrives next (at most `limit` bytes); b"" on EOF."""
        if self.pending:
            out = bytes(self.pending[:limit])
            del self.pending[:limit]
            return out
        wait = self._budget(timeout)
        try:
            return self._read(limit, wait, "data")
        except _Timeout:
            raise self._fail(say("labs.conn.nothing", actor=self.actor, wait=wait)) from None

    def recv_exact(self, n: int, timeout: float | None = None, what: str = "") -> bytes:
        """Exactly `n` bytes; StageFailed on EOF or timeout (with what did arrive as `got`)."""
        wait = self._budget(timeout)
        timer = Timer(wait)
        what = what or f"{n} bytes"
        while len(self.pending) < n:
            left = timer.left()
            if left <= 0:
                raise self._fail(
                    say(
                        "labs.conn.exact-timeout",
                        actor=self.actor,
                        wait=wait,
                        what=what,
                        got=len(self.pending),
                        n=n,
                    ),
                    got=bytes(self.pending),
                    offset=len(self.pending),
                )
            try:
                chunk = self._read(min(n - len(self.pending), 1 << 20), left, what)
            except _Timeout:
                continue
            if not chunk:
                raise self._fail(
                    say(
                        "labs.conn.exact-closed",
                        actor=self.actor,
                        what=what,
                        got=len(self.pending),
                        n=n,
                    ),
                    got=bytes(self.pending),
                    offset=len(self.pending),
                )
            self.pending += chunk
        out = bytes(self.pending[:n])
        del self.pending[:n]
        return out

    def recv_until(
        self, marker: bytes, limit: int = 65536, timeout: float | None = None, what: str = ""
    ) -> bytes:
        """Bytes up to and including `marker`; StageFailed past `limit` bytes, on EOF or timeout."""
        wait = self._budget(timeout)
        timer = Timer(wait)
        what = what or repr(marker)
        while True:
            at = self.pending.find(marker)
            if at >= 0 and at + len(marker) <= limit:
                out = bytes(self.pending[: at + len(marker)])
                del self.pending[: at + len(marker)]
                return out
            if len(self.pending) >= limit:
                raise self._fail(
                    say(
                        "labs.conn.until-limit",
                        actor=self.actor,
                        what=what,
                        limit=limit,
                        marker=repr(marker.decode("latin-1")),
                    ),
                    got=bytes(self.pending[:limit]),
                )
            left = timer.left()
            if left <= 0:
                got = (
                    say("labs.conn.until-some", n=len(self.pending))
                    if self.pending
                    else say("labs.conn.until-none")
                )
                raise self._fail(
                    say("labs.conn.until-timeout", actor=self.actor, wait=wait, what=what, got=got),
                    got=bytes(self.pending) if self.pending else None,
                )
            try:
                chunk = self._read(limit - len(self.pending), left, what)
            except _Timeout:
                continue
            if not chunk:
                raise self._fail(
                    say("labs.conn.until-closed", actor=self.actor, what=what),
                    got=bytes(self.pending) if self.pending else None,
                )
            self.pending += chunk

    def expect_eof(self, timeout: float | None = None, what: str = "") -> bytes:
        """Read until the program closes; return the bytes that came before (bounded)."""
        wait = self._budget(timeout)
        timer = Timer(wait)
        got = bytearray(self.pending)
        self.pending.clear()
        while not self.eof:
            left = timer.left()
            if left <= 0:
                raise self._fail(
                    say("labs.conn.eof-timeout-what", actor=self.actor, wait=wait, what=what)
                    if what
                    else say("labs.conn.eof-timeout", actor=self.actor, wait=wait),
                    got=bytes(got) if got else None,
                )
            try:
                chunk = self._read(65536, left, what or "the close")
            except _Timeout:
                continue
            if len(got) < (1 << 20):
                got += chunk
        return bytes(got)
