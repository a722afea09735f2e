"""The retransmission timer's value, RFC 6298: SRTT, RTTVAR, RTO, backoff and Karn's rule.

Sans-I/O like the endpoint: the caller measures a round trip and hands it in; this object only
keeps the numbers. Karn's rule (RFC 6298 section 3) is the caller's to honour: never hand in a
sample taken from a segment that was sent more than once.
"""

from __future__ import annotations

from dataclasses import dataclass

K = 4  # RFC 6298 section 2
ALPHA = 1 / 8
BETA = 1 / 4


@dataclass
class RtoTimer:
    """RFC 6298's state. `min_rto` is the RFC's 1 s (section 2.4); Linux uses 200 ms
    (TCP_RTO_MIN). `granularity` is G, the clock's tick."""

    initial: float = 1.0  # section 2.1
    min_rto: float = 1.0  # section 2.4 (Linux: 0.2)
    max_rto: float = 120.0  # section 2.5 allows a maximum of at least 60 s; Linux: 120 s
    granularity: float = 0.001  # G; Linux's clock ticks in milliseconds or finer

    def __post_init__(self) -> None:
        self.srtt: float | None = None
        self.rttvar = 0.0
        self.rto = self.initial
        self.backoffs = 0

    def sample(self, r: float) -> float:
        """Take one round-trip measurement R (seconds); return the new RTO.

        First sample (2.2): SRTT = R, RTTVAR = R/2. Later (2.3):
        RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|, then SRTT = 7/8 SRTT + 1/8 R.
        Then (2.2/2.3, 2.4, 2.5): RTO = SRTT + max(G, K*RTTVAR), at least min_rto, at most max_rto.
        A new sample also ends any backoff (section 5.7's note on Karn's algorithm).
        """
        if self.srtt is None:
            self.srtt, self.rttvar = r, r / 2
        else:
            self.rttvar = (1 - BETA) * self.rttvar + BETA * abs(self.srtt - r)
            self.srtt = (1 - ALPHA) * self.srtt + ALPHA * r
        self.rto = self.bounded(self.srtt + max(self.granularity, K * self.rttvar))
        self.backoffs = 0
        return self.rto

    def bounded(self, value: float) -> float:
        return min(max(self.min_rto, value), self.max_rto)

    def backoff(self) -> float:
        """The timer expired (section 5.5): RTO = RTO * 2, up to the maximum. Return it."""
        self.rto = min(self.rto * 2, self.max_rto)
        self.backoffs += 1
        return self.rto
