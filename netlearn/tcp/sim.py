"""Two endpoints on a wire: a clock, a one-way delay, timers, losses, and a capture point.

The simulation is the thin driver around the sans-I/O endpoints. It moves packet bytes from one
endpoint to the other after `delay` seconds, fires the endpoints' timers and the scenario's
scheduled user calls in time order, and records every state change and segment as an event.

A capture is taken at one side, as if Wireshark ran there: that side's own packets are stamped
when they leave it (a lost one too: it left), the other side's when they arrive.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from netlearn.events import Event, Note, StateChange
from netlearn.tcp import segments as sg
from netlearn.tcp.endpoint import Endpoint, Moved, Output, Sent


@dataclass(frozen=True)
class Captured:
    """A packet as a capture at one side saw it: when, and its bytes."""

    t: float
    raw: bytes


LossRule = Callable[[Endpoint, sg.Parsed], bool]


class Simulation:
    MAX_STEPS = 10_000  # a guard against a scenario that never settles

    def __init__(
        self,
        a: Endpoint,
        b: Endpoint,
        *,
        delay: float = 0.015,
        capture_at: Endpoint | None = None,
        lose: LossRule | None = None,
    ) -> None:
        self.a, self.b = a, b
        self.delay = delay
        self.capture_at = capture_at or a
        self.lose = lose or (lambda ep, seg: False)
        self.now = 0.0
        self.events: list[Event] = []
        self.captured: list[Captured] = []
        self.numbers = sg.RelativeNumbers()
        self._order = itertools.count()
        # (time, order, kind, payload): kind "arrive" (dst, raw) or "call" (callable)
        self._agenda: list[tuple[float, int, str, object]] = []

    def other(self, ep: Endpoint) -> Endpoint:
        return self.b if ep is self.a else self.a

    # ------------------------------------------------------------------ scenario verbs

    def call(self, ep: Endpoint, method: str, *args: object) -> None:
        """A user call on `ep` now (open_passive, open_active, send, read, close)."""
        outputs: list[Output] = getattr(ep, method)(*args, now=self.now)
        self._handle(ep, outputs)

    def at(self, delay: float, ep: Endpoint, method: str, *args: object) -> None:
        """The same call, `delay` seconds from now."""
        heapq.heappush(
            self._agenda,
            (self.now + delay, next(self._order), "call", lambda: self.call(ep, method, *args)),
        )

    def note(self, text: str, tone: str = "explain") -> None:
        """Narration at this point of the timeline."""
        self.events.append(Note(t=round(self.now, 6), text=text, tone=tone))

    def run(self, until: float | None = None) -> None:
        """Deliver packets, fire timers and scheduled calls in time order until nothing is left
        (or until the clock would pass `until`)."""
        for _ in range(self.MAX_STEPS):
            step = self._next()
            if step is None:
                return
            when, run = step
            if until is not None and when > until:
                return
            self.now = when
            run()
        raise RuntimeError(f"the simulation did not settle within {self.MAX_STEPS} steps")

    # ------------------------------------------------------------------ machinery

    def _next(self) -> tuple[float, Callable[[], None]] | None:
        candidates: list[tuple[float, int, Callable[[], None]]] = []
        if self._agenda:
            when, order, kind, payload = self._agenda[0]
            candidates.append((when, order, self._pop_agenda))
        for rank, ep in enumerate((self.a, self.b)):
            timer = ep.next_timer()
            if timer is not None:
                deadline, which = timer
                candidates.append(
                    (deadline, -2 + rank, lambda ep=ep, which=which: self._fire(ep, which))
                )
        if not candidates:
            return None
        when, _, run = min(candidates, key=lambda c: (c[0], c[1]))
        return when, run

    def _pop_agenda(self) -> None:
        _, _, kind, payload = heapq.heappop(self._agenda)
        if kind == "call":
            payload()  # type: ignore[operator]
        else:
            dst, raw = payload  # type: ignore[misc]
            self._handle(dst, dst.receive(raw, self.now))

    def _fire(self, ep: Endpoint, which: object) -> None:
        self._handle(ep, ep.on_timer(which, self.now))  # type: ignore[arg-type]

    def _handle(self, ep: Endpoint, outputs: list[Output]) -> None:
        t = round(self.now, 6)
        for out in outputs:
            if isinstance(out, Moved):
                self.events.append(
                    StateChange(
                        t=t,
                        actor=ep.name,
                        side=ep.name,
                        old=out.old.value,
                        new=out.new.value,
                        cause=out.cause,
                    )
                )
            elif isinstance(out, Sent):
                peer = self.other(ep)
                lost = self.lose(ep, sg.parse(out.raw))
                self.events.append(
                    sg.segment_event(
                        out.raw,
                        src=ep.name,
                        dst=peer.name,
                        t=t,
                        numbers=self.numbers,
                        note=out.note,
                        lost=lost,
                    )
                )
                if ep is self.capture_at:
                    self.captured.append(Captured(t, out.raw))
                elif not lost:
                    self.captured.append(Captured(round(self.now + self.delay, 6), out.raw))
                if not lost:
                    heapq.heappush(
                        self._agenda,
                        (self.now + self.delay, next(self._order), "arrive", (peer, out.raw)),
                    )

    def capture(self) -> list[Captured]:
        """The captured packets in time order (a stable sort keeps ties as they happened)."""
        return sorted(self.captured, key=lambda c: c.t)
