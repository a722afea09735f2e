"""RFC 5681 section 3.2 and RFC 2018 on exact segments: duplicate ACKs, the third one's fast
retransmit (and not the fourth's), inflation and deflation, the receiver's SACK blocks."""

from __future__ import annotations

import random

from netlearn.lessons.tcp import sack
from netlearn.lessons.tcp.protocol import Config, Endpoint, Sent
from netlearn.lessons.tcp.sim import Simulation
from netlearn.packets import tcp as sg

C, S = "192.0.2.10", "198.51.100.20"
MSS = 1460


def opened(**config: object) -> tuple[Endpoint, Endpoint]:
    rng = random.Random(9)
    c = Endpoint("client", C, 40000, rng, Config(iw_segments=10, **config))  # type: ignore[arg-type]
    s = Endpoint("server", S, 80, rng, Config(**config))  # type: ignore[arg-type]
    sim = Simulation(c, s, delay=0.015)
    sim.call(s, "open_passive")
    sim.call(c, "open_active", S, 80)
    sim.run()
    return c, s


def sent(outputs: list) -> list[tuple[sg.Parsed, Sent]]:  # type: ignore[type-arg]
    return [(sg.parse(o.raw), o) for o in outputs if isinstance(o, Sent)]


def ack_from_server(c: Endpoint, s: Endpoint, ack: int, window: int = 64240, blocks=()) -> bytes:
    opts = sack.option(list(blocks)) if blocks else ()
    return sg.build(
        src=S, dst=C, sport=80, dport=40000, seq=s.snd_nxt, ack=ack, flags="A",
        window=window, options=opts,
    )  # fmt: skip


def test_third_duplicate_ack_retransmits_fourth_does_not_then_deflation() -> None:
    c, s = opened()
    out = sent(c.send(b"d" * (8 * MSS), 1.0))
    data = [p for p, _ in out]
    assert [len(p.payload) for p in data] == [MSS] * 8  # IW of 10 segments allows all 8
    base = data[0].seq
    # segment 2 is lost: the ACK of segment 1, then one duplicate per later segment
    assert sent(c.receive(ack_from_server(c, s, sg.seq_add(base, MSS)), 1.03)) == []
    cwnd_after_new_ack = c.cc.cwnd
    assert cwnd_after_new_ack == 10 * MSS + MSS  # slow start: + min(N, SMSS)
    dup = ack_from_server(c, s, sg.seq_add(base, MSS))
    assert sent(c.receive(dup, 1.031)) == []  # first duplicate
    assert sent(c.receive(dup, 1.032)) == []  # second
    flight = c.flight_size
    third = sent(c.receive(dup, 1.033))
    [(again, out3)] = third
    assert again.seq == data[1].seq and again.payload == data[1].payload
    assert "fast-retransmission" in out3.marks and out3.retransmission
    assert c.cc.ssthresh == max(flight // 2, 2 * MSS)  # equation (4)
    assert c.cc.cwnd == c.cc.ssthresh + 3 * MSS  # step 3
    fourth = sent(c.receive(dup, 1.034))
    assert all(p.seq != data[1].seq for p, _ in fourth)  # no second fast retransmit
    assert c.cc.cwnd == c.cc.ssthresh + 4 * MSS  # step 4: inflate by one SMSS
    # the ACK of everything ends recovery: cwnd = ssthresh (step 6, deflation)
    c.receive(ack_from_server(c, s, c.snd_max), 1.06)
    assert not c.cc.in_recovery and c.cc.cwnd == c.cc.ssthresh


def test_a_duplicate_with_another_window_is_not_a_duplicate_ack() -> None:
    c, s = opened()
    base = sent(c.send(b"d" * (5 * MSS), 1.0))[0][0].seq
    c.receive(ack_from_server(c, s, sg.seq_add(base, MSS)), 1.03)
    for i in range(3):
        c.receive(ack_from_server(c, s, sg.seq_add(base, MSS), window=64240 - i - 1), 1.04)
    assert c.cc.dupacks == 0 and not c.cc.in_recovery  # RFC 5681 section 2, condition (e)


def receiver_pair(sack_on: bool) -> tuple[Endpoint, Endpoint, list[bytes]]:
    c, s = opened(sack=sack_on)
    segs = [o.raw for o in c.send(b"e" * (5 * MSS), 1.0) if isinstance(o, Sent)]
    return c, s, segs


def test_receiver_answers_out_of_order_at_once_with_sack_blocks() -> None:
    c, s, segs = receiver_pair(True)
    p = [sg.parse(r) for r in segs]
    s.receive(segs[0], 1.015)  # in order: the delayed-ACK timer starts, nothing sent
    [(dup, out)] = sent(s.receive(segs[2], 1.016))  # segment 2 missing
    assert dup.ack == p[1].seq and dup.flags == "A" and not dup.payload
    assert sack.blocks_of(dup.options) == [(p[2].seq, sg.seq_add(p[2].seq, MSS))]
    [(dup2, out2)] = sent(s.receive(segs[4], 1.017))
    # RFC 2018 section 4: the block of the segment that triggered this ACK comes first
    assert sack.blocks_of(dup2.options) == [
        (p[4].seq, sg.seq_add(p[4].seq, MSS)),
        (p[2].seq, sg.seq_add(p[2].seq, MSS)),
    ]
    assert "dup-ack" in out2.marks
    [(fill, _)] = sent(s.receive(segs[1], 1.018))  # fills the first hole: ACK at once
    assert fill.ack == sg.seq_add(p[2].seq, MSS)
    assert sack.blocks_of(fill.options) == [(p[4].seq, sg.seq_add(p[4].seq, MSS))]
    [(full, _)] = sent(s.receive(segs[3], 1.019))
    assert full.ack == sg.seq_add(p[4].seq, MSS) and sack.blocks_of(full.options) == []
    assert bytes(s.unread) == b"e" * (5 * MSS)


def test_no_sack_blocks_unless_both_sides_offer_it() -> None:
    c, s, segs = receiver_pair(False)
    assert not s.sack_ok and not c.sack_ok
    s.receive(segs[0], 1.015)
    [(dup, _)] = sent(s.receive(segs[2], 1.016))
    assert sack.blocks_of(dup.options) == [] and dup.options == ()


def test_loss_scenario_names_the_fast_retransmit_after_three_duplicates() -> None:
    from netlearn.lessons.tcp.scenarios import run

    trace = run("loss", random.Random(4))
    segs = trace.segments()
    lost = next(s for s in segs if s.lost)
    fast = next(s for s in segs if "fast-retransmission" in s.marks)
    assert (fast.seq, fast.payload) == (lost.seq, lost.payload)
    dups = [s for s in segs if "dup-ack" in s.marks and s.t + 0.015 <= fast.t + 1e-9]
    assert len(dups) >= 3
    assert all(s.ack == lost.seq for s in dups)
