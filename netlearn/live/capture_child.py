"""The child a private network namespace runs in, and the pipe between it and its parent.

`netlearn.netns.in_private_net(factory)` makes a `PrivateNet`: it forks a child (a fork has one
thread, which unshare(CLONE_NEWUSER) requires); the child enters the namespaces
(`netns.enter_private_net`) and runs `factory()`; each event the parent asks for is pickled back
over a pipe, one length-prefixed message per event.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

from netlearn import netns
from netlearn.content.words import say
from netlearn.errors import NetlearnError

PR_SET_PDEATHSIG = 1
_LEN = struct.Struct("!I")


def _send(fd: int, message: tuple[Any, ...]) -> None:
    try:
        data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # an event that cannot cross: say which
        data = pickle.dumps(("error", say("core.netns.child.not-passed", error=exc), 1))
    view = memoryview(_LEN.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _recv_exact(fd: int, size: int) -> bytes:
    out = bytearray()
    while len(out) < size:
        chunk = os.read(fd, size - len(out))
        if not chunk:
            raise EOFError
        out += chunk
    return bytes(out)


def _recv(fd: int) -> tuple[Any, ...]:
    (size,) = _LEN.unpack(_recv_exact(fd, _LEN.size))
    message = pickle.loads(_recv_exact(fd, size))
    assert isinstance(message, tuple)
    return message


class _Stop(BaseException):
    """SIGTERM in the child: unwind through the producer's `finally` blocks."""


def _on_term(_sig: int, _frame: object) -> None:
    raise _Stop


def _child(factory: Callable[[], Iterator[Any]], commands: int, replies: int, parent: int) -> None:
    """Runs in the forked child; never returns (os._exit), whatever happens."""
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
        signal.signal(signal.SIGTERM, _on_term)
        try:
            netns.enter_private_net()
        except netns.NamespaceUnavailable as exc:
            _send(replies, ("denied", str(exc)))
            return
        with contextlib.suppress(OSError, AttributeError):  # the parent's death ends us too
            netns.libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            return
        netns.mark_inside()
        _send(replies, ("ready",))
        gen: Iterator[Any] | None = None
        try:
            gen = iter(factory())
            while _recv_exact(commands, 1) == b"n":
                try:
                    item = next(gen)
                except StopIteration as stop:
                    _send(replies, ("end", stop.value))
                    break
                _send(replies, ("item", item))
        except (EOFError, _Stop, BrokenPipeError):
            code = 1
        except NetlearnError as exc:
            _send(replies, ("error", str(exc), exc.exit_code))
        except BaseException as exc:  # one clear line in the parent, no traceback
            _send(replies, ("error", f"{type(exc).__name__}: {exc}", 1))
        finally:
            close = getattr(gen, "close", None)
            if close is not None:
                with contextlib.suppress(BaseException):
                    close()
    except BaseException:
        code = 1
    finally:
        os._exit(code)


class PrivateNet:
    """A producer running in a child in its own user + network namespace; iterate its events.

    Creating one forks the child and waits until it is inside (or raises NamespaceUnavailable,
    or NetlearnError). Each `next()` asks the child for one event, so a producer that does its
    network work as its events are pulled keeps doing so. `close()` (also on Ctrl-C) stops the
    child within half a second; `result` is the producer's return value once it has finished.
    """

    STOP_GRACE = 0.2  # seconds the child has to finish its `finally` blocks before SIGKILL

    def __init__(self, factory: Callable[[], Iterator[Any]], start_timeout: float = 10.0):
        self.result: Any = None
        self._pid = 0
        self._done = False
        cmd_r, cmd_w = os.pipe()
        rep_r, rep_w = os.pipe()
        parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()  # not written twice by the child's copy of the buffers
        pid = os.fork()
        if pid == 0:  # pragma: no cover (the child ends in os._exit)
            os.close(cmd_w)
            os.close(rep_r)
            _child(factory, cmd_r, rep_w, parent)
        os.close(cmd_r)
        os.close(rep_w)
        self._pid, self._cmd, self._rep = pid, cmd_w, rep_r
        try:
            ready, _w, _x = select.select([rep_r], [], [], start_timeout)
            if not ready:
                raise NetlearnError(say("core.netns.child.slow"))
            message = self._get()
            if message[0] == "denied":
                raise netns.refusal_seen(message[1])
            if message[0] != "ready":
                raise NetlearnError(say("core.netns.child.failed", message=message))
        except BaseException:
            self.close()
            raise

    def _get(self) -> tuple[Any, ...]:
        try:
            return _recv(self._rep)
        except (EOFError, OSError):
            raise self._gone() from None
        except Exception as exc:  # an event this process cannot rebuild
            self.close()
            raise NetlearnError(say("core.netns.child.unreadable", error=exc)) from None

    def _gone(self) -> NetlearnError:
        status = self._reap(wait=0.2)
        self.close()
        status = say("core.netns.child.ended-status", status=status) if status else ""
        return NetlearnError(say("core.netns.child.ended", status=status))

    def __iter__(self) -> PrivateNet:
        return self

    def __next__(self) -> Any:
        if self._done:
            raise StopIteration
        try:
            os.write(self._cmd, b"n")
        except OSError:
            raise self._gone() from None
        try:
            message = self._get()
        except BaseException:
            self.close()
            raise
        kind = message[0]
        if kind == "item":
            return message[1]
        self.close()
        if kind == "end":
            self.result = message[1]
            raise StopIteration
        if kind == "error":
            raise NetlearnError(message[1], exit_code=message[2])
        raise NetlearnError(say("core.netns.child.sent", kind=repr(kind)))

    def close(self) -> None:
        """Stop the child (its `finally` blocks get STOP_GRACE seconds), reap it, close pipes."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            os.write(self._cmd, b"c")
        with contextlib.suppress(OSError):
            os.close(self._cmd)
        if self._reap(wait=self.STOP_GRACE) is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, signal.SIGTERM)
            if self._reap(wait=self.STOP_GRACE) is None:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self._pid, signal.SIGKILL)
                self._reap(wait=None)
        with contextlib.suppress(OSError):
            os.close(self._rep)

    def _reap(self, wait: float | None) -> str | None:
        """Wait for the child (at most `wait` seconds; None: as long as it takes).

        Returns how it ended ("" for a clean exit), or None while it still runs."""
        if not self._pid:
            return ""
        deadline = None if wait is None else time.monotonic() + wait
        while True:
            try:
                pid, status = os.waitpid(self._pid, 0 if wait is None else os.WNOHANG)
            except ChildProcessError:
                self._pid = 0
                return ""
            if pid:
                self._pid = 0
                if os.WIFSIGNALED(status):
                    return f"killed by {signal.Signals(os.WTERMSIG(status)).name}"
                code = os.waitstatus_to_exitcode(status)
                return f"exit status {code}" if code else ""
            if deadline is not None and time.monotonic() >= deadline:
                return None
            time.sleep(0.01)

    def __enter__(self) -> PrivateNet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()
