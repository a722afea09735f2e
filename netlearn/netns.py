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

import ctypes
import errno
import fcntl
import os
import socket
import struct
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netlearn.content.words import say
from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from netlearn.live.capture_child import PrivateNet

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
    if name == "PrivateNet":
        from netlearn.live.capture_child import PrivateNet

        return PrivateNet
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


def in_private_net(factory: Callable[[], Iterator[Any]]) -> PrivateNet:
    """Run `factory()` (a producer of events) in a private user + network namespace."""
    from netlearn.live.capture_child import PrivateNet

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
