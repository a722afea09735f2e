"""The capture lesson's scenes: the bundled capture (no privilege needed) and, when allowed,
a live one. Each is `(env, **args) -> Iterator[Event]`, registered in `netlearn.scenes`."""

from __future__ import annotations

from collections.abc import Iterator

import netlearn.capture.render  # noqa: F401  (registers the drawing of the capture's events)
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Table


def live(env: Env) -> Iterator[Event]:
    """A real connection captured now; the bundled one, with a word why, without privilege."""
    from netlearn.capture.demo import demo, private_demo, replay
    from netlearn.capture.live import can_capture, needs_private_net

    ok, why = can_capture("lo")
    if ok:
        yield from demo(env)
        return
    private = private_demo(env) if needs_private_net("lo") else None
    if private is not None:  # no privilege: the same demo in a private network namespace
        try:
            yield from private
        finally:
            private.close()
        return
    ok, why = can_capture("lo")  # now saying why no namespace could be made either
    yield Note(
        text=f"No live capture here: {why}. Below is the real capture bundled with netlearn, "
        "recorded the same way on another machine.",
        tone="warn",
    )
    yield from replay(env)


def replay(env: Env) -> Iterator[Event]:
    """The bundled capture's connection, in the ladder, explained."""
    from netlearn.capture.demo import replay as tell

    yield from tell(env)


def options(env: Env) -> Iterator[Event]:
    """Both SYNs' options from the bundled capture, byte by byte, and what they agreed."""
    from netlearn.capture.demo import bundled_capture
    from netlearn.capture.listing import stream_packets
    from netlearn.capture.story import Story, options_table
    from netlearn.capture.tracker import Tracker

    packets = stream_packets(bundled_capture(), 1)
    story = Story(Tracker())
    for pkt in packets[:2]:
        story.tracker.feed(pkt)
    syn, synack = packets[0], packets[1]
    from netlearn.capture.options import decode

    story.syn_options = {
        "client": decode(syn.options, syn=True),
        "server": decode(synack.options, syn=True, has_ack=True),
    }
    yield options_table("client", syn)
    yield options_table("server", synack)
    yield story.agreement()


def connections(env: Env) -> Iterator[Event]:
    """`netlearn capture --read` on the bundled capture."""
    from netlearn.capture.demo import bundled_capture
    from netlearn.capture.listing import listing

    yield from listing(env, bundled_capture())


def packet(env: Env, n: str = "1") -> Iterator[Event]:
    """Packet n of the bundled capture in the OSI inspector."""
    from netlearn.capture.demo import bundled_capture
    from netlearn.capture.osiview import from_file

    if not n.isdigit():
        raise NetlearnError(f"packet number {n!r} is not a number")
    yield from_file(bundled_capture(), int(n))


def time_wait(env: Env) -> Iterator[Event]:
    """The socket table recorded right after the bundled connection closed."""
    from netlearn.capture.demo import bundled_capture, recorded_table
    from netlearn.capture.listing import stream_packets
    from netlearn.capture.story import Story
    from netlearn.capture.tracker import Tracker

    path = bundled_capture()
    tracker = Tracker()
    conn = None
    for pkt in stream_packets(path, 1):
        conn = tracker.feed(pkt).conn
    entries, when = recorded_table(path)
    if conn is None:
        raise NetlearnError("the bundled capture holds no connection")
    yield from Story(tracker).time_wait(conn, entries, recorded=when or "at capture time")


def bpf(env: Env, port: str = "8080") -> Iterator[Event]:
    """The BPF program libpcap makes of `tcp port N`, instruction by instruction."""
    from netlearn.capture import bpf as compiler

    expression = f"tcp port {port}"
    try:
        program = compiler.compile_filter(expression)
    except compiler.LibpcapMissing as exc:
        yield Note(text=f"{exc}: without libpcap there is no filter compiler.", tone="warn")
        return
    rows = tuple(
        (f"{i:03d}", text, meaning)
        for i, (text, meaning) in enumerate(compiler.disassemble(program))
    )
    yield Table(
        title=f"'{expression}' compiled by libpcap: {len(program)} BPF instructions",
        columns=("#", "instruction", "what it does"),
        rows=rows,
        caption="The same program `tcpdump -d 'tcp port "
        f"{port}'` prints. Offsets count from the start of the Ethernet header; "
        "'ret' ends the program: 0 drops the packet, anything else keeps that many bytes.",
    )


def privilege(env: Env) -> Iterator[Event]:
    """Whether this very process may capture, and why (not)."""
    from netlearn import netns
    from netlearn.capture.live import can_capture, needs_private_net

    ok, why = can_capture("lo")
    if ok:
        yield Note(text="This netlearn may capture on `lo`: it runs with CAP_NET_RAW.", tone="tip")
        return
    if needs_private_net("lo"):
        probe = netns.probe()
        if probe is None:
            yield Note(
                text=f"This netlearn may not capture on this machine's interfaces: {why}. "
                "But it may create a private network namespace of its own, with its own "
                "loopback, where it holds CAP_NET_RAW: the live scenes run there, no sudo "
                "needed. Watching another program (`netlearn capture --port N`) still needs "
                "the privilege, since that program is not in the private namespace.",
                tone="tip",
            )
            return
        ok, why = can_capture("lo")
    yield Note(text=f"This netlearn may not capture: {why}.", tone="warn")
