"""A connection's findings told in sentences, one per kind, for `capture --read`'s listing.

"The server advertised a zero window at 2.310 s (frame 14): its program stopped reading; the
client probed 4 times until the window reopened at 3.120 s (RFC 9293 section 3.8.6)." The
sentences are in lessons/glossary/tcp-analysis.toml (`summary`, and each finding's `why`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netlearn.content.words import fill, table
from netlearn.packets.capture_analysis import ConnAnalysis
from netlearn.packets.capture_findings import (
    ANY_RETRANSMISSION,
    DUPLICATE_ACK,
    FAST_RETRANSMISSION,
    FINDINGS,
    KEEP_ALIVE_ACK,
    RESET,
    RETRANSMISSION,
    SPURIOUS_RETRANSMISSION,
    WINDOW_UPDATE,
    ZERO_WINDOW,
    ZERO_WINDOW_PROBE,
    ZERO_WINDOW_PROBE_ACK,
    Finding,
)
from netlearn.render.text import plural

if TYPE_CHECKING:
    from netlearn.packets.capture_conn import Conn

# Findings folded into another one's sentence in a connection's summary.
_FOLDED = ZERO_WINDOW_PROBE_ACK | KEEP_ALIVE_ACK | ZERO_WINDOW_PROBE | WINDOW_UPDATE


class Summarizer:
    """Tells connections' findings; reads its words once (a listing tells thousands)."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, str]] = {}

    def _words(self, key: str) -> dict[str, str]:
        found = self._tables.get(key)
        if found is None:
            found = self._tables[key] = table(key)
        return found

    def _say(self, name: str, **fields: object) -> str:
        """A sentence of the summary's table (glossary.tcp-analysis.summary), filled."""
        text = self._words("glossary.tcp-analysis.summary")[name]
        return fill(f"glossary.tcp-analysis.summary.{name}", text, fields)

    def _finding(self, f: Finding) -> dict[str, str]:
        return self._words(f"glossary.tcp-analysis.{f.key}")

    def __call__(self, conn: Conn, t0: float) -> list[str]:
        """One sentence per kind of finding on a connection, with its RFC."""
        an: ConnAnalysis = conn.analysis
        detail = an.detail
        out: list[str] = []
        plain_retx = an.count(RETRANSMISSION) - an.count(FAST_RETRANSMISSION)
        plain_retx -= an.count(SPURIOUS_RETRANSMISSION)
        for f in FINDINGS:
            n = plain_retx if f.bit == RETRANSMISSION else an.count(f.bit)
            if n <= 0 or (f.bit & _FOLDED and f.bit != WINDOW_UPDATE):
                continue
            if f.bit == RETRANSMISSION:
                first = next(
                    (d for d in detail if d[3] & ANY_RETRANSMISSION == RETRANSMISSION), None
                )
            else:
                first = next((d for d in detail if d[3] & f.bit), None)
            if first is None:
                continue
            out.append(self._sentence(f, n, first, detail, t0))
        return out

    def _sentence(
        self, f: Finding, n: int, first: tuple[Any, ...], detail: list[Any], t0: float
    ) -> str:
        number, ts, side, _bits, dup_n, dup_orig, state = first
        peer = "server" if side == "client" else "client"
        words = self._finding(f)
        why = f.fill(words["why"], side, dup_n, dup_orig, state)
        at = self._say("at", t=f"{ts - t0:.3f}", number=number)
        if f.bit == ZERO_WINDOW:
            probes = [d for d in detail if d[3] & ZERO_WINDOW_PROBE and d[2] == peer]
            reopened = next(
                (d for d in detail if d[3] & WINDOW_UPDATE and d[2] == side and d[1] >= ts), None
            )
            tail = self._say("probed", peer=peer, n=plural(len(probes), "time")) if probes else ""
            tail += (
                self._say("reopened", t=f"{reopened[1] - t0:.3f}")
                if reopened
                else self._say("never-reopened")
            )
            count = self._say("zero-window-count", n=n) if n > 1 else ""
            return self._say("zero-window", side=side, at=at, count=count, tail=tail, rfc=f.rfc)
        if f.bit == RESET:
            return self._say("reset", why=why[:-1], at=at, rfc=f.rfc)
        if f.bit == DUPLICATE_ACK:
            last = max((d for d in detail if d[3] & DUPLICATE_ACK), key=lambda d: d[4])
            why = f.fill(words["why"], side, last[4], last[5], state)
        times = self._say("times", n=n, at=at) if n > 1 else at
        tag = f.fill(words["tag"], side, dup_n, dup_orig, state)
        return self._say(
            "finding", tag=f"{tag[:1].upper()}{tag[1:]}", side=side, times=times, why=why, rfc=f.rfc
        )


def summarize(conn: Conn, t0: float) -> list[str]:
    """One sentence per kind of finding on a connection, with its RFC (see `Summarizer`)."""
    return Summarizer()(conn, t0)
