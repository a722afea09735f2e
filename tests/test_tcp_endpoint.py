"""The sans-I/O endpoint: bytes in, bytes and state changes out, checked against RFC 9293."""

from __future__ import annotations

import random

import pytest

from netlearn.events import Segment, StateChange
from netlearn.lessons.tcp.protocol import Endpoint, Moved, ProtocolError, Sent
from netlearn.lessons.tcp.sim import Simulation
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_states import State
from netlearn.packets.tcp_table import Input

C_IP, S_IP = "192.0.2.10", "198.51.100.20"


class FixedISN(random.Random):
    """A generator whose 32-bit draws are all `isn` (to test the wrap at 2**32)."""

    def __init__(self, isn: int) -> None:
        super().__init__(0)
        self.isn = isn

    def getrandbits(self, k: int) -> int:
        return self.isn if k == 32 else super().getrandbits(k)


def pair(rng: random.Random | None = None) -> tuple[Endpoint, Endpoint]:
    rng = rng or random.Random(7)
    return Endpoint("client", C_IP, 40000, rng), Endpoint("server", S_IP, 80, rng)


def sent(outputs: list) -> list[sg.Parsed]:  # type: ignore[type-arg]
    return [sg.parse(o.raw) for o in outputs if isinstance(o, Sent)]


def moves(outputs: list) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    return [(o.old.value, o.new.value) for o in outputs if isinstance(o, Moved)]


def test_three_way_handshake_byte_by_byte() -> None:
    client, server = pair()
    assert moves(server.open_passive(0.0)) == [("CLOSED", "LISTEN")]
    out = client.open_active(S_IP, 80, 0.0)
    assert moves(out) == [("CLOSED", "SYN-SENT")]
    [syn] = sent(out)
    assert syn.flags == "S" and syn.ack == 0 and syn.seg_len == 1
    assert ("MSS", "1460") in syn.options

    out = server.receive(next(o.raw for o in client_out(out)), 0.015)
    assert moves(out) == [("LISTEN", "SYN-RECEIVED")]
    [synack] = sent(out)
    assert synack.flags == "SA"
    assert synack.ack == sg.seq_add(syn.seq, 1)  # the SYN used one number

    out = client.receive(next(o.raw for o in client_out(out)), 0.030)
    assert moves(out) == [("SYN-SENT", "ESTABLISHED")]
    [ack] = sent(out)
    assert ack.flags == "A"
    assert (ack.seq, ack.ack) == (sg.seq_add(syn.seq, 1), sg.seq_add(synack.seq, 1))
    assert ack.seg_len == 0  # an ACK uses no sequence number

    out = server.receive(next(o.raw for o in client_out(out)), 0.045)
    assert moves(out) == [("SYN-RECEIVED", "ESTABLISHED")]
    assert sent(out) == []
    assert (server.irs, client.irs) == (syn.seq, synack.seq)


def client_out(outputs: list) -> list[Sent]:  # type: ignore[type-arg]
    return [o for o in outputs if isinstance(o, Sent)]


def test_a_damaged_segment_is_dropped() -> None:
    client, server = pair()
    server.open_passive(0.0)
    raw = bytearray(client_out(client.open_active(S_IP, 80, 0.0))[0].raw)
    raw[-1] ^= 0x01  # one bit flipped in the options: the TCP checksum no longer matches
    assert not sg.checksums_ok(bytes(raw))
    assert server.receive(bytes(raw), 0.015) == []
    assert server.state is State.LISTEN


def test_closed_port_answers_a_syn_with_rst_ack() -> None:
    # RFC 9293 3.10.7.1: no ACK bit -> <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>
    client, server = pair()
    syn = client_out(client.open_active(S_IP, 80, 0.0))[0].raw
    out = server.receive(syn, 0.015)
    assert moves(out) == []  # the server stays CLOSED: there is no connection to change
    [rst] = sent(out)
    assert rst.flags == "RA"
    assert rst.seq == 0
    assert rst.ack == sg.seq_add(sg.parse(syn).seq, 1)
    assert (rst.src, rst.sport, rst.dst, rst.dport) == (S_IP, 80, C_IP, 40000)
    out = client.receive(client_out(out)[0].raw, 0.030)
    assert moves(out) == [("SYN-SENT", "CLOSED")]


def test_closed_port_answers_an_ack_with_seq_from_the_ack() -> None:
    # RFC 9293 3.10.7.1: ACK bit on -> <SEQ=SEG.ACK><CTL=RST>
    _, server = pair()
    stray = sg.build(
        src=C_IP, dst=S_IP, sport=40000, dport=80, seq=5000, ack=777, flags="A", window=100
    )
    [rst] = sent(server.receive(stray, 0.0))
    assert (rst.flags, rst.seq, rst.ack) == ("R", 777, 0)


def test_listen_resets_an_ack_and_ignores_a_reset() -> None:
    _, server = pair()
    server.open_passive(0.0)
    stray = sg.build(
        src=C_IP, dst=S_IP, sport=40000, dport=80, seq=5000, ack=4242, flags="A", window=100
    )
    [rst] = sent(server.receive(stray, 0.0))
    assert (rst.flags, rst.seq) == ("R", 4242)
    reset = sg.build(src=C_IP, dst=S_IP, sport=40000, dport=80, seq=1, flags="R", window=0)
    assert server.receive(reset, 0.0) == []
    assert server.state is State.LISTEN


def test_old_duplicate_syn_is_cleared_by_a_reset() -> None:
    """RFC 9293 Figure 8: an old SYN reaches the server; the client's RST sends it back to
    LISTEN (it came from a passive OPEN)."""
    client, server = pair()
    server.open_passive(0.0)
    [syn] = sent(client.open_active(S_IP, 80, 0.0))
    old = sg.build(
        src=C_IP, dst=S_IP, sport=40000, dport=80, seq=sg.seq_add(syn.seq, -10), flags="S",
        window=64240,
    )  # fmt: skip
    out = server.receive(old, 0.0)
    assert moves(out) == [("LISTEN", "SYN-RECEIVED")]
    [synack] = sent(out)
    out = client.receive(client_out(out)[0].raw, 0.01)  # its ACK is for a SYN we never sent
    [rst] = sent(out)
    assert (rst.flags, rst.seq) == ("R", synack.ack)
    assert client.state is State.SYN_SENT
    out = server.receive(client_out(out)[0].raw, 0.02)
    assert moves(out) == [("SYN-RECEIVED", "LISTEN")]


def test_the_syn_is_retransmitted_with_a_doubling_timeout() -> None:
    client, _ = pair()
    [syn] = sent(client.open_active(S_IP, 80, 0.0))
    deadline, which = client.next_timer()  # type: ignore[misc]
    assert (deadline, which) == (1.0, Input.RTO)  # RFC 6298 section 2.1: 1 second
    times = []
    for _ in range(3):
        deadline, which = client.next_timer()  # type: ignore[misc]
        times.append(deadline)
        out = client.on_timer(which, deadline)
        [again] = sent(out)
        assert (again.seq, again.flags) == (syn.seq, "S")
        assert client_out(out)[0].retransmission
    assert times == [1.0, 3.0, 7.0]  # waits of 1, 2, 4 seconds (RFC 6298 section 5.5)
    assert client.next_timer() == (15.0, Input.RTO)


def test_rtt_sample_and_rto_follow_rfc_6298() -> None:
    client, server = pair()
    sim = Simulation(client, server, delay=0.015)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    assert client.srtt == pytest.approx(0.030)  # SYN out at 0, SYN-ACK back at 0.030
    assert client.rttvar == pytest.approx(0.015)  # R / 2 (section 2.2)
    assert client.rto == 1.0  # 0.03 + 4 x 0.015 = 0.09, rounded up to 1 s (section 2.4)
    assert client.next_timer() is None  # nothing outstanding: the timer is off (5.2)


def test_after_a_syn_timeout_no_rtt_sample_and_rto_3s() -> None:
    client, server = pair()
    dropped = []

    def lose_first(ep: Endpoint, seg: sg.Parsed) -> bool:
        if ep is client and not dropped:
            dropped.append(seg)
            return True
        return False

    sim = Simulation(client, server, delay=0.015, lose=lose_first)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    assert client.state is State.ESTABLISHED
    assert client.srtt is None  # Karn: the answered SYN was a retransmission
    assert client.rto == 3.0  # RFC 6298 section 5.7


def test_data_is_cut_at_the_mss_and_pushed_at_the_end() -> None:
    client, server = pair()
    sim = Simulation(client, server, delay=0.01)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    start = len(sim.events)
    sim.call(client, "send", bytes(range(256)) * 12)  # 3072 bytes
    data = [e for e in sim.events[start:] if isinstance(e, Segment)]
    assert [d.payload_len for d in data] == [1460, 1460, 152]
    assert [d.flags for d in data] == ["A", "A", "PA"]
    assert [d.rel_seq for d in data] == [1, 1461, 2921]
    sim.run()
    assert bytes(server.unread) == bytes(range(256)) * 12


def test_window_keeps_its_right_edge_until_an_mss_is_free() -> None:
    """RFC 9293 3.8.6.2.2: reading a few bytes does not move the right window edge."""
    client, server = pair()
    sim = Simulation(client, server, delay=0.01)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    sim.call(client, "send", b"x" * 100)
    sim.run()
    assert server.rcv_wnd == 64240 - 100
    n = len(sim.events)
    sim.call(server, "read")
    assert sim.events[n:] == []  # no window update for 100 bytes
    assert server.rcv_wnd == 64240 - 100  # edge RCV.NXT + RCV.WND unchanged
    sim.call(client, "send", b"y" * 1400)
    sim.run()
    sim.call(server, "read")  # now 1500 bytes are free beyond the edge: >= MSS
    [update] = [e for e in sim.events[n:] if isinstance(e, Segment) and e.src == "server"][-1:]
    assert update.window == 64240 and update.payload_len == 0


def test_sequence_numbers_wrap_modulo_2_to_the_32() -> None:
    client = Endpoint("client", C_IP, 40000, FixedISN(2**32 - 1))
    server = Endpoint("server", S_IP, 80, random.Random(1))
    sim = Simulation(client, server, delay=0.01)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    sim.call(client, "send", b"z" * 87)
    sim.run()
    segs = [e for e in sim.events if isinstance(e, Segment)]
    assert segs[0].seq == 2**32 - 1
    assert segs[1].ack == 0  # ISN + 1 wraps to 0
    assert segs[3].seq == 0 and segs[3].rel_seq == 1
    assert segs[4].ack == 87 and segs[4].rel_ack == 88


def test_simultaneous_close_passes_through_closing() -> None:
    """RFC 9293 Figure 13: both close at once; both see CLOSING, then TIME-WAIT."""
    client, server = pair()
    sim = Simulation(client, server, delay=0.01)
    sim.call(server, "open_passive")
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    sim.call(client, "close")
    sim.call(server, "close")
    sim.run(until=sim.now + 1)
    path = {
        side: [e.new for e in sim.events if isinstance(e, StateChange) and e.side == side]
        for side in ("client", "server")
    }
    assert path["client"][-3:] == ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"]
    assert path["server"][-3:] == ["FIN-WAIT-1", "CLOSING", "TIME-WAIT"]
    sim.run()
    assert client.state is State.CLOSED and server.state is State.CLOSED


def test_user_calls_the_rfc_refuses() -> None:
    client, _ = pair()
    with pytest.raises(ProtocolError) as refused:
        client.send(b"data", 0.0)  # "error: connection does not exist"
    assert (refused.value.call, refused.value.state) == ("send", State.CLOSED)
    with pytest.raises(ProtocolError) as refused:
        client.close(0.0)
    assert (refused.value.call, refused.value.state) == ("close", State.CLOSED)


def test_connect_gives_up_after_six_retransmissions() -> None:
    """RFC 9293 3.8.3: after R2 the connection is closed; Linux's R2 for a SYN is 6 resends."""
    client, server = pair()
    sim = Simulation(client, server, delay=0.01, lose=lambda ep, seg: True)
    sim.call(client, "open_active", S_IP, 80)
    sim.run()
    syns = [e for e in sim.events if isinstance(e, Segment)]
    assert len(syns) == 7  # the SYN and 6 copies
    assert [round(b.t - a.t) for a, b in zip(syns, syns[1:], strict=False)] == [
        1,
        2,
        4,
        8,
        16,
        32,
    ]
    last = [e for e in sim.events if isinstance(e, StateChange)][-1]
    assert (last.new, last.cause, last.t) == (
        "CLOSED",
        "too many retransmissions / delete TCB",
        127.0,
    )
