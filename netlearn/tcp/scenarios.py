"""The lesson's scenarios: scripts of user calls and losses, run on the simulator.

Each scenario returns a `Trace`: the events to draw (a title, the peers, every state change and
segment, short narration) and the packets as a capture at the client saw them, for `--write`.
All randomness (ports, ISNs, IP identifiers) comes from the `random.Random` passed in, so a
seed repeats a run exactly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Segment, StateChange, Title
from netlearn.tcp.endpoint import Config, Endpoint
from netlearn.tcp.events import Peers
from netlearn.tcp.sim import Captured, Simulation

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

    def segments(self) -> list[Segment]:
        return [e for e in self.events if isinstance(e, Segment)]

    def state_changes(self) -> list[StateChange]:
        return [e for e in self.events if isinstance(e, StateChange)]


def _ephemeral_port(rng: random.Random) -> int:
    # Linux picks a client's port from net.ipv4.ip_local_port_range, 32768-60999 by default.
    return rng.randint(32768, 60999)


def _client_server(rng: random.Random) -> tuple[Endpoint, Endpoint]:
    client = Endpoint("client", CLIENT_IP, _ephemeral_port(rng), rng)
    server = Endpoint("server", SERVER_IP, HTTP_PORT, rng)
    return client, server


def _peers(a: Endpoint, b: Endpoint, absolute: bool) -> Peers:
    return Peers(
        left=a.name,
        right=b.name,
        left_addr=f"{a.ip}:{a.port}",
        right_addr=f"{b.ip}:{b.port}",
        numbers="absolute" if absolute else "relative",
    )


def _start(title: str, subtitle: str, a: Endpoint, b: Endpoint, absolute: bool) -> list[Event]:
    return [Title(text=title, subtitle=subtitle), _peers(a, b, absolute)]


def _handshake(sim: Simulation, client: Endpoint, server: Endpoint) -> None:
    sim.call(server, "open_passive")
    sim.call(client, "open_active", server.ip, server.port)
    sim.run()


# ---------------------------------------------------------------------- the scenarios


def handshake(rng: random.Random, absolute: bool = False) -> Trace:
    client, server = _client_server(rng)
    sim = Simulation(client, server, delay=ONE_WAY, capture_at=client)
    _handshake(sim, client, server)
    assert client.iss is not None and server.iss is not None
    events = _start(
        "The three-way handshake",
        f"A client at {client.ip} opens a connection to a web server at {server.ip} port 80. "
        "The server's program is already listening; the client's program calls connect().",
        client,
        server,
        absolute,
    )
    events += sim.events
    events.append(
        Note(
            text=f"Three segments, and each side knows both initial sequence numbers: the "
            f"client's ISN is {client.iss}, the server's {server.iss}. Each SYN used up one "
            "sequence number, so in relative numbers (counted from each side's ISN) the first "
            "data byte in either direction will be byte 1. The third segment carries no data "
            "and uses no number: its seq is still 1.",
        )
    )
    return Trace("handshake", events, sim.capture())


def transfer(rng: random.Random, absolute: bool = False) -> Trace:
    client, server = _client_server(rng)
    sim = Simulation(client, server, delay=ONE_WAY, capture_at=client)
    _handshake(sim, client, server)
    t0 = sim.now
    sim.at(0.001, client, "send", REQUEST)
    # The server's program reads the request 2 ms after it arrives and writes the response.
    sim.at(0.001 + ONE_WAY + 0.002, server, "read")
    sim.at(0.001 + ONE_WAY + 0.002, server, "send", RESPONSE)
    sim.run()
    sim.at(0.001, client, "read")
    sim.run()
    n_req, n_resp = len(REQUEST), len(RESPONSE)
    events = _start(
        "Data both ways: sequence numbers, ACKs and the window",
        f"After the handshake the client sends an HTTP request of {n_req} bytes; the server "
        f"answers with {n_resp} bytes, more than fit in one segment.",
        client,
        server,
        absolute,
    )
    events += [e for e in sim.events if e.t <= t0]
    later = [e for e in sim.events if e.t > t0]
    # The notes go after the segments they explain: the ACK of the request, then the ACK
    # of the response.
    acks = [
        i
        for i, e in enumerate(later)
        if isinstance(e, Segment) and e.payload_len == 0 and e.flags == "A"
    ]
    first, second = acks[0], acks[1]
    events += later[: first + 1]
    events.append(
        Note(
            text=f"The request's {n_req} bytes are numbered 1 to {n_req} (relative), so its "
            f"seq is 1 and the server answers ACK {n_req + 1}: the next byte it expects. The "
            f"server's window drops by {n_req}, the bytes its program has not read yet. It "
            "stays there even after the program reads them: a receiver moves its window's "
            "right edge only in steps of at least one MSS, so that the sender is never "
            "invited to send tiny segments (silly window syndrome avoidance, RFC 9293 "
            "section 3.8.6.2.2).",
        )
    )
    events += later[first + 1 : second + 1]
    events.append(
        Note(
            text=f"The response is {n_resp} bytes: the first segment carries a full MSS of "
            f"1460 bytes (seq 1), the second the other {n_resp - 1460} (seq 1461) with PSH "
            f"set, because the server's program has nothing more to write for now. One "
            f"cumulative ACK {n_resp + 1} covers both: sequence numbers count bytes, not "
            "segments.",
        )
    )
    events += later[second + 1 :]
    return Trace("transfer", events, sim.capture())


def close(rng: random.Random, absolute: bool = False) -> Trace:
    client, server = _client_server(rng)
    sim = Simulation(client, server, delay=ONE_WAY, capture_at=client)
    _handshake(sim, client, server)
    t0 = sim.now
    sim.at(0.005, client, "close")
    # The server's program reads the end of the stream, finishes, and closes 5 ms later.
    sim.at(0.005 + ONE_WAY + 0.005, server, "close")
    sim.run()
    tw = client.config.time_wait
    events = _start(
        "Closing: FIN, ACK, FIN, ACK, and TIME-WAIT",
        "Each direction of a connection is closed on its own. The client closes first.",
        client,
        server,
        absolute,
    )
    events += [e for e in sim.events if e.t <= t0]
    last = [e for e in sim.events if e.t > t0]
    events += [e for e in last if not (isinstance(e, StateChange) and e.new == "CLOSED")]
    events.append(
        Note(
            text="The client sent the last ACK and waits in TIME-WAIT. RFC 9293 section 3.6.1 "
            "makes the side that closed first linger 2 x MSL (Maximum Segment Lifetime, 2 "
            "minutes in the RFC, so 4 minutes), for two reasons: if the last ACK is lost, the "
            "server sends its FIN again and the client must still be there to answer; and old "
            "segments of this connection must die out before the same addresses and ports can "
            f"be used again. Linux waits a fixed {tw:g} seconds (TCP_TIMEWAIT_LEN).",
        )
    )
    events += [e for e in last if isinstance(e, StateChange) and e.new == "CLOSED"]
    return Trace("close", events, sim.capture())


def reset(rng: random.Random, absolute: bool = False) -> Trace:
    client, server = _client_server(rng)
    # Nothing listens on port 80: the server's TCP has no connection there (state CLOSED).
    sim = Simulation(client, server, delay=ONE_WAY, capture_at=client)
    sim.call(client, "open_active", server.ip, server.port)
    sim.run()
    events = _start(
        "Reset: a SYN to a port where nobody listens",
        f"No program listens on port 80 at {server.ip}. The client's program calls connect().",
        client,
        server,
        absolute,
    )
    events += sim.events
    events.append(
        Note(
            text="The server's TCP has no connection for port 80, so it answers any segment "
            "that is not itself a reset with a reset (RFC 9293 section 3.10.7.1). The SYN had "
            "no ACK bit, so the reset uses sequence number 0 and sets ACK to the SYN's "
            "sequence number plus its length, 1: proof that it answers this very SYN. The "
            'client gives up at once: its program gets "connection refused" (ECONNREFUSED).',
        )
    )
    return Trace("reset", events, sim.capture())


def lost_syn(rng: random.Random, absolute: bool = False, losses: int = 2) -> Trace:
    if not 1 <= losses <= 6:
        raise NetlearnError("--losses must be between 1 and 6 (Linux gives up after 6 resends)")
    client, server = _client_server(rng)
    lost = {"count": 0}

    def lose(ep: Endpoint, seg: object) -> bool:
        if ep is client and seg.flags == "S" and lost["count"] < losses:  # type: ignore[attr-defined]
            lost["count"] += 1
            return True
        return False

    sim = Simulation(client, server, delay=ONE_WAY, capture_at=client, lose=lose)
    _handshake(sim, client, server)
    waits = [client.config.initial_rto * 2**i for i in range(losses)]
    schedule = " + ".join(f"{w:g}" for w in waits)
    events = _start(
        "A lost SYN: retransmission with exponential backoff",
        f"The network drops the client's first {'SYN' if losses == 1 else f'{losses} SYNs'}. "
        "Nobody tells the client: it only notices that no SYN,ACK comes back.",
        client,
        server,
        absolute,
    )
    events += sim.events
    events.append(
        Note(
            text=f"The client waited {schedule} = {sum(waits):g} seconds before the SYN that "
            "got through. Its first retransmission timeout (RTO) is 1 second (RFC 6298 section "
            "2.1; Linux uses 1 s for a SYN too), and each timeout doubles it (RFC 6298 section "
            "5.5, exponential backoff), so a congested network is not flooded with copies. "
            "Every copy has the same sequence number: it is the same SYN.",
        )
    )
    events.append(
        Note(
            tone="rfc",
            text="Section 5.7 of RFC 6298: because the SYN timed out, the client starts sending "
            "data with an RTO of 3 seconds. And by Karn's rule (section 3) the round trip of "
            "a retransmitted segment is never measured: nobody knows which copy was answered.",
        )
    )
    return Trace("lost-syn", events, sim.capture())


def simultaneous_open(rng: random.Random, absolute: bool = False) -> Trace:
    a = Endpoint("peer A", CLIENT_IP, 40001, rng)
    b = Endpoint("peer B", SERVER_IP, 40002, rng)
    sim = Simulation(a, b, delay=ONE_WAY, capture_at=a)
    sim.call(a, "open_active", b.ip, b.port)
    sim.at(0.004, b, "open_active", a.ip, a.port)
    sim.run()
    events = _start(
        "Simultaneous open: two SYNs cross",
        "Two programs that know each other's address and port both call connect() at the "
        "same moment (some peer-to-peer programs do it on purpose, to get through firewalls). "
        "Neither listens.",
        a,
        b,
        absolute,
    )
    events += sim.events
    events.append(
        Note(
            text="Each side got a SYN while in SYN-SENT, so each answered with a SYN,ACK that "
            "repeats its own SYN and acknowledges the other's, and went to SYN-RECEIVED. Each "
            "SYN,ACK then acknowledged the other's SYN: both reached ESTABLISHED, with four "
            "segments instead of three, and one connection, not two (RFC 9293 section 3.5, "
            "Figure 7; supporting this is a MUST, MUST-10).",
        )
    )
    return Trace("simultaneous-open", events, sim.capture())


SCENARIOS: dict[str, Callable[..., Trace]] = {
    "handshake": handshake,
    "transfer": transfer,
    "close": close,
    "reset": reset,
    "lost-syn": lost_syn,
    "simultaneous-open": simultaneous_open,
}

ABOUT: dict[str, str] = {
    "handshake": "SYN, SYN-ACK, ACK: both sides learn each other's sequence numbers",
    "transfer": "data both ways: seq advances by bytes, cumulative ACKs, PSH, the window",
    "close": "the four-way close, CLOSE-WAIT, LAST-ACK, FIN-WAIT-1/2 and TIME-WAIT",
    "reset": "a SYN to a closed port is answered by RST,ACK",
    "lost-syn": "the SYN is lost; retransmissions with a doubling timeout",
    "simultaneous-open": "both sides send SYN at once and pass through SYN-RECEIVED",
}


def run(name: str, rng: random.Random, **options: object) -> Trace:
    """Run the scenario called `name` (as the CLI spells it)."""
    func = SCENARIOS.get(name)
    if func is None:
        import difflib

        close_match = difflib.get_close_matches(name, SCENARIOS, n=1)
        hint = f" (did you mean {close_match[0]!r}?)" if close_match else ""
        raise NetlearnError(
            f"unknown scenario {name!r}{hint}; choose one of {', '.join(SCENARIOS)}"
        )
    return func(rng, **options)


__all__ = ["ABOUT", "SCENARIOS", "Config", "Trace", "run"]
