"""The one event the TCP lesson adds to `netlearn.events`: who talks to whom, in which columns.

Segments and state changes are `netlearn.events.Segment` and `StateChange`, shared with live
capture. `Peers` comes first in a scene and tells a ladder diagram its two columns; without it
the ladder takes its columns from the first segment it sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlearn.events import Event, Segment


@dataclass(frozen=True, kw_only=True)
class Peers(Event):
    """A connection between `left` and `right` (side names as in `Segment.src`/`dst`).

    `numbers` is "relative" (counted from each side's first sequence number, as Wireshark shows
    them) or "absolute" (the 32-bit numbers in the headers).
    """

    kind: ClassVar[str] = "peers"
    left: str
    right: str
    left_addr: str = ""
    right_addr: str = ""
    numbers: str = "relative"


@dataclass(frozen=True, kw_only=True)
class TcpSegment(Segment):
    """A simulated segment, with what netlearn knows it is: `marks` such as "retransmission",
    "fast-retransmission", "dup-ack", "zero-window", "zero-window-probe", "window-update",
    "window-full" (Wireshark's names for the same things)."""

    marks: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class WindowSample(Event):
    """A sender's windows at time `t` (bytes): the congestion window, the slow-start
    threshold (None while "arbitrarily high"), bytes in flight and the peer's window."""

    kind: ClassVar[str] = "window"
    side: str
    cwnd: int
    ssthresh: int | None
    flight: int
    rwnd: int
    phase: str = ""


@dataclass(frozen=True, kw_only=True)
class WindowChart(Event):
    """A chart of one sender's window samples against time (drawn as a small plot)."""

    kind: ClassVar[str] = "window-chart"
    side: str
    smss: int
    samples: tuple[WindowSample, ...]
    title: str = ""
