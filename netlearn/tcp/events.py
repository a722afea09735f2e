"""The one event the TCP lesson adds to `netlearn.events`: who talks to whom, in which columns.

Segments and state changes are `netlearn.events.Segment` and `StateChange`, shared with live
capture. `Peers` comes first in a scene and tells a ladder diagram its two columns; without it
the ladder takes its columns from the first segment it sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlearn.events import Event


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
