"""Building a scenario: the two endpoints, the simulated wire, the trace it leaves.

A scenario (`scenarios`, `recovery`) is a short script of user calls and losses run on the
simulator. This module holds what they share: the `Trace` a run leaves (the events to draw and
the packets a capture at the client saw), the what-if `Options`, the documentation addresses and
the HTTP messages. All randomness (ports, ISNs, IP identifiers) comes from the `random.Random`
passed in, so a seed repeats a run exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from netlearn.events import Event, Note, Peers, Segment, StateChange, TcpSegment, Title
from netlearn.lessons.tcp.protocol import Config, Endpoint, Why
from netlearn.lessons.tcp.sim import Captured, Simulation
from netlearn.lessons.tcp.whatif import Plan

# Documentation addresses (RFC 5737): they never belong to a real host.
CLIENT_IP = "192.0.2.10"
SERVER_IP = "198.51.100.20"
HTTP_PORT = 80
ONE_WAY = 0.015  # seconds: a 30 ms round trip, a typical path across one country

REQUEST = (
    b"GET /hello.txt HTTP/1.1\r\n"
    b"Host: 198.51.100.20\r\n"
    b"User-Agent: netlearn/0.1\r\n"
    b"Accept: */*\r\n"
    b"\r\n"
)
_BODY = b"".join(
    b"Line %02d: TCP numbers every byte, so the receiver can put them back in order.\n" % i
    for i in range(1, 23)
)
RESPONSE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Content-Type: text/plain\r\n"
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n"
    b"\r\n" + _BODY
)


@dataclass
class Trace:
    """A scenario's events and the packets a capture at the client recorded."""

    name: str
    events: list[Event]
    captured: list[Captured] = field(default_factory=list)
    fates: dict[int, str] = field(default_factory=dict)  # segment number -> what-if applied
    endpoints: dict[str, Endpoint] = field(default_factory=dict)  # by name, after the run
    reasons: dict[int, Why] = field(default_factory=dict)  # segment number -> why it was sent

    def segments(self) -> list[Segment]:
        return [e for e in self.events if isinstance(e, Segment)]

    def state_changes(self) -> list[StateChange]:
        return [e for e in self.events if isinstance(e, StateChange)]


@dataclass(frozen=True)
class Options:
    """The what-if switches every scenario takes: a fault plan, SACK and delayed ACKs."""

    plan: Plan | None = None
    sack: bool = True
    delayed_acks: bool = True

    @property
    def whatif(self) -> bool:
        return self.plan is not None and not self.plan.empty

    def config(self, **changes: object) -> Config:
        base: dict[str, object] = {"sack": self.sack}
        if not self.delayed_acks:
            base["delayed_acks"] = False
        base.update(changes)
        if not self.delayed_acks:
            base["delayed_acks"] = False
        return Config(**base)  # type: ignore[arg-type]


def trace(name: str, events: list[Event], sim: Simulation, **kw: object) -> Trace:
    """The trace of a finished run."""
    return Trace(name, events, sim.capture(), sim.fates, reasons=sim.reasons, **kw)  # type: ignore[arg-type]


def narrate(events: list[Event], opts: Options | None, note: Note) -> None:
    """A scenario's narration, left out when a what-if changed the run it describes."""
    if opts is None or not opts.whatif:
        events.append(note)


def simulation(
    a: Endpoint, b: Endpoint, opts: Options | None, watch: Endpoint | None = None, **kw: object
) -> Simulation:
    plan = opts.plan if opts is not None else None
    return Simulation(a, b, delay=ONE_WAY, capture_at=a, plan=plan, watch=watch, **kw)  # type: ignore[arg-type]


def ephemeral_port(rng: random.Random) -> int:
    # Linux picks a client's port from net.ipv4.ip_local_port_range, 32768-60999 by default.
    return rng.randint(32768, 60999)


def client_server(
    rng: random.Random,
    opts: Options | None = None,
    client_config: dict[str, object] | None = None,
    server_config: dict[str, object] | None = None,
) -> tuple[Endpoint, Endpoint]:
    opts = opts or Options()
    client = Endpoint(
        "client", CLIENT_IP, ephemeral_port(rng), rng, opts.config(**(client_config or {}))
    )
    server = Endpoint("server", SERVER_IP, HTTP_PORT, rng, opts.config(**(server_config or {})))
    return client, server


def peers(a: Endpoint, b: Endpoint, absolute: bool) -> Peers:
    return Peers(
        left=a.name,
        right=b.name,
        left_addr=f"{a.ip}:{a.port}",
        right_addr=f"{b.ip}:{b.port}",
        numbers="absolute" if absolute else "relative",
    )


def start(title: str, subtitle: str, a: Endpoint, b: Endpoint, absolute: bool) -> list[Event]:
    return [Title(text=title, subtitle=subtitle), peers(a, b, absolute)]


def open_connection(sim: Simulation, client: Endpoint, server: Endpoint) -> None:
    """The server listens, the client connects, and the handshake runs to its end."""
    sim.call(server, "open_passive")
    sim.call(client, "open_active", server.ip, server.port)
    sim.run()


def upload(size: int) -> bytes:
    """An HTTP PUT of `size` bytes of text in all: the client is the sender here."""
    head = (
        b"PUT /upload/notes.txt HTTP/1.1\r\nHost: 198.51.100.20\r\n"
        b"Content-Type: text/plain\r\nContent-Length: %d\r\n\r\n"
    )
    body_len = size - len(head % size)
    body_len = size - len(head % body_len)
    line = b"TCP numbers every byte; the receiver acknowledges the next one it expects.\n"
    body = (line * (body_len // len(line) + 1))[:body_len]
    return head % len(body) + body


def lose_data(client: Endpoint, which: dict[int, int]) -> Callable[[Endpoint, object], bool]:
    """A loss rule: the client's data segment number k (1 = first data segment, counting first
    transmissions only) is lost `which[k]` times (its first sending and its next copies)."""
    numbers: dict[int, int] = {}
    left = dict(which)

    def lose(ep: Endpoint, seg: object) -> bool:
        if ep is not client or not seg.payload:  # type: ignore[attr-defined]
            return False
        seq = seg.seq  # type: ignore[attr-defined]
        k = numbers.setdefault(seq, len(numbers) + 1)
        if left.get(k, 0) > 0:
            left[k] -= 1
            return True
        return False

    return lose


def numbered(trace_events: list[Event]) -> list[tuple[int, TcpSegment]]:
    segs = [e for e in trace_events if isinstance(e, TcpSegment)]
    return list(enumerate(segs, start=1))
