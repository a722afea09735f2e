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
from netlearn.events import (
    Event,
    Note,
    Peers,
    Segment,
    StateChange,
    TcpSegment,
    Title,
    WindowChart,
    WindowSample,
)
from netlearn.lessons.tcp.endpoint import Config, Endpoint
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


def _say(events: list[Event], opts: Options | None, note: Note) -> None:
    """A scenario's narration, left out when a what-if changed the run it describes."""
    if opts is None or not opts.whatif:
        events.append(note)


def _sim(
    a: Endpoint, b: Endpoint, opts: Options | None, watch: Endpoint | None = None, **kw: object
) -> Simulation:
    plan = opts.plan if opts is not None else None
    return Simulation(a, b, delay=ONE_WAY, capture_at=a, plan=plan, watch=watch, **kw)  # type: ignore[arg-type]


def _ephemeral_port(rng: random.Random) -> int:
    # Linux picks a client's port from net.ipv4.ip_local_port_range, 32768-60999 by default.
    return rng.randint(32768, 60999)


def _client_server(
    rng: random.Random,
    opts: Options | None = None,
    client_config: dict[str, object] | None = None,
    server_config: dict[str, object] | None = None,
) -> tuple[Endpoint, Endpoint]:
    opts = opts or Options()
    client = Endpoint(
        "client", CLIENT_IP, _ephemeral_port(rng), rng, opts.config(**(client_config or {}))
    )
    server = Endpoint("server", SERVER_IP, HTTP_PORT, rng, opts.config(**(server_config or {})))
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


def handshake(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = _client_server(rng, opts)
    sim = _sim(client, server, opts)
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
    _say(
        events,
        opts,
        Note(
            text=f"Three segments, and each side knows both initial sequence numbers: the "
            f"client's ISN is {client.iss}, the server's {server.iss}. Each SYN used up one "
            "sequence number, so in relative numbers (counted from each side's ISN) the first "
            "data byte in either direction will be byte 1. The third segment carries no data "
            "and uses no number: its seq is still 1.",
        ),
    )
    return Trace("handshake", events, sim.capture(), sim.fates)


def transfer(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = _client_server(rng, opts)
    sim = _sim(client, server, opts)
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
    if opts is not None and opts.whatif:
        events += sim.events
        return Trace("transfer", events, sim.capture(), sim.fates)
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
    _say(
        events,
        opts,
        Note(
            text=f"The request's {n_req} bytes are numbered 1 to {n_req} (relative), so its "
            f"seq is 1 and the server answers ACK {n_req + 1}: the next byte it expects. The "
            f"server's window drops by {n_req}, the bytes its program has not read yet. It "
            "stays there even after the program reads them: a receiver moves its window's "
            "right edge only once it can move it by min(one MSS, half its buffer), so that "
            "the sender is never invited to send tiny segments (silly window syndrome "
            "avoidance, RFC 9293 section 3.8.6.2.2).",
        ),
    )
    events += later[first + 1 : second + 1]
    _say(
        events,
        opts,
        Note(
            text=f"The response is {n_resp} bytes: the first segment carries a full MSS of "
            f"1460 bytes (seq 1), the second the other {n_resp - 1460} (seq 1461) with PSH "
            f"set, because the server's program has nothing more to write for now. One "
            f"cumulative ACK {n_resp + 1} covers both: sequence numbers count bytes, not "
            "segments.",
        ),
    )
    events += later[second + 1 :]
    return Trace("transfer", events, sim.capture(), sim.fates)


def close(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = _client_server(rng, opts)
    sim = _sim(client, server, opts)
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
    _say(
        events,
        opts,
        Note(
            text="The client sent the last ACK and waits in TIME-WAIT. RFC 9293 section 3.6.1 "
            "makes the side that closed first linger 2 x MSL (Maximum Segment Lifetime, 2 "
            "minutes in the RFC, so 4 minutes), for two reasons: if the last ACK is lost, the "
            "server sends its FIN again and the client must still be there to answer; and old "
            "segments of this connection must die out before the same addresses and ports can "
            f"be used again. Linux waits a fixed {tw:g} seconds (TCP_TIMEWAIT_LEN).",
        ),
    )
    events += [e for e in last if isinstance(e, StateChange) and e.new == "CLOSED"]
    return Trace("close", events, sim.capture(), sim.fates)


def reset(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = _client_server(rng, opts)
    # Nothing listens on port 80: the server's TCP has no connection there (state CLOSED).
    sim = _sim(client, server, opts)
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
    _say(
        events,
        opts,
        Note(
            text="The server's TCP has no connection for port 80, so it answers any segment "
            "that is not itself a reset with a reset (RFC 9293 section 3.10.7.1). The SYN had "
            "no ACK bit, so the reset uses sequence number 0 and sets ACK to the SYN's "
            "sequence number plus its length, 1: proof that it answers this very SYN. The "
            'client gives up at once: its program gets "connection refused" (ECONNREFUSED).',
        ),
    )
    return Trace("reset", events, sim.capture(), sim.fates)


def lost_syn(
    rng: random.Random, absolute: bool = False, losses: int = 2, opts: Options | None = None
) -> Trace:
    if not 1 <= losses <= 6:
        raise NetlearnError(
            "--losses must be between 1 and 6: the simulation gives up after 6 resends, as "
            "Linux did before 6.5 (tcp_syn_retries = 6)"
        )
    client, server = _client_server(rng, opts)
    lost = {"count": 0}

    def lose(ep: Endpoint, seg: object) -> bool:
        if ep is client and seg.flags == "S" and lost["count"] < losses:  # type: ignore[attr-defined]
            lost["count"] += 1
            return True
        return False

    sim = _sim(client, server, opts, lose=lose)
    _handshake(sim, client, server)
    waits = [client.config.initial_rto * 2**i for i in range(losses)]
    schedule = " + ".join(f"{w:g}" for w in waits)
    events = _start(
        "A lost SYN: retransmission with exponential backoff",
        f"The network drops the client's first {'SYN' if losses == 1 else f'{losses} SYNs'}. "
        "Nobody tells the client: it only notices that no SYN-ACK comes back.",
        client,
        server,
        absolute,
    )
    events += sim.events
    _say(
        events,
        opts,
        Note(
            text=f"The client waited {schedule} = {sum(waits):g} seconds before the SYN that "
            "got through. Its first retransmission timeout (RTO) is 1 second (RFC 6298 section "
            "2.1; Linux uses 1 s for a SYN too), and each timeout doubles it (RFC 6298 section "
            "5.5, exponential backoff), so a congested network is not flooded with copies. "
            "Every copy has the same sequence number: it is the same SYN.",
        ),
    )
    _say(
        events,
        opts,
        Note(
            tone="rfc",
            text="Section 5.7 of RFC 6298: because the SYN timed out, the client starts sending "
            "data with an RTO of 3 seconds. And by Karn's rule (section 3) the round trip of "
            "a retransmitted segment is never measured: nobody knows which copy was answered.",
        ),
    )
    return Trace("lost-syn", events, sim.capture(), sim.fates)


def simultaneous_open(
    rng: random.Random, absolute: bool = False, opts: Options | None = None
) -> Trace:
    opts = opts or Options()
    a = Endpoint("peer A", CLIENT_IP, 40001, rng, opts.config())
    b = Endpoint("peer B", SERVER_IP, 40002, rng, opts.config())
    sim = _sim(a, b, opts)
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
    _say(
        events,
        opts,
        Note(
            text="Each side got a SYN while in SYN-SENT, so each answered with a SYN-ACK that "
            "repeats its own SYN and acknowledges the other's, and went to SYN-RECEIVED. Each "
            "SYN-ACK then acknowledged the other's SYN: both reached ESTABLISHED, with four "
            "segments instead of three, and one connection, not two (RFC 9293 section 3.5, "
            "Figure 7; supporting this is a MUST, MUST-10).",
        ),
    )
    return Trace("simultaneous-open", events, sim.capture(), sim.fates)


# ---------------------------------------------------------------------- loss and recovery


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


def _lose_data(client: Endpoint, which: dict[int, int]) -> Callable[[Endpoint, object], bool]:
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


def _numbered(trace_events: list[Event]) -> list[tuple[int, TcpSegment]]:
    segs = [e for e in trace_events if isinstance(e, TcpSegment)]
    return list(enumerate(segs, start=1))


def loss(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    client, server = _client_server(rng, opts, server_config={"reads_at_once": True})
    data = upload(12 * 1460)
    lose = _lose_data(client, {} if opts.whatif else {6: 1})
    sim = _sim(client, server, opts, lose=lose)
    _handshake(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.run()
    events = _start(
        "A lost segment: duplicate ACKs, fast retransmit, fast recovery",
        f"The client uploads {len(data)} bytes with an HTTP PUT. The network loses the sixth "
        "data segment; the segments after it arrive.",
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        segs = _numbered(sim.events)
        lost = next(n for n, s in segs if s.lost)
        dups = [n for n, s in segs if "dup-ack" in s.marks]
        fast = next(n for n, s in segs if "fast-retransmission" in s.marks)
        lost_seg = segs[lost - 1][1]
        sack_note = (
            " Each duplicate ACK also carries a SACK block (RFC 2018): the byte ranges that did "
            "arrive above the hole, so the sender knows exactly what is missing."
            if client.sack_ok
            else ""
        )
        events.append(
            Note(
                text=f"Segment {lost} (seq {lost_seg.rel_seq}) was lost. The server cannot "
                f"acknowledge past a hole, so every later segment makes it repeat ACK "
                f"{lost_seg.rel_seq}: duplicate ACKs (segments {', '.join(map(str, dups))})."
                f"{sack_note} The third duplicate ACK is the signal (RFC 5681 section 3.2): "
                f"the client sends segment {lost}'s bytes again at once, as segment {fast}, "
                "long before any timer would run out. That is **fast retransmit**.",
            )
        )
        events.append(
            Note(
                tone="rfc",
                text="Fast recovery (RFC 5681 section 3.2): a loss means congestion, so "
                "ssthresh = max(FlightSize / 2, 2 x SMSS) and cwnd = ssthresh + 3 x SMSS (the "
                "three segments the duplicate ACKs say have left the network). Each further "
                "duplicate ACK adds one SMSS, which lets a new segment out; the ACK of the "
                "retransmitted data ends recovery and sets cwnd back to ssthresh (deflation). "
                "One ACK then covers the lost segment and everything the server held behind it.",
            )
        )
    return Trace("loss", events, sim.capture(), sim.fates, {"client": client, "server": server})


def timeout(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    client, server = _client_server(rng, opts, server_config={"reads_at_once": True})
    data = upload(3 * 1460 + 620)
    lose = _lose_data(client, {} if opts.whatif else {4: 2})
    sim = _sim(client, server, opts, lose=lose)
    _handshake(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.run()
    events = _start(
        "The last segment is lost: the retransmission timer",
        f"The client uploads {len(data)} bytes in four segments. The network loses the last "
        "one, and then its first copy too.",
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        srtt = client.srtt or 0.0
        events.append(
            Note(
                text="Nothing came after the lost segment, so there was nothing to cause "
                "duplicate ACKs: the client learns of the loss only from its retransmission "
                f"timer. Its RTO is {client.config.min_rto:g} s: RFC 6298 computes "
                f"SRTT + max(G, 4 x RTTVAR) from the measured round trips (SRTT is now "
                f"{srtt * 1000:.0f} ms), then rounds it up to at least 1 second (section 2.4). "
                "When the timer runs out the oldest unacknowledged segment goes again and the "
                "RTO doubles (section 5.5): the first copy left 1 s after the last ACK, the "
                "second 2 s after the first.",
            )
        )
        events.append(
            Note(
                tone="rfc",
                text="Linux does not wait a whole second: its minimum RTO is 200 ms "
                "(TCP_RTO_MIN), so on a 30 ms path its first retransmission comes after about "
                "230 ms. A timeout is a strong hint of congestion, so cwnd drops to one segment "
                "and ssthresh to max(FlightSize / 2, 2 x SMSS) (RFC 5681 section 3.1). By "
                "Karn's rule the ACK of a retransmitted segment gives no RTT sample; the "
                "backed-off RTO stays until a fresh segment is acknowledged.",
            )
        )
    return Trace("timeout", events, sim.capture(), sim.fates)


def congestion(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    # The server ACKs every segment here, so slow start doubles per round trip (with delayed
    # ACKs it grows by about 1.5 per round trip: cwnd += min(N, SMSS) per ACK).
    opts = Options(plan=opts.plan, sack=opts.sack, delayed_acks=False)
    client, server = _client_server(rng, opts, server_config={"reads_at_once": True})
    data = upload(90 * 1460)
    lose = _lose_data(client, {} if opts.whatif else {25: 1})
    sim = _sim(client, server, opts, watch=client, lose=lose)
    _handshake(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.run()
    events = _start(
        "Congestion control: slow start, a loss, congestion avoidance",
        f"The client uploads {len(data)} bytes. Its congestion window (cwnd) starts at three "
        "segments and decides how much may be in flight; the server ACKs every segment.",
        client,
        server,
        absolute,
    )
    events += sim.events
    samples = tuple(e for e in sim.events if isinstance(e, WindowSample))
    events.append(
        WindowChart(
            t=round(sim.now, 6),
            side="client",
            smss=client.smss,
            samples=samples,
            title="The client's congestion window and bytes in flight",
        )
    )
    if not opts.whatif:
        loss_at = next((s for s in samples if s.phase == "fast recovery"), None)
        threshold = loss_at.ssthresh if loss_at else None
        events.append(
            Note(
                text="**Slow start** (RFC 5681 section 3.1): cwnd begins at the initial window "
                "IW = 3 x SMSS = 4380 bytes (Linux uses 10 segments, RFC 6928) and grows by one "
                "SMSS per ACK, so it doubles every round trip: 3, 6, 12, 24 segments. Then a "
                f"segment is lost. The third duplicate ACK sets ssthresh = max(FlightSize / 2, "
                f"2 x SMSS) = {threshold} bytes: half of what was in flight. After fast "
                "recovery cwnd = ssthresh, and since cwnd >= ssthresh the sender is in "
                "**congestion avoidance**: cwnd += SMSS x SMSS / cwnd per ACK, about one "
                "segment per round trip. The chart shows the sawtooth's first tooth.",
            )
        )
    return Trace("congestion", events, sim.capture(), sim.fates)


def zero_window(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    buf = 4 * 1460
    client, server = _client_server(
        rng, opts, server_config={"rcv_buf": buf, "reads_at_once": True}
    )
    server.reads_paused = True  # the server's program is busy for 4 seconds
    data = upload(10 * 1460)
    sim = _sim(client, server, opts)
    _handshake(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.at(4.0, server, "resume_reading")
    sim.run()
    events = _start(
        "Flow control: a zero window, probes, and the window update",
        f"The client uploads {len(data)} bytes. The server's receive buffer holds {buf} "
        "bytes, and its program does not read for 4 seconds.",
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        events.append(
            Note(
                text=f"Each ACK's window is the free space in the server's {buf}-byte buffer. "
                "Nobody reads, so the window shrinks to **0**: the client must stop (RFC 9293 "
                "section 3.8.6). But the ACK that reopens the window could be lost, and then "
                "both sides would wait for ever; so the client's **persist timer** sends a "
                "**zero-window probe**, one byte of new data, at growing intervals (1, 2 "
                "seconds...: section 3.8.6.1). The server refuses the byte and answers with "
                "window 0 again. When its program reads, the window opens by more than an MSS "
                "and the server sends a **window update** at once; the client carries on.",
            )
        )
    return Trace("zero-window", events, sim.capture(), sim.fates)


SCENARIOS: dict[str, Callable[..., Trace]] = {
    "handshake": handshake,
    "transfer": transfer,
    "close": close,
    "reset": reset,
    "lost-syn": lost_syn,
    "simultaneous-open": simultaneous_open,
    "loss": loss,
    "timeout": timeout,
    "congestion": congestion,
    "zero-window": zero_window,
}

ABOUT: dict[str, str] = {
    "handshake": "SYN, SYN-ACK, ACK: both sides learn each other's sequence numbers",
    "transfer": "data both ways: seq advances by bytes, cumulative ACKs, PSH, the window",
    "close": "the four-way close, CLOSE-WAIT, LAST-ACK, FIN-WAIT-1/2 and TIME-WAIT",
    "reset": "a SYN to a closed port is answered by RST,ACK",
    "lost-syn": "the SYN is lost; retransmissions with a doubling timeout",
    "simultaneous-open": "both sides send SYN at once and pass through SYN-RECEIVED",
    "loss": "a data segment is lost: duplicate ACKs, fast retransmit, fast recovery",
    "timeout": "the last segment is lost: the retransmission timer fires and backs off",
    "congestion": "slow start, a loss, ssthresh halves, congestion avoidance; cwnd chart",
    "zero-window": "the receiver stops reading: zero window, probes, window update",
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
    trace = func(rng, **options)
    opts = options.get("opts")
    if isinstance(opts, Options) and opts.plan is not None and not opts.plan.empty:
        from netlearn.lessons.tcp.explain import check_plan, summary

        check_plan(trace, opts.plan)
        trace.events.extend(summary(trace, opts.plan))
    return trace


__all__ = ["ABOUT", "SCENARIOS", "Config", "Options", "Trace", "run"]
