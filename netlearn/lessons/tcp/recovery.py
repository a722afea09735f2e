"""The loss and recovery scenarios: fast retransmit, the retransmission timer, congestion control
and flow control, each on an HTTP upload from the client.

Like `netlearn.lessons.tcp.scenarios`, each returns a `Trace`; the words are in
`lessons/tcp/scenarios.toml`. The closing notes read their numbers from the run (which segment
was lost, which ACKs were duplicates, the ssthresh after the loss), never from the script.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.events import Note, WindowChart, WindowSample
from netlearn.lessons.tcp.demo import (
    Options,
    Trace,
    client_server,
    lose_data,
    numbered,
    open_connection,
    simulation,
    start,
    trace,
    upload,
)

if TYPE_CHECKING:
    from netlearn.lessons.tcp.protocol import Endpoint
    from netlearn.lessons.tcp.sim import Simulation


def _upload(
    rng: random.Random, opts: Options, size: int, drops: dict[int, int], *, watch: bool = False
) -> tuple[Endpoint, Endpoint, Simulation, bytes]:
    """The client uploads `size` bytes to a server that reads at once; data segment n is lost
    `drops[n]` times (none in a what-if run, whose plan decides). The connection has run."""
    client, server = client_server(rng, opts, server_config={"reads_at_once": True})
    data = upload(size)
    lose = lose_data(client, {} if opts.whatif else drops)
    sim = simulation(client, server, opts, watch=client if watch else None, lose=lose)
    open_connection(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.run()
    return client, server, sim, data


def loss(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    client, server, sim, data = _upload(rng, opts, 12 * 1460, {6: 1})
    events = start(
        say("tcp.scenarios.loss.title"),
        say("tcp.scenarios.loss.subtitle", size=len(data)),
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        segs = numbered(sim.events)
        lost = next(n for n, s in segs if s.lost)
        dups = ", ".join(str(n) for n, s in segs if "dup-ack" in s.marks)
        fast = next(n for n, s in segs if "fast-retransmission" in s.marks)
        seq = segs[lost - 1][1].rel_seq
        numbers = {"lost": lost, "seq": seq, "dups": dups, "fast": fast}
        if client.sack_ok:
            text = say("tcp.scenarios.loss.fast-retransmit-sack", **numbers)
        else:
            text = say("tcp.scenarios.loss.fast-retransmit", **numbers)
        events.append(Note(text=text))
        events.append(Note(tone="rfc", text=say("tcp.scenarios.loss.fast-recovery")))
    return trace("loss", events, sim, endpoints={"client": client, "server": server})


def timeout(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    client, server, sim, data = _upload(rng, opts, 3 * 1460 + 620, {4: 2})
    events = start(
        say("tcp.scenarios.timeout.title"),
        say("tcp.scenarios.timeout.subtitle", size=len(data)),
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        srtt = client.srtt or 0.0
        text = say(
            "tcp.scenarios.timeout.timer", min_rto=client.config.min_rto, srtt_ms=srtt * 1000
        )
        events.append(Note(text=text))
        events.append(Note(tone="rfc", text=say("tcp.scenarios.timeout.linux")))
    return trace("timeout", events, sim)


def congestion(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    # The server ACKs every segment here, so slow start doubles per round trip (with delayed
    # ACKs it grows by about 1.5 per round trip: cwnd += min(N, SMSS) per ACK).
    opts = Options(plan=opts.plan, sack=opts.sack, delayed_acks=False)
    client, server, sim, data = _upload(rng, opts, 90 * 1460, {25: 1}, watch=True)
    events = start(
        say("tcp.scenarios.congestion.title"),
        say("tcp.scenarios.congestion.subtitle", size=len(data)),
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
            title=say("tcp.scenarios.congestion.chart"),
        )
    )
    if not opts.whatif:
        loss_at = next((s for s in samples if s.phase == "fast recovery"), None)
        threshold = loss_at.ssthresh if loss_at else None
        text = say("tcp.scenarios.congestion.sawtooth", threshold=threshold)
        events.append(Note(text=text))
    return trace("congestion", events, sim)


def zero_window(rng: random.Random, absolute: bool = False, opts: Options | None = None) -> Trace:
    opts = opts or Options()
    buf = 4 * 1460
    client, server = client_server(rng, opts, server_config={"rcv_buf": buf, "reads_at_once": True})
    server.reads_paused = True  # the server's program is busy for 4 seconds
    data = upload(10 * 1460)
    sim = simulation(client, server, opts)
    open_connection(sim, client, server)
    sim.at(0.001, client, "send", data)
    sim.at(4.0, server, "resume_reading")
    sim.run()
    events = start(
        say("tcp.scenarios.zero-window.title"),
        say("tcp.scenarios.zero-window.subtitle", size=len(data), buffer=buf),
        client,
        server,
        absolute,
    )
    events += sim.events
    if not opts.whatif:
        events.append(Note(text=say("tcp.scenarios.zero-window.probes", buffer=buf)))
    return trace("zero-window", events, sim)
