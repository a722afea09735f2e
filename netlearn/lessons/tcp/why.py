"""Why an endpoint sent a segment: reason codes, never sentences.

The machine (`netlearn.lessons.tcp.protocol`) tags every packet it sends with one `Why` and the
numbers that explain it (`Sent.args`). The words live in `lessons/tcp/words.toml`, table
`[reasons]`, keyed by the enum's value; the simulation fills them when it narrates a segment.
"""

from __future__ import annotations

from enum import StrEnum


class Why(StrEnum):
    """The reason a segment left an endpoint (the key of its sentence under `tcp.reasons`)."""

    SYN_ISN = "syn-isn"
    SYN_ACK = "syn-ack"
    SYN_ACK_AGAIN = "syn-ack-again"
    ACK_OF_SYN = "ack-of-syn"
    ACK_OF_FIN = "ack-of-fin"
    ACK_CUMULATIVE = "ack-cumulative"
    ACK_DATA = "ack-data"
    DELAYED_ACK = "delayed-ack"
    DATA = "data"
    DATA_PSH = "data-psh"
    DATA_FILLS_WINDOW = "data-fills-window"
    DATA_PSH_FILLS_WINDOW = "data-psh-fills-window"
    FIN = "fin"
    RST_FOR_ACK = "rst-for-ack"
    RST_NO_LISTENER = "rst-no-listener"
    WINDOW_UPDATE = "window-update"
    UNACCEPTABLE = "unacceptable"
    CHALLENGE_ACK = "challenge-ack"
    PROBE_REFUSED = "probe-refused"
    DUPLICATE_DATA = "duplicate-data"
    DUP_ACK = "dup-ack"
    DUP_ACK_SACK = "dup-ack-sack"
    HOLE_FILLED = "hole-filled"
    ZERO_WINDOW_PROBE = "zero-window-probe"
    FAST_RETRANSMIT = "fast-retransmit"
    SACK_HOLE = "sack-hole"
    RTO_SYN = "rto-syn"
    RTO_SYN_ACK = "rto-syn-ack"
    RTO_DATA = "rto-data"
    GO_BACK_N = "go-back-n"

    @property
    def timeout(self) -> bool:
        """A copy sent because the retransmission timer ran out."""
        return self in (Why.RTO_SYN, Why.RTO_SYN_ACK, Why.RTO_DATA)
