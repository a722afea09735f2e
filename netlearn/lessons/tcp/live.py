"""The real kernel's view of a connection: TCP_INFO, read with getsockopt (no privilege needed).

The lesson's only real sockets: a connection on 127.0.0.1 (port 0), bounded by a deadline on the
`Env`'s clock and by socket timeouts, so it never hangs.

`struct tcp_info` is declared in linux/tcp.h; its first 104 bytes have kept their layout since
Linux 2.6: eight one-byte fields, then 32-bit counters. Times are in microseconds.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
from dataclasses import dataclass

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError

_LAYOUT = struct.Struct("=8B24I")  # tcpi_state ... tcpi_total_retrans (104 bytes)
_FIELDS = [
    "state",
    "ca_state",
    "retransmits",
    "probes",
    "backoff",
    "options",
    "wscale",
    "app_limited",
    "rto",
    "ato",
    "snd_mss",
    "rcv_mss",
    "unacked",
    "sacked",
    "lost",
    "retrans",
    "fackets",
    "last_data_sent",
    "last_ack_sent",
    "last_data_recv",
    "last_ack_recv",
    "pmtu",
    "rcv_ssthresh",
    "rtt",
    "rttvar",
    "snd_ssthresh",
    "snd_cwnd",
    "advmss",
    "reordering",
    "rcv_rtt",
    "rcv_space",
    "total_retrans",
]


@dataclass(frozen=True)
class TcpInfo:
    """The fields of struct tcp_info this lesson shows (times in seconds, windows in segments)."""

    state: int
    rto: float
    rtt: float
    rttvar: float
    snd_mss: int
    snd_cwnd: int
    snd_ssthresh: int
    total_retrans: int
    unacked: int


def tcp_info(sock: socket.socket) -> TcpInfo:
    """TCP_INFO of a connected TCP socket (Linux only)."""
    option = getattr(socket, "TCP_INFO", None)
    if option is None or not sys.platform.startswith("linux"):
        raise NetlearnError(say("tcp.live.not-linux"))
    raw = sock.getsockopt(socket.IPPROTO_TCP, option, _LAYOUT.size)
    if len(raw) < _LAYOUT.size:
        raise NetlearnError(say("tcp.live.too-short", got=len(raw), wanted=_LAYOUT.size))
    v = dict(zip(_FIELDS, _LAYOUT.unpack(raw[: _LAYOUT.size]), strict=True))
    return TcpInfo(
        state=v["state"],
        rto=v["rto"] / 1e6,
        rtt=v["rtt"] / 1e6,
        rttvar=v["rttvar"] / 1e6,
        snd_mss=v["snd_mss"],
        snd_cwnd=v["snd_cwnd"],
        snd_ssthresh=v["snd_ssthresh"],
        total_retrans=v["total_retrans"],
        unacked=v["unacked"],
    )


def measure(env: Env, nbytes: int = 256 * 1024, timeout: float = 5.0) -> TcpInfo:
    """Open a real connection on 127.0.0.1 (port 0), send `nbytes` through it, read TCP_INFO
    from the sender once the receiver has everything (within `timeout` seconds of `env.clock`)."""
    deadline = env.clock() + timeout
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(timeout)
        port = server.getsockname()[1]
        got = bytearray()

        def receive() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(timeout)
                while len(got) < nbytes and env.clock() < deadline:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got.extend(chunk)
                conn.sendall(b"k")

        reader = threading.Thread(target=receive, daemon=True)
        reader.start()
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
            client.sendall(b"x" * nbytes)
            if client.recv(1) != b"k" or len(got) < nbytes:
                raise NetlearnError(say("tcp.live.short"))
            info = tcp_info(client)
        reader.join(max(0.0, deadline - env.clock()))
    return info
