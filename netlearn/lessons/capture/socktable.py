"""The kernel's own table of TCP sockets, read from `/proc/net/tcp` and `/proc/net/tcp6`.

This is what `ss -tan` and `netstat -tan` print. Each line is one socket: local and remote
address as hexadecimal (IPv4 addresses in the host's byte order, ports big-endian), the state as
a number, and for TIME-WAIT sockets the time left before the kernel forgets them. Reading it
needs no privilege.
"""

from __future__ import annotations

import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

# include/net/tcp_states.h
STATES = {
    1: "ESTABLISHED",
    2: "SYN-SENT",
    3: "SYN-RECEIVED",
    4: "FIN-WAIT-1",
    5: "FIN-WAIT-2",
    6: "TIME-WAIT",
    7: "CLOSED",
    8: "CLOSE-WAIT",
    9: "LAST-ACK",
    10: "LISTEN",
    11: "CLOSING",
    12: "SYN-RECEIVED",  # TCP_NEW_SYN_RECV: a request socket waiting for the final ACK
}
USER_HZ = 100  # the unit of the timer column in /proc/net/tcp (clock ticks)


@dataclass(frozen=True)
class SockEntry:
    """One line of the socket table."""

    local: tuple[str, int]
    remote: tuple[str, int]
    state: str
    timer_left: float | None  # seconds until the kernel's timer for this socket fires
    line: str  # the line exactly as the kernel wrote it

    def local_text(self) -> str:
        return _endpoint(*self.local)

    def remote_text(self) -> str:
        return _endpoint(*self.remote)


def _endpoint(ip: str, port: int) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _addr(text: str) -> tuple[str, int]:
    hex_ip, hex_port = text.split(":")
    raw = bytes.fromhex(hex_ip)
    if len(raw) == 4:
        ip = socket.inet_ntop(socket.AF_INET, struct.pack("<I", struct.unpack(">I", raw)[0]))
    else:
        # Four 32-bit words, each in the host's byte order.
        words = struct.unpack(">4I", raw)
        packed = b"".join(
            struct.pack(f"{'<' if sys.byteorder == 'little' else '>'}I", w) for w in words
        )
        ip = socket.inet_ntop(socket.AF_INET6, packed)
    return ip, int(hex_port, 16)


def parse_line(line: str) -> SockEntry | None:
    """One data line of /proc/net/tcp(6); None for the header or a line we cannot read."""
    parts = line.split()
    if len(parts) < 6 or not parts[0].endswith(":") or parts[0] == "sl":
        return None
    try:
        local, remote = _addr(parts[1]), _addr(parts[2])
        state = STATES.get(int(parts[3], 16), f"state {parts[3]}")
        timer_active, when = parts[5].split(":")
        left = int(when, 16) / USER_HZ if int(timer_active, 16) else None
    except (ValueError, OSError):
        return None
    return SockEntry(local, remote, state, left, line.rstrip("\n"))


def read(
    paths: tuple[Path, ...] = (Path("/proc/net/tcp"), Path("/proc/net/tcp6")),
) -> list[SockEntry]:
    """Every TCP socket the kernel holds in this network namespace."""
    out: list[SockEntry] = []
    for path in paths:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            continue
        for line in lines[1:]:
            entry = parse_line(line)
            if entry is not None:
                out.append(entry)
    return out


def for_port(port: int, entries: list[SockEntry] | None = None) -> list[SockEntry]:
    """The sockets with `port` at either end."""
    entries = read() if entries is None else entries
    return [e for e in entries if port in (e.local[1], e.remote[1])]


def header() -> str:
    """The column names line of /proc/net/tcp, for showing recorded lines."""
    try:
        return Path("/proc/net/tcp").read_text().splitlines()[0]
    except (OSError, IndexError):
        return ""
