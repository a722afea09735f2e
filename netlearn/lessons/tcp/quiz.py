"""TCP questions made from segments built with scapy: every number comes from a real packet.

The rules they test are RFC 9293's: a SYN (and a FIN) occupies one sequence number (section
3.4); an acknowledgment number is the next sequence number the receiver expects (3.4); sequence
arithmetic is modulo 2**32 (3.4); and the replies of section 3.10.7 (SEGMENT ARRIVES).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from netlearn.quiz.generators.common import (
    FLAG_CHOICES,
    flag_names,
    make,
    payload_length,
    segment_line,
)
from netlearn.quiz.model import Asked, Question

if TYPE_CHECKING:
    from scapy.packet import Packet

MOD = 2**32
CLIENT = "192.0.2.10"  # RFC 5737 documentation addresses: never a real host
SERVER = "198.51.100.20"


def _isn(rng: random.Random) -> int:
    """An ISN for a question, drawn from `rng`; one time in five close to the 2**32 wrap-around."""
    if rng.randrange(5) == 0:
        return MOD - 1 - rng.randrange(4)
    return rng.getrandbits(32)


def segment(
    *,
    src: str,
    dst: str,
    sport: int,
    dport: int,
    flags: str,
    seq: int,
    ack: int = 0,
    window: int = 64240,
    payload: bytes = b"",
    syn_options: bool = False,
) -> Packet:
    """One Ethernet/IPv4/TCP segment, built and dissected again from its own bytes."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    options = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)] if syn_options else []
    pkt = (
        Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:14")
        / IP(src=src, dst=dst, ttl=64, flags="DF")
        / TCP(
            sport=sport,
            dport=dport,
            flags=flags,
            seq=seq,
            ack=ack,
            window=window,
            options=options,
        )
    )
    if payload:
        pkt = pkt / Raw(payload)
    return Ether(bytes(pkt))


def _ports(rng: random.Random) -> tuple[int, int]:
    return rng.randint(49152, 65535), rng.choice((80, 443, 8080, 5000))


def synack_ack(rng: random.Random, question: Question) -> Asked:
    """Given the client's SYN, the acknowledgment number of the server's SYN-ACK."""
    from scapy.layers.inet import TCP

    cport, sport = _ports(rng)
    syn = segment(
        src=CLIENT, dst=SERVER, sport=cport, dport=sport, flags="S", seq=_isn(rng), syn_options=True
    )
    seq = int(syn[TCP].seq)
    synack = segment(
        src=SERVER,
        dst=CLIENT,
        sport=sport,
        dport=cport,
        flags="SA",
        seq=rng.getrandbits(32),
        ack=(seq + 1) % MOD,
        window=65160,
        syn_options=True,
    )
    answer = int(synack[TCP].ack)
    wrap = (
        f" The sum passes 2^32 - 1 = {MOD - 1}, so it wraps around to {answer}: sequence "
        "numbers are counted modulo 2^32 (RFC 9293 section 3.4)."
        if seq + 1 >= MOD
        else ""
    )
    return make(
        "fill",
        "A client opens a connection with this SYN. What acknowledgment number does the "
        "server's SYN-ACK carry?",
        f"The SYN's sequence number is {seq}. A SYN carries no data, yet it occupies one "
        f"sequence number (RFC 9293 section 3.4), so the server acknowledges {seq} + 1 = "
        f"{answer}: the acknowledgment number is the next sequence number the server expects "
        f"to receive.{wrap} The SYN-ACK also carries the server's own initial sequence number, "
        "which the client will acknowledge the same way.",
        accepted=(str(answer),),
        numeric=True,
        exhibit=(
            "client -> server:",
            "  " + segment_line(syn),
            "server -> client:",
            "  " + segment_line(synack).split(" ack ")[0] + " ack ?",
        ),
        packets=(bytes(syn), bytes(synack)),
    )


def next_ack(rng: random.Random, question: Question) -> Asked:
    """Given a data segment's seq and payload length, the ACK number that acknowledges it."""
    from scapy.layers.inet import TCP

    cport, sport = _ports(rng)
    length = rng.choice((rng.randint(1, 99), rng.randint(100, 1460)))
    payload = bytes(rng.getrandbits(8) for _ in range(length))
    data = segment(
        src=CLIENT,
        dst=SERVER,
        sport=cport,
        dport=sport,
        flags="PA",
        seq=_isn(rng),
        ack=rng.getrandbits(32),
        window=502,
        payload=payload,
    )
    seq = int(data[TCP].seq)
    n = payload_length(data)
    reply = segment(
        src=SERVER,
        dst=CLIENT,
        sport=sport,
        dport=cport,
        flags="A",
        seq=int(data[TCP].ack),
        ack=(seq + n) % MOD,
        window=509,
    )
    answer = int(reply[TCP].ack)
    wrap = (
        f" The sum passes 2^32 - 1, so it wraps around to {answer} (modulo 2^32, RFC 9293 "
        "section 3.4)."
        if seq + n >= MOD
        else ""
    )
    return make(
        "fill",
        f"In an open connection the client sends this segment: sequence number {seq}, carrying "
        f"{n} bytes of data. What acknowledgment number does the server's ACK carry?",
        f"The segment's {n} bytes occupy sequence numbers {seq} through "
        f"{(seq + n - 1) % MOD}. The "
        "acknowledgment number names the next byte the receiver expects (RFC 9293 section "
        f"3.4), so once all {n} bytes have arrived the server acknowledges {seq} + {n} = "
        f"{answer}.{wrap} The 'length' tcpdump prints is the payload alone: the IP total length "
        "minus the IP and TCP headers.",
        accepted=(str(answer),),
        numeric=True,
        exhibit=("client -> server:", "  " + segment_line(data)),
        packets=(bytes(data), bytes(reply)),
    )


def ack_of(seq: int, n: int) -> int:
    """The acknowledgment for n sequence numbers from seq, modulo 2**32."""
    return (seq + n) % MOD


# The situations a "which flags does the reply carry" question is drawn from.
_SITUATIONS = (
    "listening",
    "closed-port",
    "synack",
    "data",
    "fin",
    "unknown-connection",
)


def reply_flags(rng: random.Random, question: Question) -> Asked:
    """Which flags the reply to a segment carries, in one of six textbook situations."""
    from scapy.layers.inet import TCP

    cport, sport = _ports(rng)
    situation = rng.choice(_SITUATIONS)
    cseq, sseq = _isn(rng), rng.getrandbits(32)
    if situation == "listening":
        incoming = segment(
            src=CLIENT, dst=SERVER, sport=cport, dport=sport, flags="S", seq=cseq, syn_options=True
        )
        reply = segment(
            src=SERVER,
            dst=CLIENT,
            sport=sport,
            dport=cport,
            flags="SA",
            seq=sseq,
            ack=ack_of(cseq, 1),
            syn_options=True,
        )
        story = f"A server program is listening on port {sport}. This SYN arrives."
        why = (
            "A SYN reaching a LISTEN socket is answered with SYN and ACK together: ACK "
            "acknowledges the client's SYN (ack = its seq + 1) and SYN sends the server's own "
            "initial sequence number (RFC 9293 section 3.10.7.2, the second segment of the "
            "three-way handshake of section 3.5)."
        )
    elif situation == "closed-port":
        incoming = segment(
            src=CLIENT, dst=SERVER, sport=cport, dport=sport, flags="S", seq=cseq, syn_options=True
        )
        reply = segment(
            src=SERVER,
            dst=CLIENT,
            sport=sport,
            dport=cport,
            flags="RA",
            seq=0,
            ack=ack_of(cseq, 1),
            window=0,
        )
        story = f"Nothing is listening on port {sport} of the server. This SYN arrives."
        why = (
            "No socket means the CLOSED state: any segment but a RST is answered with a reset. "
            "The SYN has no ACK bit, so the reset is <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> "
            "(RFC 9293 section 3.10.7.1): RST and ACK. The client's connect() fails with "
            "'connection refused'."
        )
    elif situation == "synack":
        incoming = segment(
            src=SERVER,
            dst=CLIENT,
            sport=sport,
            dport=cport,
            flags="SA",
            seq=sseq,
            ack=ack_of(cseq, 1),
            syn_options=True,
        )
        reply = segment(
            src=CLIENT,
            dst=SERVER,
            sport=cport,
            dport=sport,
            flags="A",
            seq=ack_of(cseq, 1),
            ack=ack_of(sseq, 1),
        )
        story = "The client sent a SYN and is in SYN-SENT. This segment arrives from the server."
        why = (
            "The SYN-ACK acknowledges the client's SYN, so the client enters ESTABLISHED and "
            "sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK> (RFC 9293 section 3.10.7.3): just ACK, "
            "the third segment of the handshake."
        )
    elif situation == "data":
        n = rng.randint(1, 1200)
        incoming = segment(
            src=CLIENT,
            dst=SERVER,
            sport=cport,
            dport=sport,
            flags="PA",
            seq=cseq,
            ack=sseq,
            payload=bytes(rng.getrandbits(8) for _ in range(n)),
        )
        reply = segment(
            src=SERVER,
            dst=CLIENT,
            sport=sport,
            dport=cport,
            flags="A",
            seq=sseq,
            ack=ack_of(cseq, n),
        )
        story = (
            "The connection is ESTABLISHED; the server's program has nothing to send. This "
            "data segment arrives."
        )
        why = (
            "Data that arrives in order is acknowledged with <SEQ=SND.NXT><ACK=RCV.NXT>"
            "<CTL=ACK> (RFC 9293 section 3.10.7.4): just ACK, with ack = seq + length. PSH on "
            "the incoming segment asks the receiver to hand the data to the program at once; "
            "it is not echoed."
        )
    elif situation == "fin":
        incoming = segment(
            src=CLIENT, dst=SERVER, sport=cport, dport=sport, flags="FA", seq=cseq, ack=sseq
        )
        reply = segment(
            src=SERVER,
            dst=CLIENT,
            sport=sport,
            dport=cport,
            flags="A",
            seq=sseq,
            ack=ack_of(cseq, 1),
        )
        story = (
            "The connection is ESTABLISHED. The client closes its side; the server's program "
            "has not closed yet. This segment arrives."
        )
        why = (
            "A FIN occupies one sequence number; the receiver acknowledges it (ack = seq + 1) "
            "and enters CLOSE-WAIT (RFC 9293 section 3.10.7.4, 'check the FIN bit'). It sends "
            "its own FIN only when its program closes too, so this reply is just ACK."
        )
    else:
        incoming = segment(
            src=CLIENT,
            dst=SERVER,
            sport=cport,
            dport=sport,
            flags="PA",
            seq=cseq,
            ack=sseq,
            payload=b"hello?",
        )
        reply = segment(
            src=SERVER, dst=CLIENT, sport=sport, dport=cport, flags="R", seq=sseq, window=0
        )
        story = (
            "The server rebooted and has no memory of this connection (nothing listens on "
            f"port {sport} any more). This segment arrives."
        )
        why = (
            "A segment for a connection that does not exist gets a reset. This one has the ACK "
            "bit, so the reset is <SEQ=SEG.ACK><CTL=RST> (RFC 9293 section 3.10.7.1): RST "
            "alone, with the sequence number the client expects, so the client accepts it and "
            "drops the connection."
        )
    flags = str(reply[TCP].flags)
    letters = [code for code, _ in FLAG_CHOICES]
    correct = tuple(i for i, code in enumerate(letters) if code in flags)
    return make(
        "multi",
        f"{story} Which flags does the reply carry?",
        f"The reply carries {flag_names(flags)}. {why}",
        choices=tuple(name for _, name in FLAG_CHOICES),
        correct=correct,
        exhibit=("  " + segment_line(incoming),),
        packets=(bytes(incoming), bytes(reply)),
    )


def what_if_next(rng: random.Random, question: Question) -> Asked:
    """A what-if run of the `loss` scenario with one client data segment lost: which segment
    carries its bytes next, and when (fast retransmit after three duplicate ACKs, or the RTO)."""
    from netlearn.lessons.tcp.explain import recovery_of
    from netlearn.lessons.tcp.scenarios import Options, run
    from netlearn.lessons.tcp.whatif import Plan

    seed = rng.getrandbits(32)
    base = run("loss", random.Random(seed), opts=Options(plan=Plan(delay={1: 0.0001})))
    data = [
        n
        for n, s in enumerate(base.segments(), start=1)
        if s.src == "client" and s.payload_len and "retransmission" not in s.marks
    ]
    n = rng.choice(data[1:])
    trace = run("loss", random.Random(seed), opts=Options(plan=Plan(drop=frozenset({n}))))
    segs = trace.segments()
    lost = segs[n - 1]
    found = recovery_of(trace, n)
    assert found is not None
    m, how = found
    again = segs[m - 1]
    dups = [s for s in segs[n:m] if "dup-ack" in s.marks]
    rel, length = lost.rel_seq, lost.payload_len
    if how == "fast retransmit":
        right = f"seq {rel} again at {again.t:.3f} s, as the third duplicate ACK arrives"
        timer = f"seq {rel} again at {lost.t + 1:.3f} s, when its 1 s retransmission timer runs out"
        why = (
            f"The segments after it arrived, so the server sent duplicate ACKs ({len(dups)} of "
            f"them, all ACK {rel}). The third one triggers fast retransmit (RFC 5681 section "
            "3.2): the client does not wait for its RTO."
        )
    else:
        right = f"seq {rel} again at {again.t:.3f} s, when the retransmission timer runs out"
        timer = f"seq {rel} again at {lost.t + 0.045:.3f} s, as the third duplicate ACK arrives"
        why = (
            f"Fewer than three segments followed it, so only {len(dups)} duplicate ACK(s) came: "
            "not enough for fast retransmit (RFC 5681 section 3.2). The client waits for its "
            "RTO (RFC 6298: at least 1 s), restarted by the last ACK of new data."
        )
    choices = [
        right,
        timer,
        f"seq {rel + length}, new bytes: a NAK from the server will ask for seq {rel}",
        f"every unacknowledged segment from seq {rel} on, at {again.t:.3f} s",
    ]
    order = list(range(4))
    rng.shuffle(order)
    shown = tuple(choices[i] for i in order)
    exhibit = tuple(
        f"{i:>3} {s.t:7.3f}s {s.src:>6} -> {s.dst:<6} seq={s.rel_seq} ack={s.rel_ack} "
        f"len={s.payload_len}" + ("  LOST" if s.lost else "")
        for i, s in enumerate(segs[: n + len(dups)], start=1)
        if i >= max(1, n - 3)
    )
    return make(
        "choice",
        f"What if segment {n} (client -> server, seq {rel}, {length} bytes) were lost? Which "
        "segment does the client send next with those bytes, and when?",
        f"Segment {m}: {right}. {why} The receiver never asks for the missing bytes by name "
        "(TCP has no negative acknowledgment; SACK reports what did arrive), and only the "
        "missing segment is resent: the duplicate ACKs prove the others got through.",
        choices=shown,
        correct=(order.index(0),),
        exhibit=exhibit,
        packets=(lost.raw, again.raw),
    )
