"""The TCP lesson's scenes: the scenarios, the state table, the control bits, one segment up close.

Registered in `netlearn.scenes` as `tcp.*`. Scene arguments are strings from the lesson text.
"""

from __future__ import annotations

from collections.abc import Iterator

import netlearn.render.tcp  # noqa: F401  (registers the drawing of TCP events)
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Segment, StateChange, Table, WindowChart, WindowSample
from netlearn.lessons.tcp import scenarios
from netlearn.packets.tcp_states import MEANING, State


def _yes(value: str, name: str) -> bool:
    if value.lower() in ("yes", "true", "1", "on"):
        return True
    if value.lower() in ("no", "false", "0", "off"):
        return False
    raise NetlearnError(f"{name}={value!r}: use yes or no")


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
            yield Note(
                text=f"... and {total - shown} more segments: `netlearn tcp {name}` "
                "steps through all of them. The chart sums them up:"
            )
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
        raise NetlearnError(f"losses={losses!r}: give a number from 1 to 6")
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
        raise NetlearnError(f"drop={drop!r}: give a segment number from 1")
    opts = scenarios.Options(plan=Plan(drop=frozenset({int(drop)})))
    return _play(scenario, env, "no", opts=opts)


def kernel(env: Env) -> Iterator[Event]:
    """A real connection on 127.0.0.1: the kernel's RTT, RTO and cwnd beside the simulation's."""
    from netlearn.lessons.tcp.kernel import kernel_scene

    return kernel_scene(env)


def states(env: Env) -> Iterator[Event]:
    """The eleven states, then every state-changing row of the transition table."""
    from netlearn.packets.tcp_states import SYNCHRONIZED
    from netlearn.packets.tcp_table import Input, state_changes

    yield Table(
        title="The eleven states of a TCP connection (RFC 9293 section 3.3.2)",
        columns=("state", "what the endpoint is doing"),
        rows=tuple((s.value, MEANING[s]) for s in State),
    )
    rows = []
    for row in state_changes():
        if row.event is Input.GIVE_UP or (
            row.event is Input.RCV_RST and row.source in SYNCHRONIZED
        ):
            continue  # summed up in the caption
        when = ""
        if row.guard:
            when = " (after an active OPEN)" if row.guard == "active" else " (after a passive OPEN)"
        rows.append((f"{row.source.value} → {row.target.value}", row.label + when, row.rfc))
    yield Table(
        title="Every move between states: the transition table netlearn's TCP runs on",
        columns=("from → to", "event / action", "RFC 9293 section"),
        rows=tuple(rows),
        caption="'rcv' = a segment arrives, 'snd' = one is sent; OPEN and CLOSE are the "
        "program's calls (listen/connect and close). Also in the table, one row per state: "
        "a reset received once the connection is synchronized closes it (section 3.10.7.4), "
        "and so do too many retransmissions (section 3.8.3).",
    )


# What each control bit means (RFC 9293 section 3.1; ECE and CWR: RFC 3168).
_BIT_MEANING = {
    "FIN": ("no more data from the sender", "1"),
    "SYN": ("synchronize sequence numbers: open a connection", "1"),
    "RST": ("reset: abort the connection at once", "0"),
    "PSH": ("push: hand the data to the receiving program now", "0"),
    "ACK": ("the acknowledgment number is valid", "0"),
    "URG": ("the urgent pointer is valid (new programs should not use it)", "0"),
    "ECE": ("ECN-Echo: the network marked congestion (RFC 3168)", "0"),
    "CWR": ("congestion window reduced (RFC 3168)", "0"),
    "AE": ("accurate ECN; formerly NS (RFC 3540), and reserved in RFC 9293", "0"),
}


def flags(env: Env) -> Iterator[Event]:
    """The control bits, read from scapy's declaration of the TCP header."""
    from scapy.layers.inet import TCP

    from netlearn.packets.tcp import FLAG_NAMES

    field = next(f for f in TCP.fields_desc if f.name == "flags")
    rows = []
    for bit, letter in enumerate(field.names):
        name = FLAG_NAMES.get(letter, letter)
        meaning, uses = _BIT_MEANING.get(name, ("", "0"))
        rows.append((name, f"{1 << bit:#05x}", letter, meaning, uses))
    yield Table(
        title=f"TCP's {field.size} control bits (flags), lowest bit first",
        columns=("bit", "value", "scapy", "meaning", "sequence numbers used"),
        rows=tuple(rows),
    )


def segment(env: Env, scenario: str = "handshake", n: str = "1") -> Iterator[Event]:
    """Segment number `n` of a scenario, opened in the layer inspector."""
    from netlearn.lessons.tcp.inspect import segment_view

    if not n.isdigit() or int(n) < 1:
        raise NetlearnError(f"n={n!r}: give a segment number from 1")
    trace = scenarios.run(scenario, env.rng)
    segs = [e for e in trace.events if isinstance(e, Segment)]
    if int(n) > len(segs):
        raise NetlearnError(f"scenario {scenario!r} has {len(segs)} segments, not {n}")
    seg = segs[int(n) - 1]
    yield segment_view(seg, f"{scenario}, segment {n}: {seg.src} -> {seg.dst}")


def isn(env: Env, connections: str = "5") -> Iterator[Event]:
    """Several handshakes in a row and their initial sequence numbers."""
    if not connections.isdigit() or not 1 <= int(connections) <= 20:
        raise NetlearnError(f"connections={connections!r}: give a number from 1 to 20")
    rows = []
    for i in range(1, int(connections) + 1):
        trace = scenarios.handshake(env.rng)
        syn, synack = trace.segments()[:2]
        rows.append((str(i), str(syn.sport), str(syn.seq), str(synack.seq)))
    yield Table(
        title="Initial sequence numbers of consecutive connections",
        columns=("connection", "client port", "client ISN", "server ISN"),
        rows=tuple(rows),
        caption="Each ISN is a 32-bit number, from 0 to 4294967295.",
    )
