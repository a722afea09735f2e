"""The capture lesson's scenes: the bundled capture (no privilege needed) and, when allowed,
a live one. Each is `(env, **args) -> Iterator[Event]`, registered in `netlearn.scenes`."""

from __future__ import annotations

import weakref
from collections.abc import Iterator

from netlearn.content.words import items, say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Table

# One connection captured for a lesson run, kept for the steps that tell its later parts: the
# Env it was captured for (weakly: a new run, a new Env, a new capture) and its tagged events.
_kept: list[tuple[weakref.ref[Env], list[tuple[str, Event]]]] = []


def _tagged_live(env: Env) -> tuple[list[tuple[str, Event]], bool]:
    """This run's captured connection, tagged by part, and whether it was kept from a step
    before (False: captured now). Captured with the privilege, else in a private network
    namespace, else the bundled capture with a word why."""
    from netlearn.lessons.capture.demo import private_told, told_live, told_replay
    from netlearn.live.capture import can_capture, needs_private_net

    for ref, tagged in _kept:
        if ref() is env:
            return tagged, True
    ok, why = can_capture("lo")
    tagged: list[tuple[str, Event]]
    if ok:
        told = told_live(env)
        try:
            tagged = list(told)
        finally:
            told.close()
    else:
        private = private_told(env) if needs_private_net("lo") else None
        if private is not None:
            try:
                tagged = list(private)
            finally:
                private.close()
        else:
            ok, why = can_capture("lo")  # now saying why no namespace could be made either
            warn = Note(text=say("capture.scenes.no-live", why=why), tone="warn")
            tagged = [("handshake", warn), *told_replay(env)]
    _kept[:] = [(weakref.ref(env), tagged)]
    return tagged, False


def _part(tagged: list[tuple[str, Event]], part: str, kept: bool) -> Iterator[Event]:
    """The events of one part; a later part starts with the ladder's columns and a word on
    which connection it continues."""
    from netlearn.lessons.capture.demo import PARTS

    if part not in PARTS:
        raise NetlearnError(
            say("capture.scenes.unknown-part", part=repr(part), parts=", ".join(PARTS))
        )
    if part != "handshake":
        yield from (e for p, e in tagged if p == "handshake" and type(e).__name__ == "Peers")
        yield Note(
            text=say("capture.scenes.same-connection")
            if kept
            else say("capture.scenes.new-connection"),
        )
    for p, event in tagged:
        if p == part:
            yield event


def live(env: Env, part: str = "") -> Iterator[Event]:
    """A real connection captured now; the bundled one, with a word why, without privilege.

    With `part` (handshake, data, close), only that part of the connection: the first part
    shown in a lesson run captures it, and the later ones tell the same connection on."""
    if part:
        tagged, kept = _tagged_live(env)
        yield from _part(tagged, part, kept)
        return
    from netlearn.lessons.capture.demo import demo, private_demo, replay
    from netlearn.live.capture import can_capture, needs_private_net

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
    yield Note(text=say("capture.scenes.no-live", why=why), tone="warn")
    yield from replay(env)


def replay(env: Env, part: str = "") -> Iterator[Event]:
    """The bundled capture's connection, in the ladder, explained (with `part`, that part)."""
    from netlearn.lessons.capture.demo import replay as tell
    from netlearn.lessons.capture.demo import told_replay

    if part:
        yield from _part(list(told_replay(env)), part, kept=True)
        return
    yield from tell(env)


def options(env: Env) -> Iterator[Event]:
    """Both SYNs' options from the bundled capture, byte by byte, and what they agreed."""
    from netlearn.lessons.capture.demo import bundled_capture
    from netlearn.lessons.capture.listing import stream_packets
    from netlearn.lessons.capture.story import Story, options_table
    from netlearn.packets.tracker import Tracker

    packets = stream_packets(bundled_capture(), 1)
    story = Story(Tracker())
    for pkt in packets[:2]:
        story.tracker.feed(pkt)
    syn, synack = packets[0], packets[1]
    from netlearn.packets.capture_options import decode

    story.syn_options = {
        "client": decode(syn.options, syn=True),
        "server": decode(synack.options, syn=True, has_ack=True),
    }
    yield options_table("client", syn)
    yield options_table("server", synack)
    yield story.agreement()


def connections(env: Env) -> Iterator[Event]:
    """`netlearn capture --read` on the bundled capture."""
    from netlearn.lessons.capture.demo import bundled_capture
    from netlearn.lessons.capture.listing import listing

    yield from listing(env, bundled_capture())


def packet(env: Env, n: str = "1") -> Iterator[Event]:
    """Packet n of the bundled capture in the OSI inspector."""
    from netlearn.lessons.capture.demo import bundled_capture
    from netlearn.packets.pcap_view import from_file

    if not n.isdigit():
        raise NetlearnError(say("capture.scenes.not-a-number", n=repr(n)))
    yield from_file(bundled_capture(), int(n))


def time_wait(env: Env) -> Iterator[Event]:
    """The socket table recorded right after the bundled connection closed."""
    from netlearn.lessons.capture.demo import bundled_capture, recorded_table
    from netlearn.lessons.capture.listing import stream_packets
    from netlearn.lessons.capture.story import Story
    from netlearn.packets.tracker import Tracker

    path = bundled_capture()
    tracker = Tracker()
    conn = None
    for pkt in stream_packets(path, 1):
        conn = tracker.feed(pkt).conn
    entries, when = recorded_table(path)
    if conn is None:
        raise NetlearnError(say("capture.scenes.no-connection"))
    recorded = when or say("capture.replay.at-capture-time")
    yield from Story(tracker).time_wait(conn, entries, recorded=recorded)


def bpf(env: Env, port: str = "8080") -> Iterator[Event]:
    """The BPF program libpcap makes of `tcp port N`, instruction by instruction."""
    from netlearn.live import capture_bpf as compiler

    expression = f"tcp port {port}"
    try:
        program = compiler.compile_filter(expression)
    except compiler.LibpcapMissing as exc:
        yield Note(text=say("capture.scenes.no-libpcap", error=exc), tone="warn")
        return
    rows = tuple(
        (f"{i:03d}", text, meaning)
        for i, (text, meaning) in enumerate(compiler.disassemble(program))
    )
    yield Table(
        title=say("capture.scenes.bpf-title", expression=expression, n=len(program)),
        columns=tuple(items("capture.scenes.bpf-columns")),
        rows=rows,
        caption=say("capture.scenes.bpf-caption", port=port),
    )


def privilege(env: Env) -> Iterator[Event]:
    """Whether this very process may capture, and why (not)."""
    from netlearn import netns
    from netlearn.live.capture import can_capture, needs_private_net

    ok, why = can_capture("lo")
    if ok:
        yield Note(text=say("capture.scenes.may-capture"), tone="tip")
        return
    if needs_private_net("lo"):
        probe = netns.probe()
        if probe is None:
            yield Note(text=say("capture.scenes.may-not-but-private", why=why), tone="tip")
            return
        ok, why = can_capture("lo")
    yield Note(text=say("capture.scenes.may-not", why=why), tone="warn")
