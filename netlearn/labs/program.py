"""`Program`: the learner's program, a subprocess in its own process group, output captured."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence

from netlearn.labs.clock import now, pause

# What the report keeps of the program's output.
MAX_OUTPUT_LINES = 400
MAX_LINE_CHARS = 400


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
        end = now() + timeout
        fds = [p.fileno() for p in self._pipes if not p.closed]
        while now() < end:
            with self._lock:
                try:
                    ready = selectors_ready(fds)
                except (OSError, ValueError):
                    return
            if not ready:
                return
            pause(0.005)

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
