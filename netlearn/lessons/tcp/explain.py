"""What happened in a what-if run, in words: which segment was lost or late, and how TCP
recovered (read from the segments' marks, never guessed from the plan)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlearn.errors import NetlearnError
from netlearn.events import Note, TcpSegment

if TYPE_CHECKING:
    from netlearn.lessons.tcp.scenarios import Trace
    from netlearn.lessons.tcp.whatif import Plan


def numbered(trace: Trace) -> list[tuple[int, TcpSegment]]:
    segs = [e for e in trace.events if isinstance(e, TcpSegment)]
    return list(enumerate(segs, start=1))


def check_plan(trace: Trace, plan: Plan) -> None:
    """Every segment the plan names must exist in the run."""
    total = len(numbered(trace))
    if plan.highest > total:
        raise NetlearnError(
            f"segment {plan.highest}: the {trace.name} scenario sends {total} segments "
            f"with this what-if; give a number from 1 to {total}"
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
            if seg.note.startswith("retransmission"):
                return m, "timeout"
            return m, "retransmission"
    return None


def summary(trace: Trace, plan: Plan) -> list[Note]:
    """One note per segment the what-if touched, then a line on the recovery."""
    segs = numbered(trace)
    out: list[Note] = [
        Note(
            tone="tip",
            text=f"What if: `{plan.describe()}`. The scenario's usual narration is left out: "
            "it describes the run without these faults.",
        )
    ]
    for n, seg in segs:
        why = trace.fates.get(n)
        if why is None:
            continue
        what = _describe(seg)
        if seg.lost:
            uses_numbers = bool(seg.payload_len or "S" in seg.flags or "F" in seg.flags)
            found = recovery_of(trace, n) if uses_numbers else None
            if found is None:
                then = (
                    "It used no sequence number, so nothing is resent: a later segment's "
                    "cumulative ACK does its job."
                    if not uses_numbers
                    else "It was never sent again within this run."
                )
            else:
                m, how = found
                later = segs[m - 1][1]
                then = (
                    f"Its bytes went again as segment {m} at {later.t:.3f} s ({how}, "
                    f"{later.t - seg.t:.3f} s after the original)."
                )
            out.append(Note(text=f"Segment {n} ({what}) was lost ({why}). {then}"))
        else:
            out.append(Note(text=f"Segment {n} ({what}) arrived late ({why})."))
    marks = [m for _, s in segs for m in s.marks]
    counts = {k: marks.count(k) for k in ("dup-ack", "fast-retransmission", "retransmission")}
    out.append(
        Note(
            text=f"In all: {_n(len(segs), 'segment')}, {sum(s.lost for _, s in segs)} lost, "
            f"{_n(counts['retransmission'], 'retransmission')} "
            f"({counts['fast-retransmission']} fast), {_n(counts['dup-ack'], 'duplicate ACK')}."
        )
    )
    return out


def _describe(seg: TcpSegment) -> str:
    from netlearn.packets.tcp import flag_names

    flags = ",".join(flag_names(seg.flags))
    text = f"{seg.src} -> {seg.dst} [{flags}] seq={seg.rel_seq}"
    if seg.payload_len:
        text += f" len={seg.payload_len}"
    return text


def _n(count: int, noun: str) -> str:
    """`1 segment`, `2 segments`."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
