"""RFC 5681 section 3.1: cwnd after each ACK in slow start and in congestion avoidance, the
initial window, and the timeout's loss window; the congestion scenario's doubling per RTT."""

from __future__ import annotations

import random

import pytest

from netlearn.events import WindowChart, WindowSample
from netlearn.lessons.tcp.congestion import Congestion, initial_window
from netlearn.lessons.tcp.scenarios import run

MSS = 1460


def test_initial_window_equation_1() -> None:
    assert initial_window(1460) == 3 * 1460
    assert initial_window(2190) == 3 * 2190
    assert initial_window(2191) == 2 * 2191
    assert initial_window(536) == 4 * 536
    assert Congestion(smss=1460, iw_segments=10).cwnd == 14600  # Linux, RFC 6928


def test_slow_start_adds_min_n_smss_per_ack() -> None:
    cc = Congestion(smss=MSS)
    assert cc.on_new_ack(MSS) == "slow start" and cc.cwnd == 4 * MSS
    cc.on_new_ack(2 * MSS)  # a delayed ACK of two segments still adds only one SMSS
    assert cc.cwnd == 5 * MSS
    cc.on_new_ack(100)
    assert cc.cwnd == 5 * MSS + 100


def test_congestion_avoidance_adds_smss_squared_over_cwnd() -> None:
    cc = Congestion(smss=MSS)
    cc.ssthresh = cc.cwnd = 10 * MSS
    assert cc.on_new_ack(MSS) == "congestion avoidance"
    assert cc.cwnd == 10 * MSS + MSS * MSS // (10 * MSS)  # equation (3): + 146
    before = cc.cwnd
    cc.on_new_ack(MSS)
    assert cc.cwnd == before + MSS * MSS // before


def test_timeout_loss_window_and_ssthresh_held_on_a_second_timeout() -> None:
    cc = Congestion(smss=MSS)
    cc.cwnd = 20 * MSS
    cc.on_timeout(flight_size=20 * MSS)
    assert (cc.cwnd, cc.ssthresh) == (MSS, 10 * MSS)
    cc.on_timeout(flight_size=MSS)  # the same segment timed out again: ssthresh held
    assert (cc.cwnd, cc.ssthresh) == (MSS, 10 * MSS)
    cc2 = Congestion(smss=MSS)
    cc2.on_timeout(flight_size=MSS)
    assert cc2.ssthresh == 2 * MSS  # never below 2 x SMSS


def test_congestion_scenario_doubles_then_halves_then_grows_linearly() -> None:
    trace = run("congestion", random.Random(2))
    samples = [e for e in trace.events if isinstance(e, WindowSample)]
    [chart] = [e for e in trace.events if isinstance(e, WindowChart)]
    assert chart.samples == tuple(samples)
    ss = [s for s in samples if s.phase == "slow start"]
    # every ACK in slow start adds exactly one SMSS (the server ACKs every segment)
    steps = {b.cwnd - a.cwnd for a, b in zip(ss, ss[1:], strict=False) if b.cwnd != a.cwnd}
    assert steps == {MSS}
    assert ss[0].cwnd == 3 * MSS
    # per round trip (30 ms) the window doubles: 3, 6, 12, 24 segments
    start = next(s.t for s in ss if s.cwnd > 3 * MSS) - 0.001  # the first ACK of data
    per_rtt = [max(s.cwnd for s in ss if s.t < start + (k + 1) * 0.030) for k in range(3)]
    assert [c // MSS for c in per_rtt] == [6, 12, 24]
    recovery = next(s for s in samples if s.phase == "fast recovery")
    avoid = [s for s in samples if s.phase == "congestion avoidance"]
    assert avoid and avoid[0].cwnd == recovery.ssthresh  # deflated to ssthresh
    assert recovery.ssthresh == pytest.approx(max(recovery.ssthresh, 2 * MSS))
    growth = avoid[-1].cwnd - avoid[0].cwnd
    rtts = (avoid[-1].t - avoid[0].t) / 0.030
    assert growth / MSS <= rtts + 1  # about one segment per round trip, never doubling
