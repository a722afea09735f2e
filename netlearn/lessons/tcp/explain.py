"""What happened in a what-if run, in words: which segment was lost or late, and how TCP
recovered (read from the segments' marks, never guessed from the plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Note, TcpSegment
from netlearn.render.text import plural, route

if TYPE_CHECKING:
    from netlearn.lessons.tcp.demo import Trace
    from netlearn.lessons.tcp.whatif import Plan


def numbered(trace: Trace) -> list[tuple[int, TcpSegment]]:
    segs = [e for e in trace.events if isinstance(e, TcpSegment)]
    return list(enumerate(segs, start=1))


def check_plan(trace: Trace, plan: Plan) -> None:
    """Every segment the plan names must exist in the run."""
    total = len(numbered(trace))
    if plan.highest > total:
        raise NetlearnError(
            say(
                "tcp.whatif.unknown-segment",
                segment=plan.highest,
                scenario=trace.name,
                total=total,
            )
        )


def recovery_of(trace: Trace, n: int) -> tuple[int, str] | None:
    """The segment that carried segment `n`'s bytes again, and how ("fast retransmit",
    "timeout", "go-back-N" ...), or None when nothing had to be sent again."""
    segs = numbered(trace)
    lost = segs[n - 1][1]
    for m, seg in segs[n:]:
        if seg.src != lost.src or "retransmission" not in seg.marks:
            continue
        same = seg.seq == lost.seq and ("S" in seg.flags) == ("S" in lost.flags)
        if same:
            if "fast-retransmission" in seg.marks:
                return m, "fast retransmit"
            why = trace.reasons.get(m)
            if why is not None and why.timeout:
                return m, "timeout"
            return m, "retransmission"
    return None


def summary(trace: Trace, plan: Plan) -> list[Note]:
    """One note per segment the what-if touched, then a line on the recovery."""
    segs = numbered(trace)
    out: list[Note] = [
        Note(tone="tip", text=say("tcp.whatif.intro", plan=plan.describe())),
    ]
    for n, seg in segs:
        why = trace.fates.get(n)
        if why is None:
            continue
        what = _describe(seg)
        if seg.lost:
            uses_numbers = bool(seg.payload_len or "S" in seg.flags or "F" in seg.flags)
            found = recovery_of(trace, n) if uses_numbers else None
            if found is None and not uses_numbers:
                then = say("tcp.whatif.no-number")
            elif found is None:
                then = say("tcp.whatif.never-again")
            else:
                m, how = found
                later = segs[m - 1][1]
                then = say(
                    "tcp.whatif.sent-again", again=m, t=later.t, how=how, after=later.t - seg.t
                )
            out.append(Note(text=say("tcp.whatif.lost", n=n, what=what, why=why, then=then)))
        else:
            out.append(Note(text=say("tcp.whatif.late", n=n, what=what, why=why)))
    marks = [m for _, s in segs for m in s.marks]
    counts = {k: marks.count(k) for k in ("dup-ack", "fast-retransmission", "retransmission")}
    text = say(
        "tcp.whatif.in-all",
        segments=plural(len(segs), "segment"),
        lost=sum(s.lost for _, s in segs),
        retransmissions=plural(counts["retransmission"], "retransmission"),
        fast=counts["fast-retransmission"],
        dup_acks=plural(counts["dup-ack"], "duplicate ACK"),
    )
    out.append(Note(text=text))
    return out


def _describe(seg: TcpSegment) -> str:
    from netlearn.packets.tcp import flag_names

    flags = ",".join(flag_names(seg.flags))
    text = f"{route(seg.src, seg.dst)} [{flags}] seq={seg.rel_seq}"
    if seg.payload_len:
        text += f" len={seg.payload_len}"
    return text
