"""The TCP lesson's scenes: the scenarios, the state table, the control bits, one segment up close.

Registered in `netlearn.scenes` as `tcp.*`. Scene arguments are strings from the lesson text.
"""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.content.words import items, say, table
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Segment, StateChange, Table, WindowChart, WindowSample
from netlearn.lessons.tcp import scenarios
from netlearn.packets.tcp_states import State, meaning


def _yes(value: str, name: str) -> bool:
    if value.lower() in ("yes", "true", "1", "on"):
        return True
    if value.lower() in ("no", "false", "0", "off"):
        return False
    raise NetlearnError(say("tcp.scenes.errors.yes-no", name=name, value=value))


# The lesson's scenes leave out what the lesson's own text says next to them: the scenario's
# closing notes (`netlearn tcp NAME` prints them) and the window samples the chart draws.
_LESSON_LEAVES_OUT = (Note, WindowSample)
# A charted ladder longer than this many segments is cut in the lesson (the chart sums it up).
LESSON_SEGMENTS = 12


def _play(name: str, env: Env, absolute: str, **options: object) -> Iterator[Event]:
    trace = scenarios.run(name, env.rng, absolute=_yes(absolute, "absolute"), **options)
    charted = any(isinstance(e, WindowChart) for e in trace.events)
    shown = 0
    cut = False
    for event in trace.events:
        if isinstance(event, _LESSON_LEAVES_OUT):
            continue
        if charted and isinstance(event, Segment | StateChange) and shown >= LESSON_SEGMENTS:
            cut = True
            continue
        shown += isinstance(event, Segment)
        if cut and isinstance(event, WindowChart):
            total = len(trace.segments())
            yield Note(text=say("tcp.scenes.more-segments", more=total - shown, name=name))
        yield event


def handshake(env: Env, absolute: str = "no") -> Iterator[Event]:
    """SYN, SYN-ACK, ACK."""
    return _play("handshake", env, absolute)


def transfer(env: Env, absolute: str = "no") -> Iterator[Event]:
    """Data both ways after the handshake."""
    return _play("transfer", env, absolute)


def close(env: Env, absolute: str = "no") -> Iterator[Event]:
    """The four-way close and TIME-WAIT."""
    return _play("close", env, absolute)


def reset(env: Env, absolute: str = "no") -> Iterator[Event]:
    """A SYN to a closed port, answered by RST,ACK."""
    return _play("reset", env, absolute)


def lost_syn(env: Env, absolute: str = "no", losses: str = "2") -> Iterator[Event]:
    """Lost SYNs and the doubling retransmission timeout."""
    if not losses.isdigit():
        raise NetlearnError(say("tcp.scenes.errors.losses", value=losses))
    return _play("lost-syn", env, absolute, losses=int(losses))


def simultaneous_open(env: Env, absolute: str = "no") -> Iterator[Event]:
    """Two SYNs cross."""
    return _play("simultaneous-open", env, absolute)


def loss(env: Env, absolute: str = "no", sack: str = "yes") -> Iterator[Event]:
    """A lost data segment: duplicate ACKs, fast retransmit, fast recovery."""
    opts = scenarios.Options(sack=_yes(sack, "sack"))
    return _play("loss", env, absolute, opts=opts)


def timeout(env: Env, absolute: str = "no") -> Iterator[Event]:
    """The last segment lost: the retransmission timer fires and backs off."""
    return _play("timeout", env, absolute)


def congestion(env: Env, absolute: str = "no") -> Iterator[Event]:
    """Slow start, a loss, congestion avoidance, with the window chart."""
    return _play("congestion", env, absolute)


def zero_window(env: Env, absolute: str = "no") -> Iterator[Event]:
    """A zero window, persist-timer probes, and the window update."""
    return _play("zero-window", env, absolute)


def what_if(env: Env, scenario: str = "transfer", drop: str = "4") -> Iterator[Event]:
    """A scenario with segment number `drop` lost."""
    from netlearn.lessons.tcp.whatif import Plan

    if not drop.isdigit() or int(drop) < 1:
        raise NetlearnError(say("tcp.scenes.errors.drop", value=drop))
    opts = scenarios.Options(plan=Plan(drop=frozenset({int(drop)})))
    return _play(scenario, env, "no", opts=opts)


def kernel(env: Env) -> Iterator[Event]:
    """A real connection on 127.0.0.1: the kernel's RTT, RTO and cwnd beside the simulation's
    (the `loss` scenario's client)."""
    import random

    from netlearn.lessons.tcp.live import measure

    info = measure(env)
    trace = scenarios.run("loss", random.Random(env.rng.getrandbits(32)))
    sim = trace.endpoints.get("client")
    retrans = sum("retransmission" in getattr(s, "marks", ()) for s in trace.segments())
    names = items("tcp.scenes.kernel.rows")
    kernel_side = (
        f"{info.rtt * 1000:.3f} ms",
        f"{info.rttvar * 1000:.3f} ms",
        f"{info.rto * 1000:.0f} ms",
        say("tcp.scenes.kernel.segments", n=info.snd_cwnd),
        say("tcp.scenes.kernel.bytes", n=info.snd_mss),
        str(info.total_retrans),
    )
    if sim is None:
        sim_side: tuple[str, ...] = ("-",) * 4
    else:
        sim_side = (
            f"{(sim.srtt or 0.0) * 1000:.3f} ms",
            f"{sim.rttvar * 1000:.3f} ms",
            f"{sim.rto * 1000:.0f} ms",
            say("tcp.scenes.kernel.segments", n=f"{sim.cc.cwnd / sim.smss:.1f}"),
        )
    sim_side += (say("tcp.scenes.kernel.bytes", n=1460), str(retrans))
    yield Table(
        title=say("tcp.scenes.kernel.title"),
        columns=tuple(items("tcp.scenes.kernel.columns")),
        rows=tuple(zip(names, kernel_side, sim_side, strict=True)),
        caption=say("tcp.scenes.kernel.caption"),
    )
    yield Note(tone="tip", text=say("tcp.scenes.kernel.ss"))


def states(env: Env) -> Iterator[Event]:
    """The eleven states, then every state-changing row of the transition table."""
    from netlearn.packets.tcp_states import SYNCHRONIZED
    from netlearn.packets.tcp_table import Input, state_changes

    yield Table(
        title=say("tcp.scenes.states.title"),
        columns=tuple(items("tcp.scenes.states.columns")),
        rows=tuple((s.value, meaning(s)) for s in State),
    )
    rows = []
    for row in state_changes():
        if row.event is Input.GIVE_UP or (
            row.event is Input.RCV_RST and row.source in SYNCHRONIZED
        ):
            continue  # summed up in the caption
        when = ""
        if row.guard == "active":
            when = say("tcp.scenes.moves.after-active")
        elif row.guard:
            when = say("tcp.scenes.moves.after-passive")
        rows.append((f"{row.source.value} → {row.target.value}", row.label + when, row.rfc))
    yield Table(
        title=say("tcp.scenes.moves.title"),
        columns=tuple(items("tcp.scenes.moves.columns")),
        rows=tuple(rows),
        caption=say("tcp.scenes.moves.caption"),
    )


# The control bits that use up a sequence number (RFC 9293 section 3.4): SYN and FIN. What each
# bit means is in lessons/tcp/scenes.toml, [flags.meaning].
_USES_A_NUMBER = frozenset({"FIN", "SYN"})


def flags(env: Env) -> Iterator[Event]:
    """The control bits, read from scapy's declaration of the TCP header."""
    from scapy.layers.inet import TCP

    from netlearn.packets.tcp import FLAG_NAMES

    field = next(f for f in TCP.fields_desc if f.name == "flags")
    meanings = table("tcp.scenes.flags.meaning")
    rows = []
    for bit, letter in enumerate(field.names):
        name = FLAG_NAMES.get(letter, letter)
        uses = "1" if name in _USES_A_NUMBER else "0"
        rows.append((name, f"{1 << bit:#05x}", letter, meanings.get(name, ""), uses))
    yield Table(
        title=say("tcp.scenes.flags.title", bits=field.size),
        columns=tuple(items("tcp.scenes.flags.columns")),
        rows=tuple(rows),
    )


def segment(env: Env, scenario: str = "handshake", n: str = "1") -> Iterator[Event]:
    """Segment number `n` of a scenario, opened in the layer inspector."""
    from netlearn.lessons.tcp.inspect import segment_view

    if not n.isdigit() or int(n) < 1:
        raise NetlearnError(say("tcp.scenes.errors.n", value=n))
    trace = scenarios.run(scenario, env.rng)
    segs = [e for e in trace.events if isinstance(e, Segment)]
    if int(n) > len(segs):
        raise NetlearnError(
            say("tcp.scenes.errors.too-few", scenario=scenario, count=len(segs), n=n)
        )
    seg = segs[int(n) - 1]
    label = say("tcp.scenes.segment.label", scenario=scenario, n=n, src=seg.src, dst=seg.dst)
    yield segment_view(seg, label)


def isn(env: Env, connections: str = "5") -> Iterator[Event]:
    """Several handshakes in a row and their initial sequence numbers."""
    if not connections.isdigit() or not 1 <= int(connections) <= 20:
        raise NetlearnError(say("tcp.scenes.errors.connections", value=connections))
    rows = []
    for i in range(1, int(connections) + 1):
        trace = scenarios.handshake(env.rng)
        syn, synack = trace.segments()[:2]
        rows.append((str(i), str(syn.sport), str(syn.seq), str(synack.seq)))
    yield Table(
        title=say("tcp.scenes.isn.title"),
        columns=tuple(items("tcp.scenes.isn.columns")),
        rows=tuple(rows),
        caption=say("tcp.scenes.isn.caption"),
    )
