"""The what-if plan: which segments the network loses, delays or delivers late.

Segments are numbered as the ladder numbers them: 1 is the first segment either side sends, in
time order, retransmissions included. A plan is checked before the run (values in range) and
after it (every numbered segment existed), so a bad value is one clear line.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from netlearn.content.words import say
from netlearn.errors import NetlearnError

MAX_LOSS_RATE = 0.5
MAX_DELAY = 60.0
MAX_SEGMENT = 9999


@dataclass(frozen=True)
class Fate:
    """What happens to one segment: lost, delivered `delay` seconds late, or held back until
    segment `after` has arrived."""

    lost: bool = False
    delay: float = 0.0
    after: int | None = None
    why: str = ""


@dataclass
class Plan:
    drop: frozenset[int] = frozenset()
    delay: dict[int, float] = field(default_factory=dict)
    reorder: frozenset[int] = frozenset()
    loss_rate: float = 0.0
    seed: int | None = None

    def __post_init__(self) -> None:
        for n in (*self.drop, *self.delay, *self.reorder):
            if not 1 <= n <= MAX_SEGMENT:
                raise NetlearnError(say("tcp.errors.segment-range", n=n, top=MAX_SEGMENT))
        for n, s in self.delay.items():
            if not 0 < s <= MAX_DELAY:
                raise NetlearnError(say("tcp.errors.delay-range", n=n, seconds=s, top=MAX_DELAY))
        if not 0 <= self.loss_rate <= MAX_LOSS_RATE:
            raise NetlearnError(
                say("tcp.errors.loss-rate-range", rate=self.loss_rate, top=MAX_LOSS_RATE)
            )
        both = set(self.drop) & (set(self.delay) | set(self.reorder))
        if both:
            raise NetlearnError(say("tcp.errors.dropped-and-late", n=min(both)))
        self._rng = random.Random(f"netlearn-loss-{self.seed}")

    @property
    def empty(self) -> bool:
        return not (self.drop or self.delay or self.reorder or self.loss_rate)

    @property
    def highest(self) -> int:
        return max((*self.drop, *self.delay, *self.reorder), default=0)

    def fate(self, n: int) -> Fate:
        """The fate of segment number `n` (called once per segment, in order)."""
        if n in self.drop:
            return Fate(lost=True, why=f"--drop {n}")
        if self.loss_rate and self._rng.random() < self.loss_rate:
            return Fate(lost=True, why=f"--loss-rate {self.loss_rate:g}")
        if n in self.reorder:
            return Fate(after=n + 1, why=f"--reorder {n}")
        if n in self.delay:
            return Fate(delay=self.delay[n], why=f"--delay {n}:{self.delay[n]:g}")
        return Fate()

    def describe(self) -> str:
        parts = [f"--drop {n}" for n in sorted(self.drop)]
        parts += [f"--delay {n}:{s:g}" for n, s in sorted(self.delay.items())]
        parts += [f"--reorder {n}" for n in sorted(self.reorder)]
        if self.loss_rate:
            parts.append(f"--loss-rate {self.loss_rate:g} --seed {self.seed}")
        return " ".join(parts)


def parse_delay(text: str) -> tuple[int, float]:
    """'7:0.5' -> (7, 0.5)."""
    m = re.fullmatch(r"\s*(\d{1,4})\s*:\s*(\d{1,3}(?:\.\d{1,6})?)\s*", text)
    if m is None:
        raise NetlearnError(say("tcp.errors.delay-format", text=text))
    return int(m.group(1)), float(m.group(2))


def make_plan(
    drop: list[int] | None = None,
    delay: list[str] | None = None,
    reorder: list[int] | None = None,
    loss_rate: float | None = None,
    seed: int | None = None,
) -> Plan:
    """A plan from the CLI's options (values checked)."""
    delays: dict[int, float] = {}
    for text in delay or []:
        n, s = parse_delay(text)
        delays[n] = s
    return Plan(
        drop=frozenset(drop or ()),
        delay=delays,
        reorder=frozenset(reorder or ()),
        loss_rate=loss_rate or 0.0,
        seed=seed,
    )
