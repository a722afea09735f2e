"""RFC 6298: SRTT, RTTVAR, RTO, the minimum, backoff, and Karn's rule, on exact numbers."""

from __future__ import annotations

import random

import pytest

from netlearn.lessons.tcp.rto import RtoTimer
from netlearn.lessons.tcp.scenarios import run


def test_first_and_second_sample_follow_section_2() -> None:
    t = RtoTimer(min_rto=0.2)
    assert t.rto == 1.0  # 2.1: before any sample
    t.sample(0.100)  # 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR)
    assert (t.srtt, t.rttvar, t.rto) == pytest.approx((0.100, 0.050, 0.300))
    t.sample(0.200)  # 2.3: RTTVAR first (with the old SRTT), then SRTT
    assert t.rttvar == pytest.approx(0.75 * 0.050 + 0.25 * abs(0.100 - 0.200))
    assert t.srtt == pytest.approx(0.875 * 0.100 + 0.125 * 0.200)
    assert t.rto == pytest.approx(0.1125 + 4 * 0.0625)


def test_the_one_second_minimum_and_linuxs_200_ms() -> None:
    rfc, linux = RtoTimer(), RtoTimer(min_rto=0.2)
    rfc.sample(0.030)
    linux.sample(0.030)
    assert rfc.rto == 1.0  # 2.4: rounded up to 1 s
    assert linux.rto == 0.2  # 30 + 4 x 15 = 90 ms, raised to Linux's 200 ms floor
    big = RtoTimer(min_rto=0.2)
    big.sample(0.100)
    assert big.rto == pytest.approx(0.300)  # above the floor: the formula's value


def test_granularity_when_rttvar_is_zero() -> None:
    t = RtoTimer(min_rto=0.0, granularity=0.004)
    t.sample(0.0)
    assert t.rto == 0.004  # max(G, 4 x 0)


def test_backoff_doubles_up_to_the_maximum() -> None:
    t = RtoTimer(max_rto=60.0)
    assert [t.backoff() for _ in range(7)] == [2, 4, 8, 16, 32, 60, 60]


def test_timeout_scenario_waits_one_then_two_seconds_and_karn_keeps_the_backoff() -> None:
    trace = run("timeout", random.Random(3))
    segs = trace.segments()
    last = [s for s in segs if s.src == "client" and s.payload_len == 620]
    assert [s.lost for s in last] == [True, True, False]
    acks_before = [s for s in segs if s.src == "server" and s.t < last[1].t]
    arrival = acks_before[-1].t + 0.015  # the last ACK reaches the client
    assert last[1].t - arrival == pytest.approx(1.0)  # RTO = 1 s, restarted by that ACK (5.3)
    assert last[2].t - last[1].t == pytest.approx(2.0)  # 5.5: doubled
    client = trace.endpoints.get("client")
    if client is not None:  # pragma: no cover - timeout keeps no endpoints
        assert client.rto == 4.0


def test_karn_no_sample_from_a_retransmitted_segment() -> None:
    from netlearn.lessons.tcp.protocol import Endpoint
    from netlearn.lessons.tcp.sim import Simulation
    from netlearn.lessons.tcp.whatif import Plan

    rng = random.Random(5)
    c = Endpoint("client", "192.0.2.10", 40000, rng)
    s = Endpoint("server", "198.51.100.20", 80, rng)
    sim = Simulation(c, s, delay=0.015, plan=Plan(drop=frozenset({4})))
    sim.call(s, "open_passive")
    sim.call(c, "open_active", s.ip, 80)
    sim.run()
    samples = list(c.rtt_samples)
    sim.call(c, "send", b"q" * 100)  # segment 4: lost, resent after 1 s
    sim.run()
    assert c.rtt_samples == samples  # the ACK answered a retransmission: no sample
    assert c.rto == 2.0  # the backed-off RTO stays until a fresh sample (Karn)
    sim.call(c, "send", b"r" * 100)
    sim.run()
    assert len(c.rtt_samples) == len(samples) + 1
    assert c.rtt_samples[-1] == pytest.approx(0.030)
    assert c.rto == 1.0
