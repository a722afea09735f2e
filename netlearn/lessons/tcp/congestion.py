"""The congestion window, RFC 5681: slow start, congestion avoidance, fast retransmit and
fast recovery (Reno).

Sans-I/O: the endpoint tells this object what its acknowledgements said; it answers with the
new window and whether to retransmit. Numbers are bytes, as in the RFC.
"""

from __future__ import annotations

from dataclasses import dataclass

DUPACK_THRESHOLD = 3  # RFC 5681 section 3.2: "the arrival of 3 duplicate ACKs"
UNLIMITED = 2**30  # "ssthresh ... SHOULD be set arbitrarily high" (section 3.1)


def initial_window(smss: int) -> int:
    """IW, RFC 5681 section 3.1 (equation 1). Linux uses 10 segments (RFC 6928)."""
    if smss > 2190:
        return 2 * smss
    if smss > 1095:
        return 3 * smss
    return 4 * smss


@dataclass
class Congestion:
    """cwnd, ssthresh and the duplicate-ACK count of one sender."""

    smss: int = 1460
    iw_segments: int = 0  # 0: RFC 5681's IW; otherwise this many segments (Linux: 10)

    def __post_init__(self) -> None:
        self.cwnd = self.iw_segments * self.smss if self.iw_segments else initial_window(self.smss)
        self.ssthresh = UNLIMITED
        self.dupacks = 0
        self.in_recovery = False
        self.recover = 0  # RFC 6582's "recover": snd_max when recovery began
        self.timeouts = 0  # consecutive RTOs of the same segment

    @property
    def phase(self) -> str:
        if self.in_recovery:
            return "fast recovery"
        return "slow start" if self.cwnd < self.ssthresh else "congestion avoidance"

    def on_new_ack(self, acked: int) -> str:
        """An ACK that acknowledged `acked` new bytes. Returns what happened, for the narration.

        Slow start (equation 2): cwnd += min(N, SMSS). Congestion avoidance (equation 3):
        cwnd += SMSS*SMSS/cwnd, at least 1 byte. In fast recovery (section 3.2 step 6): the
        ACK of new data ends recovery and deflates cwnd to ssthresh.
        """
        self.dupacks = 0
        self.timeouts = 0
        if self.in_recovery:
            self.in_recovery = False
            self.cwnd = self.ssthresh
            return "deflate"
        if self.cwnd < self.ssthresh:
            self.cwnd += min(acked, self.smss)
            return "slow start"
        self.cwnd += max(1, self.smss * self.smss // self.cwnd)
        return "congestion avoidance"

    def on_dupack(self, flight_size: int, snd_max: int) -> str:
        """A duplicate ACK (RFC 5681 section 2's five conditions hold). Returns "fast
        retransmit" on the third, "inflate" on each later one in recovery, "count" before."""
        self.dupacks += 1
        if self.in_recovery:
            self.cwnd += self.smss  # section 3.2 step 4: inflate
            return "inflate"
        if self.dupacks == DUPACK_THRESHOLD:
            self.ssthresh = self.loss_ssthresh(flight_size)  # step 2, equation 4
            self.cwnd = self.ssthresh + DUPACK_THRESHOLD * self.smss  # step 3
            self.in_recovery = True
            self.recover = snd_max
            return "fast retransmit"
        return "count"

    def on_timeout(self, flight_size: int) -> None:
        """The RTO expired: ssthresh per equation 4 (held if this segment timed out before),
        cwnd = the loss window, one segment (section 3.1)."""
        if self.timeouts == 0:
            self.ssthresh = self.loss_ssthresh(flight_size)
        self.timeouts += 1
        self.cwnd = self.smss
        self.dupacks = 0
        self.in_recovery = False

    def loss_ssthresh(self, flight_size: int) -> int:
        """Equation 4: ssthresh = max(FlightSize / 2, 2*SMSS)."""
        return max(flight_size // 2, 2 * self.smss)
