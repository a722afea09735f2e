"""What-if runs: bounded values, every old scenario with any segment lost, a loss rate that
cannot run for ever, the CLI's one-line errors, and the player's drop key."""

from __future__ import annotations

import random
import time
from io import StringIO

import pytest

from netlearn.errors import NetlearnError
from netlearn.lessons.tcp.explain import recovery_of
from netlearn.lessons.tcp.player import View, press
from netlearn.lessons.tcp.scenarios import SCENARIOS, Options, run
from netlearn.lessons.tcp.sim import Simulation
from netlearn.lessons.tcp.whatif import Plan, make_plan


def test_plan_values_are_bounded() -> None:
    with pytest.raises(NetlearnError, match="probability from 0 to 0.5"):
        make_plan(loss_rate=0.6)
    with pytest.raises(NetlearnError, match="N:SECONDS"):
        make_plan(delay=["3"])
    with pytest.raises(NetlearnError, match="from 1"):
        make_plan(drop=[0])
    with pytest.raises(NetlearnError, match="0 to 60 seconds"):
        make_plan(delay=["2:99"])
    with pytest.raises(NetlearnError, match="both dropped"):
        make_plan(drop=[2], reorder=[2])
    with pytest.raises(NetlearnError, match="sends 3 segments"):
        run("handshake", random.Random(1), opts=Options(plan=make_plan(drop=[4])))


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "congestion"])
def test_every_segment_of_every_scenario_can_be_lost(name: str) -> None:
    n = 0
    for n in range(1, 100):  # until the plan names a segment the run does not have
        try:
            trace = run(name, random.Random(1), opts=Options(plan=Plan(drop=frozenset({n}))))
        except NetlearnError as exc:
            assert "segments with this what-if" in str(exc)
            break
        seg = trace.segments()[n - 1]
        assert seg.lost
        needs_resend = seg.payload_len or "S" in seg.flags or "F" in seg.flags
        if name == "simultaneous-open" and seg.flags == "SA":
            needs_resend = False  # its SYN already arrived as the first SYN; an ACK suffices
        if needs_resend and "R" not in seg.flags and "zero-window-probe" not in seg.marks:
            assert recovery_of(trace, n) is not None, (name, n)
    assert 2 < n < 100


def test_a_loss_rate_run_ends_and_repeats_with_its_seed() -> None:
    start = time.monotonic()
    plan = make_plan(loss_rate=0.5, seed=7)
    a = run("loss", random.Random(3), opts=Options(plan=plan))
    b = run("loss", random.Random(3), opts=Options(plan=make_plan(loss_rate=0.5, seed=7)))
    assert [s.raw for s in a.segments()] == [s.raw for s in b.segments()]
    assert len(a.segments()) <= Simulation.MAX_SEGMENTS
    assert time.monotonic() - start < 20


def test_reorder_makes_the_receiver_answer_with_a_sack_block() -> None:
    trace = run("loss", random.Random(3), opts=Options(plan=make_plan(reorder=[9])))
    segs = trace.segments()
    assert any(name == "SAck" for s in segs if s.src == "server" for name, _ in s.options)
    assert not any(s.lost for s in segs)
    assert not [s for s in segs if "retransmission" in s.marks]  # one dup ACK is no loss


def test_summary_says_when_the_lost_segment_went_again() -> None:
    trace = run("transfer", random.Random(2), opts=Options(plan=make_plan(drop=[4])))
    text = " ".join(getattr(e, "text", "") for e in trace.events)
    assert "Segment 4 (client -> server [PSH,ACK] seq=1 len=87) was lost (--drop 4)" in text
    assert "(timeout, 1.000 s after the original)" in text


def test_the_x_key_asks_to_drop_the_segment_under_the_cursor() -> None:
    assert press(View(shown=3, total=5), "x").drop
    assert not press(View(shown=0, total=5), "x").drop  # no segment under the cursor yet


def test_player_replays_with_the_segment_dropped() -> None:
    from netlearn.env import Env
    from netlearn.lessons.tcp.player import Player

    env = Env.build("rich", stdout=StringIO(), width=80)
    trace = run("transfer", random.Random(2))
    calls: list[int] = []

    def replay(n: int):  # type: ignore[no-untyped-def]
        calls.append(n)
        return run("transfer", random.Random(2), opts=Options(plan=make_plan(drop=[n])))

    player = Player(env, trace, iter(["\r"] * 4 + ["x", "q"]), replay=replay)
    view = player.run()
    assert calls == [4]
    assert player.segments[3].lost and view.total == len(player.segments) > 9


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("loss", "--loss-rate", "0.9", "--seed", "1"), "probability from 0 to 0.5"),
        (("loss", "--loss-rate", "0.1"), "--loss-rate needs --seed"),
        (("handshake", "--drop", "9"), "sends 3 segments"),
        (("transfer", "--delay", "4"), "N:SECONDS"),
    ],
)
def test_bad_what_if_values_are_one_clear_line(
    run_cli, args: tuple[str, ...], message: str
) -> None:
    done = run_cli("tcp", *args)
    assert done.returncode == 1
    assert message in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_what_if_capture_is_written(run_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    pcap = tmp_path / "w.pcap"
    done = run_cli("tcp", "transfer", "--seed", "1", "--drop", "4", "--write", str(pcap))
    assert done.returncode == 0, done.stderr
    from scapy.utils import rdpcap

    assert len(rdpcap(str(pcap))) == 10  # the lost request was sent, so the client saw it
