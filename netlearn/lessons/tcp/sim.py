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

from netlearn.content.words import say
from netlearn.events import Event, Note, StateChange, WindowSample
from netlearn.lessons.tcp.protocol import (
    Endpoint,
    Moved,
    Output,
    ProtocolError,
    Sent,
    Why,
    reason_args,
)
from netlearn.lessons.tcp.whatif import Plan
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_states import SYNCHRONIZED


@dataclass(frozen=True)
class Captured:
    """A packet as a capture at one side saw it: when, and its bytes."""

    t: float
    raw: bytes


LossRule = Callable[[Endpoint, sg.Parsed], bool]


class _Stop(Exception):
    """The run reached its segment cap."""


class Simulation:
    MAX_STEPS = 20_000  # a guard against a scenario that never settles
    MAX_SEGMENTS = 2_000  # a what-if run stops here (a loss rate cannot run on for ever)

    def __init__(
        self,
        a: Endpoint,
        b: Endpoint,
        *,
        delay: float = 0.015,
        capture_at: Endpoint | None = None,
        lose: LossRule | None = None,
        plan: Plan | None = None,
        watch: Endpoint | None = None,
    ) -> None:
        self.a, self.b = a, b
        self.delay = delay
        self.capture_at = capture_at or a
        self.lose = lose or (lambda ep, seg: False)
        self.plan = plan
        self.watch = watch  # the sender whose windows are recorded as WindowSample events
        self.count = 0  # segments sent so far, the ladder's numbering
        self.stopped = False
        self.fates: dict[int, str] = {}  # segment number -> why it was lost or late
        self.reasons: dict[int, Why] = {}  # segment number -> why its sender sent it
        self._held: dict[int, tuple[Endpoint, Endpoint, bytes]] = {}  # waits for n + 1
        self._last_sample: tuple[int, int | None, int, int] | None = None
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
        """The same call, `delay` seconds from now. If the connection is gone by then (a
        what-if lost too much), the program's call fails, as it would: a note says so."""

        def later() -> None:
            try:
                self.call(ep, method, *args)
            except ProtocolError:
                self.note(
                    say("tcp.sim.call-fails", who=ep.name, call=method, state=ep.state.value),
                    tone="warn",
                )

        heapq.heappush(self._agenda, (self.now + delay, next(self._order), "call", later))

    def note(self, text: str, tone: str = "explain") -> None:
        """Narration at this point of the timeline."""
        self.events.append(Note(t=round(self.now, 6), text=text, tone=tone))

    def run(self, until: float | None = None) -> None:
        """Deliver packets, fire timers and scheduled calls in time order until nothing is left
        (or until the clock would pass `until`)."""
        if self.stopped:
            return
        try:
            for _ in range(self.MAX_STEPS):
                step = self._next()
                if step is None:
                    if self._held:
                        self._release_all()
                        continue
                    return
                when, run = step
                if until is not None and when > until:
                    return
                self.now = when
                run()
        except _Stop:
            pass
        self.stopped = True
        self.note(say("tcp.sim.stopped", count=self.count), tone="warn")

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
            if dst is self.capture_at:
                # Stamped as it arrives, before the endpoint answers: a capture's order.
                self.captured.append(Captured(round(self.now, 6), raw))
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
                if self.count >= self.MAX_SEGMENTS:
                    raise _Stop
                self.count += 1
                n = self.count
                self.reasons[n] = out.why
                peer = self.other(ep)
                lost = self.lose(ep, sg.parse(out.raw))
                fate = self.plan.fate(n) if self.plan is not None else None
                if fate is not None and fate.why and not lost:
                    lost = fate.lost
                    self.fates[n] = fate.why
                self.events.append(
                    sg.segment_event(
                        out.raw,
                        src=ep.name,
                        dst=peer.name,
                        t=t,
                        numbers=self.numbers,
                        note=say(f"tcp.reasons.{out.why}", **reason_args(out)),
                        lost=lost,
                        marks=out.marks,
                    )
                )
                if ep is self.capture_at:
                    self.captured.append(Captured(t, out.raw))
                if lost:
                    continue
                if fate is not None and fate.after is not None:
                    self._held[n] = (ep, peer, out.raw)
                    continue
                extra = fate.delay if fate is not None else 0.0
                self._arrive(peer, out.raw, self.now + self.delay + extra)
                if n - 1 in self._held:
                    _, dst, raw = self._held.pop(n - 1)
                    self._arrive(dst, raw, self.now + self.delay + extra)
        self._sample(ep)

    def _arrive(self, dst: Endpoint, raw: bytes, when: float) -> None:
        heapq.heappush(self._agenda, (when, next(self._order), "arrive", (dst, raw)))

    def _release_all(self) -> None:
        """Segments held for a successor that never came arrive now."""
        for n in sorted(self._held):
            _, dst, raw = self._held.pop(n)
            self._arrive(dst, raw, self.now)

    def _sample(self, ep: Endpoint) -> None:
        if ep is not self.watch or ep.state not in SYNCHRONIZED:
            return
        cc = ep.cc
        ssthresh = None if cc.ssthresh >= 2**30 else cc.ssthresh
        key = (cc.cwnd, ssthresh, ep.in_flight, ep.snd_wnd)
        if key == self._last_sample:
            return
        self._last_sample = key
        self.events.append(
            WindowSample(
                t=round(self.now, 6),
                actor=ep.name,
                side=ep.name,
                cwnd=cc.cwnd,
                ssthresh=ssthresh,
                flight=ep.in_flight,
                rwnd=ep.snd_wnd,
                phase=cc.phase,
            )
        )

    def capture(self) -> list[Captured]:
        """The captured packets in time order (a stable sort keeps ties as they happened)."""
        return sorted(self.captured, key=lambda c: c.t)
