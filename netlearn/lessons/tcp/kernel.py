"""The real kernel's view of a connection: TCP_INFO, read with getsockopt (no privilege needed).

`struct tcp_info` is declared in linux/tcp.h; its first 104 bytes have kept their layout since
Linux 2.6: eight one-byte fields, then 32-bit counters. Times are in microseconds.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Table

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
        raise NetlearnError("TCP_INFO is a Linux socket option; this system has none")
    raw = sock.getsockopt(socket.IPPROTO_TCP, option, _LAYOUT.size)
    if len(raw) < _LAYOUT.size:
        raise NetlearnError(f"TCP_INFO gave {len(raw)} bytes, fewer than {_LAYOUT.size}")
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


def measure(nbytes: int = 256 * 1024, timeout: float = 5.0) -> TcpInfo:
    """Open a real connection on 127.0.0.1 (port 0), send `nbytes` through it, read TCP_INFO
    from the sender once the receiver has everything."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(timeout)
        port = server.getsockname()[1]
        got = bytearray()

        def receive() -> None:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(timeout)
                while len(got) < nbytes:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got.extend(chunk)
                conn.sendall(b"k")

        reader = threading.Thread(target=receive, daemon=True)
        reader.start()
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
            client.sendall(b"x" * nbytes)
            if client.recv(1) != b"k":
                raise NetlearnError("the loopback receiver did not get all the data")
            info = tcp_info(client)
        reader.join(timeout)
    return info


def kernel_scene(env: Env) -> Iterator[Event]:
    """The kernel's numbers beside the simulation's (the `loss` scenario's client)."""
    import random

    from netlearn.lessons.tcp.scenarios import run

    info = measure()
    trace = run("loss", random.Random(env.rng.getrandbits(32)))
    sim = trace.endpoints.get("client")
    retrans = sum("retransmission" in getattr(s, "marks", ()) for s in trace.segments())
    rows = [
        ("smoothed RTT", f"{info.rtt * 1000:.3f} ms", _sim(sim, "srtt")),
        ("RTT variation", f"{info.rttvar * 1000:.3f} ms", _sim(sim, "rttvar")),
        ("RTO", f"{info.rto * 1000:.0f} ms", _sim(sim, "rto")),
        ("cwnd", f"{info.snd_cwnd} segments", _sim(sim, "cwnd")),
        ("MSS", f"{info.snd_mss} bytes", "1460 bytes"),
        ("retransmissions", str(info.total_retrans), str(retrans)),
    ]
    yield Table(
        title="A real Linux connection on 127.0.0.1 beside the simulated one",
        columns=("", "the kernel (TCP_INFO)", "netlearn's simulation (loss scenario)"),
        rows=tuple(rows),
        caption="Loopback has a round trip of microseconds, so the kernel's RTO is its floor: "
        "TCP_RTO_MIN = 200 ms plus a little, where RFC 6298 says 1 s. Its cwnd starts at 10 "
        "segments (RFC 6928), the simulation's at 3 (RFC 5681); loopback's MSS is 65483.",
    )
    yield Note(
        tone="tip",
        text="Read it yourself: `ss -ti` prints the same TCP_INFO for every connection "
        "(rtt:, rto:, cwnd:, ssthresh:).",
    )


def _sim(ep: object, what: str) -> str:
    if ep is None:
        return "-"
    if what == "srtt":
        return f"{ep.srtt * 1000:.3f} ms"  # type: ignore[attr-defined]
    if what == "rttvar":
        return f"{ep.rttvar * 1000:.3f} ms"  # type: ignore[attr-defined]
    if what == "rto":
        return f"{ep.rto * 1000:.0f} ms"  # type: ignore[attr-defined]
    if what == "cwnd":
        return f"{ep.cc.cwnd / ep.smss:.1f} segments"  # type: ignore[attr-defined]
    return "-"
