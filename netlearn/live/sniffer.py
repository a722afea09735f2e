"""A Linux packet socket on one interface: every frame once, with the kernel's timestamp.

An `AF_PACKET` socket receives whole frames from an interface, before (incoming) or after
(outgoing) the kernel's TCP/IP code has handled them. Opening one needs the CAP_NET_RAW
capability, which root has. The filter is attached before the socket is bound to the
interface, so not one unwanted packet slips in between.
"""

from __future__ import annotations

import errno
import os
import select
import socket
import struct
import time
from dataclasses import dataclass, field
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.live import capture_bpf as bpf
from netlearn.packets.headers import LINKTYPE_ETHERNET, LINKTYPE_RAW

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_STATISTICS = 6
SO_TIMESTAMPNS = 35
SO_RCVBUFFORCE = 33
PACKET_OUTGOING = 4
RCVBUF = 32 * 1024 * 1024
FRAME_MAX = 262144  # loopback can hand over 64 KiB segments (and more with big TCP)

_TIMESPEC = struct.Struct("@ll")

# ARPHRD_* hardware types (/sys/class/net/IFACE/type) -> pcap link type and libpcap DLT.
_HW_TYPES = {
    1: (LINKTYPE_ETHERNET, bpf.DLT_EN10MB),  # Ethernet
    772: (LINKTYPE_ETHERNET, bpf.DLT_EN10MB),  # loopback (Linux gives it an Ethernet header)
    65534: (LINKTYPE_RAW, bpf.DLT_RAW),  # "none": tun devices, WireGuard
}


class CaptureDenied(NetlearnError):
    """No privilege to open a packet socket."""


@dataclass
class Frame:
    """One frame as the socket delivered it."""

    ts: float
    data: bytes
    outgoing: bool


@dataclass
class SnifferStats:
    """Exact counts since the socket opened."""

    frames: int = 0  # handed to us by the kernel
    skipped_outgoing: int = 0  # second copies on loopback dropped here (Python fallback)
    kernel_drops: int = 0  # the socket's buffer was full: lost before we could read them
    extra: dict[str, int] = field(default_factory=dict)


def interface_type(iface: str) -> int:
    """The interface's ARPHRD hardware type; NetlearnError when there is no such interface."""
    try:
        socket.if_nametoindex(iface)
    except OSError:
        names = ", ".join(name for _i, name in socket.if_nameindex())
        raise NetlearnError(
            say("core.capture.interface.missing", iface=repr(iface), names=names)
        ) from None
    try:
        return int(Path(f"/sys/class/net/{iface}/type").read_text().strip())
    except (OSError, ValueError):
        return 1


def is_loopback(iface: str) -> bool:
    return interface_type(iface) == 772


class Sniffer:
    """A packet socket on `iface`, filtered to TCP port `port` (or all TCP when None).

    With libpcap, the filter runs in the kernel; without it (or with `use_libpcap=False`),
    every frame comes up and `kernel_filter` is False: the caller must filter in Python. On
    loopback the second, outgoing copy of each segment is dropped (in the kernel when the
    filter is there, here otherwise).
    """

    def __init__(self, iface: str = "lo", port: int | None = None, use_libpcap: bool = True):
        hw = interface_type(iface)
        if hw not in _HW_TYPES:
            raise NetlearnError(say("core.capture.interface.hardware", iface=repr(iface), hw=hw))
        self.iface = iface
        self.port = port
        self.loopback = hw == 772
        self.linktype, self._dlt = _HW_TYPES[hw]
        self.expression = f"tcp port {port}" if port is not None else "tcp"
        self.kernel_filter = False
        self.filter_note = ""
        self.program: list[bpf.Insn] = []
        self.stats = SnifferStats()
        self._use_libpcap = use_libpcap
        self._sock: socket.socket | None = None
        self._buf = bytearray(FRAME_MAX)
        self._anc = socket.CMSG_SPACE(_TIMESPEC.size)

    # ------------------------------------------------------------------ opening

    def open(self) -> Sniffer:
        """Open the socket, attach the filter, then bind (CaptureDenied without privilege)."""
        try:
            sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
        except PermissionError:
            raise CaptureDenied(say("core.capture.privilege.how-to")) from None
        try:
            self._attach_filter(sock)
            sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            try:
                sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, RCVBUF)
            except OSError:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
            sock.bind((self.iface, ETH_P_ALL))
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        return self

    def _attach_filter(self, sock: socket.socket) -> None:
        if not self._use_libpcap:
            self.filter_note = say("core.capture.filter.python")
            return
        try:
            program = bpf.compile_filter(self.expression, self._dlt)
        except bpf.LibpcapMissing as exc:
            self.filter_note = say(
                "core.capture.filter.no-libpcap",
                error=exc,
                iface=self.iface,
                expression=self.expression,
            )
            return
        compiled = len(program)
        added = 0
        if self.loopback and len(program) <= 255:
            program = bpf.drop_outgoing(program)
            added = len(program) - compiled
        bpf.attach(sock, program)
        self.program = program
        self.kernel_filter = True
        self.filter_note = say(
            "core.capture.filter.kernel",
            expression=self.expression,
            compiled=compiled,
            added=say("core.capture.filter.kernel-added", added=added) if added else "",
            total=len(program),
        )

    # ------------------------------------------------------------------ reading

    def fileno(self) -> int:
        assert self._sock is not None
        return self._sock.fileno()

    def read(self, timeout: float, limit: int = 512) -> list[Frame]:
        """The frames waiting now (up to `limit`), after at most `timeout` seconds of waiting."""
        sock = self._sock
        if sock is None:
            return []
        ready, _w, _x = select.select([sock], [], [], timeout)
        if not ready:
            return []
        out: list[Frame] = []
        buf, anc = self._buf, self._anc
        skip_outgoing = self.loopback
        while len(out) < limit:
            try:
                size, ancdata, _flags, addr = sock.recvmsg_into([buf], anc)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno in (errno.EINTR, errno.EAGAIN):
                    break
                raise
            self.stats.frames += 1
            outgoing = addr[2] == PACKET_OUTGOING
            if outgoing and skip_outgoing:
                self.stats.skipped_outgoing += 1
                continue
            ts = 0.0
            for level, kind, data in ancdata:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = _TIMESPEC.unpack_from(data)
                    ts = sec + nsec * 1e-9
            out.append(Frame(ts or time.time(), bytes(buf[:size]), outgoing))
        return out

    def update_drops(self) -> int:
        """Ask the kernel how many frames it dropped because our buffer was full."""
        if self._sock is None:
            return self.stats.kernel_drops
        try:
            raw = self._sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        except OSError:
            return self.stats.kernel_drops
        _packets, drops = struct.unpack("II", raw)  # reading resets the kernel's counters
        self.stats.kernel_drops += drops
        return self.stats.kernel_drops

    def close(self) -> None:
        if self._sock is not None:
            self.update_drops()
            self._sock.close()
            self._sock = None

    def __enter__(self) -> Sniffer:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()


def can_open(iface: str = "lo") -> tuple[bool, str]:
    """Whether this process may open a packet socket on `iface` (and why not)."""
    try:
        interface_type(iface)
    except NetlearnError as exc:
        return False, str(exc)
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except PermissionError:
        return False, say("core.capture.privilege.how-to")
    except OSError as exc:
        error = os.strerror(exc.errno or 0)
        return False, say("core.capture.privilege.no-packet-sockets", error=error)
    sock.close()
    return True, say("core.capture.privilege.can", iface=iface)
