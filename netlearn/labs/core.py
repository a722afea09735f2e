"""The lab framework: stages that grade a learner's real program on real sockets.

A lab is a tuple of stages run in order; a stage talks to the learner's program through `Conn`s
(every wait bounded by the stage's deadline), writes what it did to a `Log`, and raises
`StageFailed` with the bytes, the offset of the first wrong byte, the rule and the likely cause.
The runner (`netlearn.labs.runner`) starts and stops the program; the report
(`netlearn.labs.report`) draws the log. Only the standard library and `netlearn.errors` here.
"""

from __future__ import annotations

import contextlib
import os
import random
import selectors
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# What the report keeps of one log entry's bytes, and of the program's output.
KEEP_BYTES = 4096
MAX_OUTPUT_LINES = 400
MAX_LINE_CHARS = 400
# Tests make every wait shorter with NETLEARN_LAB_TIME_SCALE=0.2 (the learner never needs to).
TIME_SCALE_ENV = "NETLEARN_LAB_TIME_SCALE"


def time_scale() -> float:
    """The factor every stage timeout is multiplied by (1.0 unless the environment says)."""
    try:
        value = float(os.environ.get(TIME_SCALE_ENV, "") or 1.0)
    except ValueError:
        return 1.0
    return min(max(value, 0.01), 100.0)


def scaled(seconds: float) -> float:
    """A timeout in seconds, scaled by NETLEARN_LAB_TIME_SCALE."""
    return seconds * time_scale()


class StageFailed(Exception):
    """One concrete failure: who did not get what by when."""

    def __init__(
        self,
        message: str,
        *,
        got: bytes | None = None,
        offset: int | None = None,
        expected: str | None = None,
        rule: str | None = None,
        rfc: str | None = None,
        cause: str | None = None,
        lesson: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.got = got
        self.offset = offset
        self.expected = expected
        self.rule = rule
        self.rfc = rfc
        self.cause = cause
        self.lesson = lesson
        self.kind: str | None = None  # a lab's own tag for the symptom ("no-reply", "reset")


@dataclass
class LogEntry:
    """One line of the log: kind is "note", "sent" or "received"."""

    kind: str
    actor: str
    text: str = ""
    data: bytes = b""  # the first KEEP_BYTES bytes
    length: int = 0  # how many bytes in all


class Log:
    """What netlearn did and saw, per actor. Rendered as NOTE lines and hex/text byte dumps.

    Consecutive chunks the same actor sent (or received) are merged into one entry; each entry
    keeps at most KEEP_BYTES bytes (and the total count), so a 1 MiB exchange costs little.
    """

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self._lock = threading.Lock()

    def note(self, actor: str, text: str) -> None:
        with self._lock:
            self.entries.append(LogEntry("note", actor, text=text))

    def sent(self, actor: str, data: bytes) -> None:
        self._bytes("sent", actor, data)

    def received(self, actor: str, data: bytes) -> None:
        self._bytes("received", actor, data)

    def _bytes(self, kind: str, actor: str, data: bytes) -> None:
        if not data:
            return
        with self._lock:
            last = self.entries[-1] if self.entries else None
            if last is not None and last.kind == kind and last.actor == actor:
                room = KEEP_BYTES - len(last.data)
                if room > 0:
                    last.data += data[:room]
                last.length += len(data)
                return
            self.entries.append(
                LogEntry(kind, actor, data=bytes(data[:KEEP_BYTES]), length=len(data))
            )


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
        left = self.deadline - time.monotonic()
        wait = left if timeout is None else min(timeout, left)
        return max(wait, 0.0)

    def _fail(self, message: str, got: bytes | None = None, **extra: str | None) -> StageFailed:
        return StageFailed(message, got=got, lesson=self.lesson, **extra)  # type: ignore[arg-type]

    # -- sending ------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        """Send all of `data`; fails if the program stops reading for longer than allowed."""
        wait = self._budget(None)
        view = memoryview(data)
        sent = 0
        end = time.monotonic() + wait
        try:
            while sent < len(data):
                left = end - time.monotonic()
                if left <= 0:
                    raise self._fail(
                        f"{self.actor} could send only {sent} of {len(data)} bytes within "
                        f"{wait:.1f} s: the program stopped reading"
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
                f"{self.actor} could not send: the program closed (reset) the connection after "
                f"{sent} of {len(data)} bytes"
            ) from None

    def shutdown_write(self) -> None:
        """Half-close: send our FIN; we can still read."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
        self.log.note(self.actor, "shut down its write side (sent FIN)")

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
                f"the program reset the connection (TCP RST) while {self.actor} waited for "
                f"{what or 'data'}",
                got=bytes(self.pending) if self.pending else None,
            ) from None
        if not data:
            self.eof = True
            self.log.note(self.actor, "the program closed the connection (FIN)")
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
            raise self._fail(f"{self.actor} waited {wait:.1f} s for data and got nothing") from None

    def recv_exact(self, n: int, timeout: float | None = None, what: str = "") -> bytes:
        """Exactly `n` bytes; StageFailed on EOF or timeout (with what did arrive as `got`)."""
        wait = self._budget(timeout)
        end = time.monotonic() + wait
        what = what or f"{n} bytes"
        while len(self.pending) < n:
            left = end - time.monotonic()
            if left <= 0:
                raise self._fail(
                    f"{self.actor} waited {wait:.1f} s for {what} and got {len(self.pending)} "
                    f"of {n} bytes",
                    got=bytes(self.pending),
                    offset=len(self.pending),
                )
            try:
                chunk = self._read(min(n - len(self.pending), 1 << 20), left, what)
            except _Timeout:
                continue
            if not chunk:
                raise self._fail(
                    f"the program closed the connection after {len(self.pending)} of the {n} "
                    f"bytes {self.actor} waited for ({what})",
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
        end = time.monotonic() + wait
        what = what or repr(marker)
        while True:
            at = self.pending.find(marker)
            if at >= 0 and at + len(marker) <= limit:
                out = bytes(self.pending[: at + len(marker)])
                del self.pending[: at + len(marker)]
                return out
            if len(self.pending) >= limit:
                raise self._fail(
                    f"{self.actor} waited for {what} and got {limit} bytes without "
                    f"{marker.decode('latin-1')!r} (the most it reads)",
                    got=bytes(self.pending[:limit]),
                )
            left = end - time.monotonic()
            if left <= 0:
                raise self._fail(
                    f"{self.actor} waited {wait:.1f} s for {what} and got "
                    + (f"{len(self.pending)} bytes without it" if self.pending else "nothing"),
                    got=bytes(self.pending) if self.pending else None,
                )
            try:
                chunk = self._read(limit - len(self.pending), left, what)
            except _Timeout:
                continue
            if not chunk:
                raise self._fail(
                    f"the program closed the connection before {self.actor} got {what}",
                    got=bytes(self.pending) if self.pending else None,
                )
            self.pending += chunk

    def expect_eof(self, timeout: float | None = None, what: str = "") -> bytes:
        """Read until the program closes; return the bytes that came before (bounded)."""
        wait = self._budget(timeout)
        end = time.monotonic() + wait
        got = bytearray(self.pending)
        self.pending.clear()
        while not self.eof:
            left = end - time.monotonic()
            if left <= 0:
                raise self._fail(
                    f"{self.actor} waited {wait:.1f} s for the program to close the connection"
                    + (f" ({what})" if what else "")
                    + " and it did not",
                    got=bytes(got) if got else None,
                )
            try:
                chunk = self._read(65536, left, what or "the close")
            except _Timeout:
                continue
            if len(got) < (1 << 20):
                got += chunk
        return bytes(got)


# -- the learner's program ----------------------------------------------------------------
class Program:
    """The learner's program (a subprocess). Its stdout/stderr lines are captured, and shown
    prefixed `program | ...` in the report, never mixed with netlearn's lines.

    It runs in its own process group, so `stop()` ends it and everything it started.
    """

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], cwd: str | None = None) -> None:
        self.argv = list(argv)
        self._lines: list[str] = []
        self._dropped = 0
        self._lock = threading.Lock()  # held while a reader turns bytes into lines
        self._partial: dict[int, bytes] = {}
        try:
            self.proc = subprocess.Popen(
                self.argv,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                close_fds=True,
            )
        except FileNotFoundError:
            from netlearn.errors import NetlearnError

            raise NetlearnError(f"program not found: {self.argv[0]!r}") from None
        except PermissionError:
            from netlearn.errors import NetlearnError

            raise NetlearnError(f"cannot run {self.argv[0]!r}: permission denied") from None
        except OSError as exc:
            from netlearn.errors import NetlearnError

            raise NetlearnError(f"cannot run {self.argv[0]!r}: {exc.strerror}") from None
        self.pid = self.proc.pid
        self._pipes = [p for p in (self.proc.stdout, self.proc.stderr) if p is not None]
        for pipe in self._pipes:
            os.set_blocking(pipe.fileno(), False)
        self._reader = threading.Thread(target=self._read_loop, name="lab-program", daemon=True)
        self._reader.start()

    # -- output -------------------------------------------------------------------------
    def _read_loop(self) -> None:
        sel = selectors.DefaultSelector()
        for pipe in self._pipes:
            sel.register(pipe.fileno(), selectors.EVENT_READ)
        try:
            while sel.get_map():
                for key, _ in sel.select(timeout=0.2):
                    with self._lock:
                        fd = key.fd
                        try:
                            data = os.read(fd, 65536)
                        except BlockingIOError:
                            continue
                        except OSError:
                            data = b""
                        if not data:
                            sel.unregister(fd)
                            rest = self._partial.pop(fd, b"")
                            if rest:
                                self._add(rest)
                            continue
                        self._feed(fd, data)
        finally:
            sel.close()

    def _feed(self, fd: int, data: bytes) -> None:
        buf = self._partial.get(fd, b"") + data
        *lines, rest = buf.split(b"\n")
        for line in lines:
            self._add(line)
        if len(rest) > MAX_LINE_CHARS * 4:  # a line that never ends: show it in pieces
            self._add(rest)
            rest = b""
        self._partial[fd] = rest

    def _add(self, raw: bytes) -> None:
        if len(self._lines) >= MAX_OUTPUT_LINES:
            self._dropped += 1
            return
        text = raw.decode("utf-8", "replace").rstrip("\r")
        text = "".join(ch if ch.isprintable() or ch == "\t" else "\ufffd" for ch in text)
        if len(text) > MAX_LINE_CHARS:
            text = text[:MAX_LINE_CHARS] + f"... ({len(text) - MAX_LINE_CHARS} more characters)"
        self._lines.append(text)

    def drain(self, timeout: float = 0.2) -> None:
        """Wait (briefly) until what the program already wrote has been turned into lines."""
        end = time.monotonic() + timeout
        fds = [p.fileno() for p in self._pipes if not p.closed]
        while time.monotonic() < end:
            with self._lock:
                try:
                    ready = selectors_ready(fds)
                except (OSError, ValueError):
                    return
            if not ready:
                return
            time.sleep(0.005)

    def output(self) -> list[str]:
        """The program's output lines so far (capped; see `dropped`)."""
        with self._lock:
            return list(self._lines)

    @property
    def dropped(self) -> int:
        """How many lines were not kept (past MAX_OUTPUT_LINES)."""
        return self._dropped

    # -- life ---------------------------------------------------------------------------
    def running(self) -> bool:
        return self.proc.poll() is None

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout` seconds."""
        try:
            return self.proc.wait(timeout=max(timeout, 0.0))
        except subprocess.TimeoutExpired:
            return None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll()

    def stop(self, grace: float = 0.1) -> None:
        """End the program and its process group: SIGTERM, then SIGKILL after `grace` seconds."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)
            if self.wait(wait) is not None and not _group_alive(self.pid):
                break
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # children that outlived their parent
        self.drain(0.05)
        self._reader.join(timeout=0.2)
        for pipe in self._pipes:
            with contextlib.suppress(OSError):
                pipe.close()


def selectors_ready(fds: list[int]) -> bool:
    """Whether any of `fds` has data to read right now."""
    if not fds:
        return False
    import select

    ready, _, _ = select.select(fds, [], [], 0)
    return bool(ready)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- stages and labs -----------------------------------------------------------------------
@dataclass
class StageContext:
    lab: Lab
    rng: random.Random  # seeded from --seed (and the stage index): same seed, same run
    log: Log
    host: str  # "127.0.0.1"
    port: int  # server labs: the port the program listens on. client labs: netlearn's listener
    deadline: float  # time.monotonic() by which the stage must end
    program: Program | None  # server labs: the running program. client labs: started per stage
    listener: socket.socket | None  # client labs: the socket whose URL is in NETLEARN_URL
    url: str | None  # client labs: NETLEARN_URL for this stage, e.g. ws://127.0.0.1:PORT/lab
    stage: Stage | None = None  # the stage being run (its default lesson for failures)
    conns: list[Conn] = field(default_factory=list)  # closed by the runner after the stage

    def remaining(self) -> float:
        return max(self.deadline - time.monotonic(), 0.0)

    def _lesson(self) -> str | None:
        return self.stage.lesson if self.stage else None

    def _exited(self) -> str | None:
        """A sentence if the program has exited, else None."""
        if self.program is not None and not self.program.running():
            code = self.program.returncode
            return f"the program is no longer running (it exited with code {code})"
        return None

    def connect(self, actor: str) -> Conn:
        """Server labs: a new connection to the program (logged as `actor`)."""
        wait = min(self.remaining(), scaled(3.0))
        try:
            sock = socket.create_connection((self.host, self.port), timeout=max(wait, 0.05))
        except OSError as exc:
            why = self._exited() or (
                "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            )
            raise StageFailed(
                f"{actor} could not connect to {self.host}:{self.port}: {why}",
                lesson=self._lesson(),
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(actor, sock, self.log, self.deadline, self._lesson())
        self.conns.append(conn)
        self.log.note(actor, f"connected to {self.host}:{self.port}")
        return conn

    def accept(self, actor: str, timeout: float | None = None) -> Conn:
        """Client labs: the program's next connection to our listener (logged as `actor`)."""
        if self.listener is None:
            raise RuntimeError("accept() is for client labs")
        wait = self.remaining() if timeout is None else min(timeout, self.remaining())
        end = time.monotonic() + wait
        while True:
            left = end - time.monotonic()
            if left <= 0:
                why = self._exited()
                raise StageFailed(
                    f"{actor} waited {wait:.1f} s for the program to connect to "
                    f"{self.url or f'{self.host}:{self.port}'}"
                    + (f", but {why}" if why else " and it did not"),
                    lesson=self._lesson(),
                )
            self.listener.settimeout(min(left, 0.05))
            try:
                sock, _ = self.listener.accept()
                break
            except TimeoutError:
                why = self._exited()
                if why:
                    raise StageFailed(
                        f"{actor} waited for the program to connect, but {why}",
                        lesson=self._lesson(),
                    ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(actor, sock, self.log, self.deadline, self._lesson())
        self.conns.append(conn)
        self.log.note(actor, "the program connected")
        return conn


@dataclass(frozen=True)
class Stage:
    id: str  # "short-message"
    title: str  # "a 5-byte text message (7-bit length)"
    run: Callable[[StageContext], None]  # returns on pass, raises StageFailed on fail
    timeout: float = 5.0
    lesson: str | None = None  # default lesson step for failures of this stage
    needs_exit: bool = False  # client labs: the program must exit 0 by the end of the stage


@dataclass(frozen=True)
class Lab:
    name: str  # "websocket-client"
    title: str
    kind: str  # "server" or "client"
    lesson: str  # lesson id it belongs to: "tcp", "websocket", "socketio"
    stages: tuple[Stage, ...]
    starters: tuple[str, ...] = ("python",)  # languages with a starter file ("python", "js")
    # client labs: NETLEARN_URL, from the listener's host and port (an addition to the contract)
    url_template: str = "ws://{host}:{port}/lab"
