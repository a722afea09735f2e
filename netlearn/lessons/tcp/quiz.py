"""TCP questions made from segments built with scapy: every number comes from a real packet.

The rules they test are RFC 9293's: a SYN (and a FIN) occupies one sequence number (section
3.4); an acknowledgment number is the next sequence number the receiver expects (3.4); sequence
arithmetic is modulo 2**32 (3.4); and the replies of section 3.10.7 (SEGMENT ARRIVES).
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

from netlearn.content.words import say
from netlearn.packets import tcp as sg
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
    """One Ethernet/IPv4/TCP segment, built and dissected again from its own bytes.

    The IPv4/TCP bytes come from the one segment builder (`netlearn.packets.tcp.build`; IP id 1,
    scapy's default); the Ethernet header uses locally administered MAC addresses."""
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether

    options = (("MSS", 1460), ("SAckOK", b""), ("WScale", 7)) if syn_options else ()
    raw = sg.build(
        src=src,
        dst=dst,
        sport=sport,
        dport=dport,
        seq=seq,
        ack=ack,
        flags=flags,
        window=window,
        payload=payload,
        options=options,
        ip_id=1,
    )
    return Ether(bytes(Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:14") / IP(raw)))


def _ports(rng: random.Random) -> tuple[int, int]:
    return rng.randint(49152, 65535), rng.choice((80, 443, 8080, 5000))


class _Conn:
    """One connection's two directions: `up` is a segment from the client, `down` one from
    the server (addresses and ports filled in, the rest as `segment` takes it)."""

    def __init__(self, cport: int, sport: int) -> None:
        self.cport, self.sport = cport, sport

    def up(self, **fields: Any) -> Packet:
        return segment(src=CLIENT, dst=SERVER, sport=self.cport, dport=self.sport, **fields)

    def down(self, **fields: Any) -> Packet:
        return segment(src=SERVER, dst=CLIENT, sport=self.sport, dport=self.cport, **fields)


def synack_ack(rng: random.Random, question: Question) -> Asked:
    """Given the client's SYN, the acknowledgment number of the server's SYN-ACK."""
    from scapy.layers.inet import TCP

    conn = _Conn(*_ports(rng))
    syn = conn.up(flags="S", seq=_isn(rng), syn_options=True)
    seq = int(syn[TCP].seq)
    synack = conn.down(
        flags="SA",
        seq=rng.getrandbits(32),
        ack=(seq + 1) % MOD,
        window=65160,
        syn_options=True,
    )
    answer = int(synack[TCP].ack)
    wrap = (
        say("tcp.questions.synack-ack.wrap", top=MOD - 1, answer=answer) if seq + 1 >= MOD else ""
    )
    return make(
        "fill",
        say("tcp.questions.synack-ack.ask"),
        say("tcp.questions.synack-ack.explain", seq=seq, answer=answer, wrap=wrap),
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

    conn = _Conn(*_ports(rng))
    length = rng.choice((rng.randint(1, 99), rng.randint(100, 1460)))
    payload = bytes(rng.getrandbits(8) for _ in range(length))
    data = conn.up(
        flags="PA",
        seq=_isn(rng),
        ack=rng.getrandbits(32),
        window=502,
        payload=payload,
    )
    seq = int(data[TCP].seq)
    n = payload_length(data)
    reply = conn.down(
        flags="A",
        seq=int(data[TCP].ack),
        ack=(seq + n) % MOD,
        window=509,
    )
    answer = int(reply[TCP].ack)
    wrap = say("tcp.questions.next-ack.wrap", answer=answer) if seq + n >= MOD else ""
    return make(
        "fill",
        say("tcp.questions.next-ack.ask", seq=seq, n=n),
        say(
            "tcp.questions.next-ack.explain",
            n=n,
            seq=seq,
            last=(seq + n - 1) % MOD,
            answer=answer,
            wrap=wrap,
        ),
        accepted=(str(answer),),
        numeric=True,
        exhibit=("client -> server:", "  " + segment_line(data)),
        packets=(bytes(data), bytes(reply)),
    )


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

    conn = _Conn(*_ports(rng))
    situation = rng.choice(_SITUATIONS)
    cseq, sseq = _isn(rng), rng.getrandbits(32)
    if situation == "listening":
        incoming = conn.up(flags="S", seq=cseq, syn_options=True)
        reply = conn.down(
            flags="SA",
            seq=sseq,
            ack=sg.seq_add(cseq, 1),
            syn_options=True,
        )
    elif situation == "closed-port":
        incoming = conn.up(flags="S", seq=cseq, syn_options=True)
        reply = conn.down(
            flags="RA",
            seq=0,
            ack=sg.seq_add(cseq, 1),
            window=0,
        )
    elif situation == "synack":
        incoming = conn.down(
            flags="SA",
            seq=sseq,
            ack=sg.seq_add(cseq, 1),
            syn_options=True,
        )
        reply = conn.up(
            flags="A",
            seq=sg.seq_add(cseq, 1),
            ack=sg.seq_add(sseq, 1),
        )
    elif situation == "data":
        n = rng.randint(1, 1200)
        incoming = conn.up(
            flags="PA",
            seq=cseq,
            ack=sseq,
            payload=bytes(rng.getrandbits(8) for _ in range(n)),
        )
        reply = conn.down(
            flags="A",
            seq=sseq,
            ack=sg.seq_add(cseq, n),
        )
    elif situation == "fin":
        incoming = conn.up(flags="FA", seq=cseq, ack=sseq)
        reply = conn.down(
            flags="A",
            seq=sseq,
            ack=sg.seq_add(cseq, 1),
        )
    else:
        incoming = conn.up(
            flags="PA",
            seq=cseq,
            ack=sseq,
            payload=b"hello?",
        )
        reply = conn.down(flags="R", seq=sseq, window=0)
    flags = str(reply[TCP].flags)
    letters = [code for code, _ in FLAG_CHOICES]
    correct = tuple(i for i, code in enumerate(letters) if code in flags)
    story, why = _situation(situation, conn.sport)
    return make(
        "multi",
        say("tcp.questions.reply-flags.ask", story=story),
        say("tcp.questions.reply-flags.explain", flags=flag_names(flags), why=why),
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
        right = say("tcp.questions.what-if-next.fast.right", seq=rel, t=again.t)
        timer = say("tcp.questions.what-if-next.fast.wrong", seq=rel, t=lost.t + 1)
        why = say("tcp.questions.what-if-next.fast.why", dups=len(dups), seq=rel)
    else:
        right = say("tcp.questions.what-if-next.timeout.right", seq=rel, t=again.t)
        timer = say("tcp.questions.what-if-next.timeout.wrong", seq=rel, t=lost.t + 0.045)
        why = say("tcp.questions.what-if-next.timeout.why", dups=len(dups))
    choices = [
        right,
        timer,
        say("tcp.questions.what-if-next.nak", next_seq=rel + length, seq=rel),
        say("tcp.questions.what-if-next.go-back-n", seq=rel, t=again.t),
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
        say("tcp.questions.what-if-next.ask", n=n, seq=rel, length=length),
        say("tcp.questions.what-if-next.explain", m=m, right=right, why=why),
        choices=shown,
        correct=(order.index(0),),
        exhibit=exhibit,
        packets=(lost.raw, again.raw),
    )


def _situation(name: str, port: int) -> tuple[str, str]:
    """The story of a `reply_flags` situation and why the reply is what it is."""
    if name == "listening":
        story = say("tcp.questions.reply-flags.listening.story", port=port)
        return story, say("tcp.questions.reply-flags.listening.why")
    if name == "closed-port":
        story = say("tcp.questions.reply-flags.closed-port.story", port=port)
        return story, say("tcp.questions.reply-flags.closed-port.why")
    if name == "synack":
        story = say("tcp.questions.reply-flags.synack.story")
        return story, say("tcp.questions.reply-flags.synack.why")
    if name == "data":
        story = say("tcp.questions.reply-flags.data.story")
        return story, say("tcp.questions.reply-flags.data.why")
    if name == "fin":
        story = say("tcp.questions.reply-flags.fin.story")
        return story, say("tcp.questions.reply-flags.fin.why")
    story = say("tcp.questions.reply-flags.unknown-connection.story", port=port)
    return story, say("tcp.questions.reply-flags.unknown-connection.why")
