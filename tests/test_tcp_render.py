"""Drawing TCP events: plain lines, the Rich ladder event by event and whole, JSON."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from rich.console import Console

from netlearn.events import Peers, Segment, StateChange
from netlearn.lessons.tcp.player import View, press, revealed
from netlearn.lessons.tcp.scenarios import run
from netlearn.packets import tcp as sg
from netlearn.render import run_scene
from netlearn.render.registry import draw_rich
from netlearn.render.widgets.ladder import Ladder, LadderState


def console(width: int = 80) -> Console:
    return Console(file=StringIO(), width=width, color_system=None, force_terminal=False)


def test_plain_lines_read_like_wireshark(make_env) -> None:
    env, buf = make_env("plain")
    trace = run("handshake", random.Random(1))
    run_scene(trace.events, env)
    out = buf.getvalue()
    syn, synack, ack = trace.segments()
    assert "client -> server [SYN] seq=0 win=64240 len=0" in out
    assert "server -> client [SYN, ACK] seq=0 ack=1 win=64240 len=0" in out
    assert f"absolute: seq={syn.seq}; options: MSS=1460 SACK_PERM" in out
    assert f"absolute: seq={ack.seq} ack={ack.ack}" in out
    assert "client: SYN-SENT -> ESTABLISHED (rcv SYN-ACK / snd ACK)" in out
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_plain_absolute_numbers_when_the_scene_asks(make_env) -> None:
    env, buf = make_env("plain")
    trace = run("handshake", random.Random(1), absolute=True)
    run_scene(trace.events, env)
    syn = trace.segments()[0]
    assert f"client -> server [SYN] seq={syn.seq} win=64240" in buf.getvalue()
    assert "relative: seq=0" in buf.getvalue()


def test_rich_ladder_fits_80_columns_and_shows_each_segment(make_env) -> None:
    env, buf = make_env("rich", width=80)
    trace = run("close", random.Random(2))
    run_scene(trace.events, env)
    out = buf.getvalue()
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 80
    segs = trace.segments()
    rightward = sum(1 for s in segs if s.src == "client")
    assert sum(line.count("▶") for line in lines) == rightward
    assert sum(line.count("◀") for line in lines) == len(segs) - rightward
    for state in ("FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT", "CLOSE-WAIT", "LAST-ACK"):
        assert state in out
    assert "[FIN, ACK] seq=1 ack=1" in out
    assert "60.085s" in out  # TIME-WAIT ends 60 s after it began


def test_event_by_event_equals_the_whole_ladder() -> None:
    trace = run("transfer", random.Random(3))
    tcp_events = [e for e in trace.events if isinstance(e, Peers | Segment | StateChange)]
    state = LadderState()
    one_by_one = [line.plain for e in tcp_events for line in state.feed(e, 80)]
    whole = [line.plain for line in Ladder(trace.events).lines(80)]
    assert one_by_one == whole
    # and the widget renders exactly those lines
    c = console()
    c.print(Ladder(trace.events))
    assert c.file.getvalue().splitlines() == [line.rstrip() for line in whole]  # type: ignore[attr-defined]


def _captured(raw_pkts: list[tuple[str, str, bytes]]) -> list[Segment]:
    """Segments as a live capture would make them: side names of its own choosing."""
    numbers = sg.RelativeNumbers()
    return [
        sg.segment_event(raw, src=src, dst=dst, t=i * 0.5, numbers=numbers)
        for i, (src, dst, raw) in enumerate(raw_pkts)
    ]


def test_any_side_names_without_peers_and_retransmissions_marked() -> None:
    a = dict(src="10.0.0.1", dst="10.0.0.2", sport=5000, dport=22)
    b = dict(src="10.0.0.2", dst="10.0.0.1", sport=22, dport=5000)
    syn = sg.build(**a, seq=100, flags="S", window=1000)  # type: ignore[arg-type]
    synack = sg.build(**b, seq=300, ack=101, flags="SA", window=1000)  # type: ignore[arg-type]
    segs = _captured([("laptop", "pi", syn), ("laptop", "pi", syn), ("pi", "laptop", synack)])
    change = StateChange(side="laptop", old="CLOSED", new="SYN-SENT")
    state = LadderState()
    lines = [x.plain for x in state.feed(change, 80)]
    assert lines == ["laptop: CLOSED → SYN-SENT"]  # no columns yet: a plain line
    drawn = [x.plain for s in segs for x in state.feed(s, 80)]
    assert "laptop" in drawn[0] and "pi" in drawn[0]  # the header names the two columns
    assert "10.0.0.1:5000" in drawn[1] and "10.0.0.2:22" in drawn[1]  # read from the bytes
    assert "SYN-SENT" in drawn[2]  # and shows the state it already knows
    assert sum("retransmission" in x for x in drawn) == 1  # the second copy only
    assert any("[SYN, ACK] seq=0 ack=1" in x for x in drawn)
    assert sum("▶" in x for x in drawn) == 2 and sum("◀" in x for x in drawn) == 1


def test_lost_segment_stops_halfway(make_env) -> None:
    env, buf = make_env("rich", width=80)
    run_scene(run("lost-syn", random.Random(4)).events, env)
    lost = [line for line in buf.getvalue().splitlines() if "✕" in line]
    assert len(lost) == 2 and all("lost" in line for line in lost)


def test_json_is_deterministic_and_complete(make_env) -> None:
    outs = []
    for seed in (5, 5, 6):
        env, buf = make_env("json", seed=seed)
        from netlearn.lessons.tcp.scenes import transfer

        run_scene(transfer(env), env)
        outs.append(buf.getvalue())
    assert outs[0] == outs[1]
    assert outs[0] != outs[2]
    events = [json.loads(line) for line in outs[0].splitlines()]
    segs = [e for e in events if e["type"] == "segment"]
    for seg in segs:
        assert sg.checksums_ok(bytes.fromhex(seg["raw"]))
        assert {"flags", "seq", "ack", "payload_len", "rel_seq", "rel_ack"} <= set(seg)
    states = [e for e in events if e["type"] == "state"]
    assert {"side", "old", "new"} <= set(states[0])


def test_export_draws_the_ladder(make_env, tmp_path: Path) -> None:
    env, _ = make_env("plain")
    path = tmp_path / "close.txt"
    run_scene(run("close", random.Random(7)).events, env, export=path)
    text = path.read_text()
    assert "TIME-WAIT" in text and "▶" in text and "◀" in text


def test_rich_drawing_of_a_lone_segment_on_a_fresh_console() -> None:
    env_events = run("reset", random.Random(8)).segments()
    from netlearn.env import Env

    env = Env.build("rich", stdout=StringIO(), width=60, animate=False)
    c = console(60)
    for seg in env_events:
        draw_rich(seg, env, c)
    out = c.file.getvalue()  # type: ignore[attr-defined]
    assert "[RST, ACK]" in out and max(map(len, out.splitlines())) <= 60


def test_keys_of_the_stepper() -> None:
    v = View(shown=0, total=3)
    v = press(v, "\r")
    assert v.shown == 1
    v = press(press(v, " "), "b")
    assert v.shown == 1
    assert press(v, "a").absolute and not press(press(v, "a"), "a").absolute
    f = press(v, "f")
    assert f.panel == "fields" and press(f, "x").panel == "ladder"
    assert press(v, "o").panel == "osi"
    assert press(View(shown=0, total=3), "f").panel == "ladder"  # no segment yet
    assert press(v, "q").quit and press(v, "\x03").quit
    assert press(View(shown=3, total=3), "\r").finished


def test_revealed_stops_before_the_next_segment() -> None:
    trace = run("handshake", random.Random(9))
    first = revealed(trace.events, 1)
    assert sum(isinstance(e, Segment) for e in first) == 1
    assert isinstance(first[-1], StateChange) and first[-1].new == "SYN-RECEIVED"
    assert revealed(trace.events, 99) == trace.events


def test_widget_demo_runs_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "netlearn.render.widgets.ladder"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "TIME-WAIT" in done.stdout


def test_every_tcp_scene_plays_in_every_format(make_env) -> None:
    from netlearn.scenes import SCENES, play

    names = [n for n in SCENES if n.startswith("tcp.")]
    assert {"tcp.handshake", "tcp.transfer", "tcp.close", "tcp.reset"} <= set(names)
    for fmt in ("plain", "rich", "json"):
        env, buf = make_env(fmt)
        for name in names:
            run_scene(play(name, env), env)
        assert "Traceback" not in buf.getvalue()
        if fmt != "json":
            assert max(len(line) for line in buf.getvalue().splitlines()) <= 80


def test_scene_arguments_are_checked(make_env) -> None:
    from netlearn.errors import NetlearnError
    from netlearn.scenes import play

    env, _ = make_env("plain")
    for name, args in [
        ("tcp.handshake", {"absolute": "maybe"}),
        ("tcp.lost-syn", {"losses": "many"}),
        ("tcp.segment", {"scenario": "reset", "n": "3"}),
        ("tcp.isn", {"connections": "0"}),
    ]:
        with pytest.raises(NetlearnError):
            list(play(name, env, args))


def test_segment_in_the_inspector() -> None:
    from netlearn.lessons.tcp.inspect import segment_view

    syn = run("handshake", random.Random(1)).segments()[0]
    view = segment_view(syn)
    assert [layer.name for layer in view.layers] == ["IP", "TCP"]
    tcp = {f.name: f for f in view.layers[1].fields}
    assert tcp["flags"].meaning == "set: SYN"
    assert tcp["dataofs"].meaning == "header length: 7 words x 4 = 28 bytes"
    assert "(HTTP)" in tcp["dport"].meaning
    assert view.raw == syn.raw

    from scapy.layers.inet import TCP
    from scapy.layers.inet6 import IPv6

    raw6 = bytes(IPv6(src="2001:db8::1", dst="2001:db8::2") / TCP(sport=4, dport=22, flags="S"))
    six = Segment(
        src="a", dst="b", sport=4, dport=22, flags="S", seq=0, ack=0, window=8192,
        payload_len=0, raw=raw6,
    )  # fmt: skip
    assert [layer.name for layer in segment_view(six).layers] == ["IPv6", "TCP"]


def test_plain_segments_are_numbered_for_a_listener(make_env) -> None:
    """A screen reader reads the plain ladder: each segment says its number, from 1 for each
    connection, so a listener can say "segment 2" as a sighted learner points at an arrow."""
    env, buf = make_env("plain")
    run_scene(run("handshake", random.Random(1)).events, env)
    run_scene(run("close", random.Random(2)).events, env)
    heads = [line.split()[0] for line in buf.getvalue().splitlines() if line.startswith("#")]
    closing = len(run("close", random.Random(2)).segments())
    assert heads == ["#1", "#2", "#3", *(f"#{n}" for n in range(1, closing + 1))]


def test_one_relative_numbering_for_simulated_and_captured_segments() -> None:
    """`RelativeNumbers.see` takes any direction keys (a tracker's sides); joined mid-stream,
    the first byte seen counts as 1, as in Wireshark."""
    numbers = sg.RelativeNumbers()
    assert numbers.see("client", "server", 1000, 0, "S") == (0, 0)
    assert numbers.see("server", "client", 5000, 1001, "SA") == (0, 1)
    assert numbers.see("client", "server", 1001, 5001, "A") == (1, 1)
    joined = sg.RelativeNumbers()
    assert joined.see("a", "b", 700, 9000, "PA") == (1, 1)
    assert joined.base("a") == 699 and joined.base("b") == 8999


def test_one_segment_builder() -> None:
    seg = sg.make_segment(
        t=1.23456789,
        src="client",
        dst="server",
        sport=1,
        dport=2,
        flags="S",
        seq=7,
        ack=99,
        window=10,
        raw=b"",
        rel_seq=0,
        rel_ack=0,
        payload=b"abc",
        payload_len=1400,
    )
    assert (seg.t, seg.ack, seg.payload_len, seg.actor) == (1.234568, 0, 1400, "client")
    assert type(seg) is Segment
    marked = sg.make_segment(
        t=0, src="a", dst="b", sport=1, dport=2, flags="A", seq=1, ack=2, window=1, raw=b"",
        rel_seq=1, rel_ack=1, marks=("dup-ack",),
    )  # fmt: skip
    assert marked.marks == ("dup-ack",) and marked.ack == 2 and marked.payload_len == 0
