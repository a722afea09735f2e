"""Flow control and delayed ACKs on exact segments: the window closing to zero, persist-timer
probes (RFC 9293 3.8.6.1), the window update, and ACKs at least every second segment."""

from __future__ import annotations

import random

import pytest

from netlearn.lessons.tcp.flow import persist_interval, usable_window
from netlearn.lessons.tcp.protocol import Config, Endpoint, Why
from netlearn.lessons.tcp.scenarios import run
from netlearn.lessons.tcp.sim import Simulation
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_table import Input


def test_usable_window_and_persist_interval() -> None:
    assert usable_window(1000, 500, 1200) == 300
    assert usable_window(1000, 500, 1500) == 0
    assert usable_window(2**32 - 100, 500, 50) == 350  # across the wrap
    assert usable_window(1000, 0, 1000) == 0
    assert [persist_interval(1.0, n, 60.0) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_zero_window_probes_and_window_update() -> None:
    trace = run("zero-window", random.Random(6))
    segs = trace.segments()
    zero = [s for s in segs if s.src == "server" and s.window == 0]
    assert zero and all("zero-window" in s.marks for s in zero)
    probes = [s for s in segs if "zero-window-probe" in s.marks]
    first_zero = zero[0]
    assert len(probes) >= 2
    for p in probes[:2]:
        assert p.src == "client" and p.payload_len == 1  # one byte of new data
        assert p.seq == first_zero.ack  # at SND.NXT, the first byte the window refused
    arrival = first_zero.t + 0.015
    assert probes[0].t - arrival == pytest.approx(1.0)  # the persist timer: one RTO
    assert probes[1].t - probes[0].t == pytest.approx(2.0)  # then doubled
    answers = [s for s in segs if "zero-window-probe-ack" in s.marks]
    assert len(answers) == len(probes[:2]) and all(a.window == 0 for a in answers[:2])
    update = next(s for s in segs if "window-update" in s.marks)
    assert update.src == "server" and update.window >= 1460 and update.t >= 4.0
    after = [s for s in segs if s.t > update.t and s.src == "client" and s.payload_len]
    assert after and after[0].seq == probes[0].seq  # the probed byte goes in a full segment
    assert not [p for p in probes if p.t > update.t]  # no more probes once it opened


def pair(delayed: bool) -> tuple[Simulation, Endpoint, Endpoint]:
    rng = random.Random(2)
    c = Endpoint("client", "192.0.2.10", 40000, rng, Config(iw_segments=10))
    s = Endpoint("server", "198.51.100.20", 80, rng, Config(delayed_acks=delayed))
    sim = Simulation(c, s, delay=0.01)
    sim.call(s, "open_passive")
    sim.call(c, "open_active", s.ip, 80)
    sim.run()
    return sim, c, s


def server_acks(sim: Simulation, start: int) -> list:  # type: ignore[type-arg]
    return [e for e in sim.events[start:] if getattr(e, "src", "") == "server"]


def test_delayed_ack_every_second_segment_and_a_lone_one_within_the_timer() -> None:
    sim, c, s = pair(True)
    n = len(sim.events)
    sim.call(c, "send", b"a" * (3 * 1460))  # A, A, PA: the PSH one is answered at once
    sim.run()
    acks = server_acks(sim, n)
    assert len(acks) == 2  # one for segments 1+2, one for 3 (PSH)
    # a lone full segment without PSH waits for the delayed-ACK timer (40 ms, at most 500 ms)
    lone = sg.build(
        src=c.ip, dst=s.ip, sport=c.port, dport=80, seq=c.snd_nxt, ack=c.rcv_nxt,
        flags="A", window=64240, payload=b"b" * 1460,
    )  # fmt: skip
    t = sim.now + 1
    assert s.receive(lone, t) == []
    assert s.next_timer() == (pytest.approx(t + 0.040), Input.DELAYED_ACK)
    [out] = s.on_timer(Input.DELAYED_ACK, t + 0.040)
    ack = sg.parse(out.raw)
    assert ack.ack == sg.seq_add(c.snd_nxt, 1460) and ack.flags == "A"
    assert out.why is Why.DELAYED_ACK


def test_no_delayed_ack_answers_every_segment() -> None:
    sim, c, s = pair(False)
    n = len(sim.events)
    sim.call(c, "send", b"a" * (4 * 1460))
    sim.run()
    data = [e for e in sim.events[n:] if getattr(e, "src", "") == "client"]
    assert len(server_acks(sim, n)) == len(data) == 4
