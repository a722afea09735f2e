"""The labs' one clock: every wait a grader makes goes through here.

Grading is real time (the learner's program is real), so this is `time.monotonic` and
`time.sleep`; what the helper adds is one place for them, and the time scale tests use
(NETLEARN_LAB_TIME_SCALE=0.2 makes every netlearn-side wait shorter).
"""

from __future__ import annotations

import os
import time

# Tests make every wait shorter with NETLEARN_LAB_TIME_SCALE=0.2 (the learner never needs to).
TIME_SCALE_ENV = "NETLEARN_LAB_TIME_SCALE"


def time_scale() -> float:
    """The factor every stage timeout is multiplied by (1.0 unless the environment says)."""
    try:
        value = float(os.environ.get(TIME_SCALE_ENV, "") or 1.0)
    except ValueError:
        return 1.0
    return min(max(value, 0.01), 100.0)


def scaled(seconds: float) -> float:
    """A timeout in seconds, scaled by NETLEARN_LAB_TIME_SCALE."""
    return seconds * time_scale()


def now() -> float:
    """The monotonic clock every lab wait is measured on."""
    return time.monotonic()


def pause(seconds: float) -> None:
    """Sleep (a poll interval)."""
    time.sleep(seconds)


class Timer:
    """A wait of `seconds` from now (never past `until`, a deadline on the same clock)."""

    def __init__(self, seconds: float, until: float | None = None) -> None:
        self.start = now()
        self.end = self.start + seconds if until is None else min(self.start + seconds, until)

    def left(self) -> float:
        """Seconds left (0.0 once over)."""
        return max(self.end - now(), 0.0)

    @property
    def over(self) -> bool:
        return now() >= self.end

    def elapsed(self) -> float:
        return now() - self.start
