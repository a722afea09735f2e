"""A private network of one's own: a user + network namespace, where capturing needs no sudo.

Opening a packet socket needs CAP_NET_RAW over the network namespace it captures in. A user
without privilege may, on most Linux systems, create a new *user* namespace (in which it holds
every capability) together with a new *network* namespace owned by it: a network with nothing
in it but its own loopback interface. There it may capture, and a demo whose server and client
are netlearn's own needs nothing more.

`in_private_net(factory)` runs a producer there. It forks a child (a fork has one thread, which
unshare(CLONE_NEWUSER) requires), the child enters the namespaces, brings `lo` up and runs
`factory()`; each event the parent asks for is pickled back over a pipe. The parent, which owns
the terminal, the progress file and the learner's files, never leaves its namespace. The
child's user id is mapped to itself, so a file it writes is the learner's, as any other.

Where namespaces are refused (sysctls, AppArmor, containers, not Linux), `NamespaceUnavailable`
says why and what would allow it.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import select
import signal
import socket
import struct
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.netns_pipe import recv as _recv
from netlearn.netns_pipe import recv_exact as _recv_exact
from netlearn.netns_pipe import send as _send

CAP_NET_RAW = 13
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

# Test hook: make the unshare call fail with this errno name (EPERM, ENOSPC, EINVAL, ENOSYS).
FAIL_ENV = "NETLEARN_NETNS_FAIL"

_inside = False
_refused = ""  # why the kernel last refused this process a namespace ("" if it never did)


def __getattr__(name: str) -> Any:
    if name == "NOTICE":  # the notice's text (lessons/core/netns.toml), for tests that compare
        return say("core.netns.notice")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class NamespaceUnavailable(NetlearnError):
    """The kernel would not give this process a user + network namespace (the reason and fix)."""


def inside() -> bool:
    """True in the child that `in_private_net` runs in a private network namespace."""
    return _inside


def last_refusal() -> str:
    """Why the last attempt at a private namespace failed, if one did in this process."""
    return _refused


def mark_inside() -> None:
    """Called by the child once it is in its private namespace (see `inside`)."""
    global _inside
    _inside = True


def refusal_seen(why: str) -> NamespaceUnavailable:
    global _refused
    _refused = why
    return NamespaceUnavailable(why)


def has_net_raw() -> bool:
    """Whether this process holds CAP_NET_RAW (its effective capability set, not its uid)."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return os.geteuid() == 0
    for line in text.splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) >> CAP_NET_RAW & 1)
    return os.geteuid() == 0


def _read_sysctl(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def refusal(err: int) -> str:
    """Why the kernel refused a user namespace (errno `err`), and what would allow it."""
    fix = say("core.netns.fix-sudo")
    if sys.platform != "linux" or err == errno.ENOSYS:
        return say("core.netns.refused.not-linux", fix=fix)
    if _read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == "0":
        return say("core.netns.refused.userns-clone", fix=fix)
    if _read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == "1":
        return say("core.netns.refused.apparmor", fix=fix)
    if err == errno.ENOSPC or _read_sysctl("/proc/sys/user/max_user_namespaces") == "0":
        return say("core.netns.refused.max-namespaces", fix=fix)
    if err == errno.EINVAL:
        return say("core.netns.refused.no-userns", fix=fix)
    return say("core.netns.refused.other", error=errno.errorcode.get(err, err), fix=fix)


def libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _write(path: str, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


def lo_up() -> None:
    """Bring the loopback interface of this network namespace up (ioctl; no iproute2 needed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        ifreq = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(sock, SIOCGIFFLAGS, ifreq))[1]
        if not flags & IFF_UP:
            fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


def enter_private_net() -> None:
    """Move this (single-threaded) process into a new user + network namespace, `lo` up.

    The user and group ids are mapped to themselves, so files keep their owners; the process
    holds every capability inside (CAP_NET_RAW among them) and none outside.
    """
    uid, gid = os.geteuid(), os.getegid()
    forced = os.environ.get(FAIL_ENV, "")
    if forced:
        raise NamespaceUnavailable(refusal(getattr(errno, forced, errno.EPERM)))
    if sys.platform != "linux":
        raise NamespaceUnavailable(refusal(errno.ENOSYS))
    c_lib = libc()
    if c_lib.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        raise NamespaceUnavailable(refusal(ctypes.get_errno()))
    try:
        _write("/proc/self/setgroups", "deny")  # required before an unprivileged gid_map
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
        lo_up()
    except OSError as exc:
        raise NamespaceUnavailable(
            say("core.netns.refused.setup", error=exc.strerror or exc)
        ) from None


# ---------------------------------------------------------------- the child and its pipe

PR_SET_PDEATHSIG = 1


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
            enter_private_net()
        except NamespaceUnavailable as exc:
            _send(replies, ("denied", str(exc)))
            return
        with contextlib.suppress(OSError, AttributeError):  # the parent's death ends us too
            libc().prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:
            return
        mark_inside()
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
                raise refusal_seen(message[1])
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


def in_private_net(factory: Callable[[], Iterator[Any]]) -> PrivateNet:
    """Run `factory()` (a producer of events) in a private user + network namespace."""
    return PrivateNet(factory)


def probe() -> str | None:
    """None when this process may have a private namespace; else why not (with the fix)."""
    try:
        with in_private_net(lambda: iter(())):
            return None
    except NamespaceUnavailable as exc:
        return str(exc)


def notice() -> Any:
    """The one line that says where a live demo runs, and why (a Note event)."""
    from netlearn.events import Note

    return Note(text=say("core.netns.notice"), tone="tip")


def with_notice(events: Iterator[Any], *, after_title: bool) -> Iterator[Any]:
    """The events with `notice()` first, or right after the first event (the title)."""
    told = False
    try:
        if not after_title:
            told = True
            yield notice()
        for event in events:
            yield event
            if not told:
                told = True
                yield notice()
    finally:
        close = getattr(events, "close", None)
        if close is not None:
            close()
