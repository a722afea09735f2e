"""The lesson's scenarios: opening, using and closing a connection, and the registry of them all.

Each scenario returns a `Trace` (`netlearn.lessons.tcp.demo`): the events to draw (a title, the
peers, every state change and segment, short narration) and the packets as a capture at the
client saw them, for `--write`. The loss and recovery scenarios are in
`netlearn.lessons.tcp.recovery`. The words are in `lessons/tcp/scenarios.toml`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Note, Segment, StateChange
from netlearn.lessons.tcp.demo import (
    CLIENT_IP,
    ONE_WAY,
    REQUEST,
    RESPONSE,
    SERVER_IP,
    Options,
    Trace,
    client_server,
    narrate,
    open_connection,
    simulation,
    start,
    trace,
)
from netlearn.lessons.tcp.protocol import Config, Endpoint
from netlearn.lessons.tcp.recovery import congestion, loss, timeout, zero_window


def handshake(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = client_server(rng, opts)
    sim = simulation(client, server, opts)
    open_connection(sim, client, server)
    assert client.iss is not None and server.iss is not None
    events = start(
        say("tcp.scenarios.handshake.title"),
        say("tcp.scenarios.handshake.subtitle", client_ip=client.ip, server_ip=server.ip),
        client,
        server,
        absolute,
    )
    events += sim.events
    text = say("tcp.scenarios.handshake.isns", client_isn=client.iss, server_isn=server.iss)
    narrate(events, opts, Note(text=text))
    return trace("handshake", events, sim)


def transfer(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = client_server(rng, opts)
    sim = simulation(client, server, opts)
    open_connection(sim, client, server)
    t0 = sim.now
    sim.at(0.001, client, "send", REQUEST)
    # The server's program reads the request 2 ms after it arrives and writes the response.
    sim.at(0.001 + ONE_WAY + 0.002, server, "read")
    sim.at(0.001 + ONE_WAY + 0.002, server, "send", RESPONSE)
    sim.run()
    sim.at(0.001, client, "read")
    sim.run()
    n_req, n_resp = len(REQUEST), len(RESPONSE)
    events = start(
        say("tcp.scenarios.transfer.title"),
        say("tcp.scenarios.transfer.subtitle", request=n_req, response=n_resp),
        client,
        server,
        absolute,
    )
    if opts is not None and opts.whatif:
        events += sim.events
        return trace("transfer", events, sim)
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
    text = say("tcp.scenarios.transfer.request", request=n_req, next_byte=n_req + 1)
    narrate(events, opts, Note(text=text))
    events += later[first + 1 : second + 1]
    text = say(
        "tcp.scenarios.transfer.response",
        response=n_resp,
        rest=n_resp - 1460,
        next_byte=n_resp + 1,
    )
    narrate(events, opts, Note(text=text))
    events += later[second + 1 :]
    return trace("transfer", events, sim)


def close(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = client_server(rng, opts)
    sim = simulation(client, server, opts)
    open_connection(sim, client, server)
    t0 = sim.now
    sim.at(0.005, client, "close")
    # The server's program reads the end of the stream, finishes, and closes 5 ms later.
    sim.at(0.005 + ONE_WAY + 0.005, server, "close")
    sim.run()
    tw = client.config.time_wait
    events = start(
        say("tcp.scenarios.close.title"),
        say("tcp.scenarios.close.subtitle"),
        client,
        server,
        absolute,
    )
    events += [e for e in sim.events if e.t <= t0]
    last = [e for e in sim.events if e.t > t0]
    events += [e for e in last if not (isinstance(e, StateChange) and e.new == "CLOSED")]
    narrate(events, opts, Note(text=say("tcp.scenarios.close.time-wait", seconds=tw)))
    events += [e for e in last if isinstance(e, StateChange) and e.new == "CLOSED"]
    return trace("close", events, sim)


def reset(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    client, server = client_server(rng, opts)
    # Nothing listens on port 80: the server's TCP has no connection there (state CLOSED).
    sim = simulation(client, server, opts)
    sim.call(client, "open_active", server.ip, server.port)
    sim.run()
    events = start(
        say("tcp.scenarios.reset.title"),
        say("tcp.scenarios.reset.subtitle", server_ip=server.ip),
        client,
        server,
        absolute,
    )
    events += sim.events
    narrate(events, opts, Note(text=say("tcp.scenarios.reset.refused")))
    return trace("reset", events, sim)


def lost_syn(
    rng: random.Random, absolute: bool = False, losses: int = 2, opts: Options | None = None
) -> Trace:
    if not 1 <= losses <= 6:
        raise NetlearnError(say("tcp.scenarios.lost-syn.too-many"))
    client, server = client_server(rng, opts)
    lost = {"count": 0}

    def lose(ep: Endpoint, seg: object) -> bool:
        if ep is client and seg.flags == "S" and lost["count"] < losses:  # type: ignore[attr-defined]
            lost["count"] += 1
            return True
        return False

    sim = simulation(client, server, opts, lose=lose)
    open_connection(sim, client, server)
    waits = [client.config.initial_rto * 2**i for i in range(losses)]
    schedule = " + ".join(f"{w:g}" for w in waits)
    if losses == 1:
        subtitle = say("tcp.scenarios.lost-syn.subtitle-one")
    else:
        subtitle = say("tcp.scenarios.lost-syn.subtitle", losses=losses)
    events = start(say("tcp.scenarios.lost-syn.title"), subtitle, client, server, absolute)
    events += sim.events
    text = say("tcp.scenarios.lost-syn.backoff", schedule=schedule, total=sum(waits))
    narrate(events, opts, Note(text=text))
    narrate(events, opts, Note(tone="rfc", text=say("tcp.scenarios.lost-syn.karn")))
    return trace("lost-syn", events, sim)


def simultaneous_open(
    rng: random.Random, absolute: bool = False, opts: Options | None = None
) -> Trace:
    opts = opts or Options()
    a = Endpoint("peer A", CLIENT_IP, 40001, rng, opts.config())
    b = Endpoint("peer B", SERVER_IP, 40002, rng, opts.config())
    sim = simulation(a, b, opts)
    sim.call(a, "open_active", b.ip, b.port)
    sim.at(0.004, b, "open_active", a.ip, a.port)
    sim.run()
    events = start(
        say("tcp.scenarios.simultaneous-open.title"),
        say("tcp.scenarios.simultaneous-open.subtitle"),
        a,
        b,
        absolute,
    )
    events += sim.events
    narrate(events, opts, Note(text=say("tcp.scenarios.simultaneous-open.crossed")))
    return trace("simultaneous-open", events, sim)


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


def run(name: str, rng: random.Random, **options: object) -> Trace:
    """Run the scenario called `name` (as the CLI spells it)."""
    func = SCENARIOS.get(name)
    if func is None:
        import difflib

        close_match = difflib.get_close_matches(name, SCENARIOS, n=1)
        hint = say("tcp.scenarios.did-you-mean", match=close_match[0]) if close_match else ""
        raise NetlearnError(
            say("tcp.scenarios.unknown", name=name, hint=hint, names=", ".join(SCENARIOS))
        )
    result = func(rng, **options)
    opts = options.get("opts")
    if isinstance(opts, Options) and opts.plan is not None and not opts.plan.empty:
        from netlearn.lessons.tcp.explain import check_plan, summary

        check_plan(result, opts.plan)
        result.events.extend(summary(result, opts.plan))
    return result


__all__ = [
    "REQUEST",
    "RESPONSE",
    "SCENARIOS",
    "Config",
    "Options",
    "Trace",
    "close",
    "congestion",
    "handshake",
    "loss",
    "lost_syn",
    "reset",
    "run",
    "simultaneous_open",
    "timeout",
    "transfer",
    "zero_window",
]
