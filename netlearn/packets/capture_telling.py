"""A captured segment told as events: the simulator's `Segment`, the state changes around it,
and a note the first time the analysis finds something on a connection.

`Telling` is the part of the tracker (`netlearn.packets.tracker.Tracker`) that makes events;
the tracker places segments in connections and moves their states.
"""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.events import Event, Note, Segment
from netlearn.packets.capture_conn import MOD, Conn, Observation
from netlearn.packets.capture_findings import words
from netlearn.packets.headers import ACK, SYN, flags_text
from netlearn.packets.tcp import make_segment


class Telling:
    """Events from observations; needs the tracker's `t0` and `_told`."""

    t0: float | None
    _told: dict[int, set[int]]

    def rel(self, conn: Conn, side: str, value: int) -> int:
        base = conn.base[side]
        return 0 if base is None else (value - base) % MOD

    def segment(self, obs: Observation, note: str = "") -> Segment:
        """The captured segment as the same event the simulator emits."""
        from netlearn.packets.capture_options import as_pairs, decode

        pkt, conn = obs.pkt, obs.conn
        has_ack = bool(pkt.flags & ACK)
        options = decode(pkt.options, bool(pkt.flags & SYN), has_ack) if pkt.options else []
        return make_segment(
            t=pkt.ts - (self.t0 or 0.0),
            src=obs.src,
            dst=obs.dst,
            sport=pkt.sport,
            dport=pkt.dport,
            flags=flags_text(pkt.flags),
            seq=pkt.seq,
            ack=pkt.ack,
            window=pkt.window,
            raw=pkt.frame[pkt.ip_offset :],
            rel_seq=self.rel(conn, obs.src, pkt.seq),
            rel_ack=self.rel(conn, obs.dst, pkt.ack) if has_ack else 0,
            payload=pkt.payload,
            payload_len=pkt.payload_len,
            options=as_pairs(options),
            note=note,
        )

    def events(self, obs: Observation, note: str = "") -> Iterator[Event]:
        """The sender's state changes, the segment, the receiver's state changes.

        A segment the analysis flags says so beside its arrow ("dup ACK #2 of 14"); the first
        of each kind in a connection is explained in a note after it, with its RFC section.
        """
        found = words(obs.findings) if obs.findings else []
        if found:
            tags = "; ".join(self._fill(obs, f.tag) for f in found)
            note = f"{note} [{tags}]" if note else f"[{tags}]"
        yield from obs.before
        yield self.segment(obs, note)
        yield from obs.after
        told = self._told.setdefault(obs.conn.index, set())
        for f in found:
            if f.bit not in told:
                told.add(f.bit)
                tag = self._fill(obs, f.tag)
                text = f"{tag[:1].upper()}{tag[1:]}: {self._fill(obs, f.why)} ({f.rfc})"
                yield Note(text=text, tone="warn")

    def _fill(self, obs: Observation, text: str) -> str:
        n, orig = obs.conn.analysis.last_dup
        state = obs.before[0].old if obs.before else obs.conn.state[obs.src]
        return text.format(who=obs.src, peer=obs.dst, n=n, orig=orig, state=state)
