"""What Wireshark's TCP sequence analysis can find on a segment: one bit per finding, and each
finding's tshark field, RFC and words (lessons/glossary/tcp-analysis.toml).

`netlearn.packets.capture_analysis` sets the bits; a segment's note and a connection's summary
tell them with `words(bits)`.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.content.words import table

# Finding bits, one per tcp.analysis.* flag (and one for the RST bit).
RETRANSMISSION = 1 << 0
FAST_RETRANSMISSION = 1 << 1
SPURIOUS_RETRANSMISSION = 1 << 2
OUT_OF_ORDER = 1 << 3
LOST_SEGMENT = 1 << 4  # "previous segment not captured"
ACK_LOST_SEGMENT = 1 << 5  # "ACKed segment that wasn't captured"
DUPLICATE_ACK = 1 << 6
ZERO_WINDOW = 1 << 7
ZERO_WINDOW_PROBE = 1 << 8
ZERO_WINDOW_PROBE_ACK = 1 << 9
WINDOW_FULL = 1 << 10
WINDOW_UPDATE = 1 << 11
KEEP_ALIVE = 1 << 12
KEEP_ALIVE_ACK = 1 << 13
RESET = 1 << 14

ANY_RETRANSMISSION = RETRANSMISSION | FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION

# The `analysis` object of a connection in `--format json`: key -> the bit it counts.
# `retransmissions` counts all three kinds, as `tshark -Y tcp.analysis.retransmission` does:
# a fast or spurious retransmission carries the RETRANSMISSION bit too, as in Wireshark.
JSON_KEYS: dict[str, int] = {
    "retransmissions": RETRANSMISSION,
    "fast_retransmissions": FAST_RETRANSMISSION,
    "duplicate_acks": DUPLICATE_ACK,
    "out_of_order": OUT_OF_ORDER,
    "zero_windows": ZERO_WINDOW,
    "zero_window_probes": ZERO_WINDOW_PROBE,
    "window_full": WINDOW_FULL,
    "keep_alives": KEEP_ALIVE,
    "resets": RESET,
}


# Each finding: its tshark field, its words (lessons/glossary/tcp-analysis.toml: `tag`, a few
# words beside the arrow, and `why`, the explanation) and its RFC. In the words: {who} is the
# sender, {peer} the receiver, {n} the dup ACK number, {orig} the frame number of the ACK it
# repeats, {state} the sender's state.


@dataclass(frozen=True)
class Finding:
    bit: int
    field: str  # the tshark display filter that selects the same segments
    key: str  # its words: glossary.tcp-analysis.<key>
    rfc: str

    @property
    def tag(self) -> str:
        """A few words beside the arrow (a template: see `fill`)."""
        return table(f"glossary.tcp-analysis.{self.key}")["tag"]

    @property
    def why(self) -> str:
        """The explanation, a sentence template."""
        return table(f"glossary.tcp-analysis.{self.key}")["why"]

    def fill(self, text: str, who: str, n: int, orig: int, state: str) -> str:
        """`tag` or `why` with the sender, its peer, the dup ACK's number and frame, the state."""
        peer = "server" if who == "client" else "client"
        return text.format(who=who, peer=peer, n=n, orig=orig, state=state)


FINDINGS: tuple[Finding, ...] = (
    Finding(
        FAST_RETRANSMISSION,
        "tcp.analysis.fast_retransmission",
        "fast-retransmission",
        "RFC 5681 section 3.2",
    ),
    Finding(
        SPURIOUS_RETRANSMISSION,
        "tcp.analysis.spurious_retransmission",
        "spurious-retransmission",
        "RFC 6298 section 5",
    ),
    Finding(
        RETRANSMISSION,
        "tcp.analysis.retransmission",
        "retransmission",
        "RFC 6298 section 5; RFC 9293 section 3.8.1",
    ),
    Finding(OUT_OF_ORDER, "tcp.analysis.out_of_order", "out-of-order", "RFC 9293 section 3.10.7.4"),
    Finding(LOST_SEGMENT, "tcp.analysis.lost_segment", "lost-segment", "RFC 9293 section 3.4"),
    Finding(
        ACK_LOST_SEGMENT,
        "tcp.analysis.ack_lost_segment",
        "ack-lost-segment",
        "RFC 9293 section 3.4",
    ),
    Finding(DUPLICATE_ACK, "tcp.analysis.duplicate_ack", "duplicate-ack", "RFC 5681 section 3.2"),
    Finding(
        ZERO_WINDOW_PROBE,
        "tcp.analysis.zero_window_probe",
        "zero-window-probe",
        "RFC 9293 section 3.8.6.1; RFC 1122 section 4.2.2.17",
    ),
    Finding(
        ZERO_WINDOW_PROBE_ACK,
        "tcp.analysis.zero_window_probe_ack",
        "zero-window-probe-ack",
        "RFC 9293 section 3.8.6.1",
    ),
    Finding(ZERO_WINDOW, "tcp.analysis.zero_window", "zero-window", "RFC 9293 section 3.8.6"),
    Finding(WINDOW_FULL, "tcp.analysis.window_full", "window-full", "RFC 9293 section 3.8.6"),
    Finding(
        WINDOW_UPDATE, "tcp.analysis.window_update", "window-update", "RFC 9293 section 3.8.6.2.2"
    ),
    Finding(
        KEEP_ALIVE,
        "tcp.analysis.keep_alive",
        "keep-alive",
        "RFC 9293 section 3.8.4; RFC 1122 section 4.2.3.6",
    ),
    Finding(
        KEEP_ALIVE_ACK, "tcp.analysis.keep_alive_ack", "keep-alive-ack", "RFC 1122 section 4.2.3.6"
    ),
    Finding(RESET, "tcp.flags.reset==1", "reset", "RFC 9293 section 3.5.2"),
)
BY_BIT = {f.bit: f for f in FINDINGS}


def words(flags: int) -> list[Finding]:
    """The findings of one segment, most important first (a fast retransmission, not both)."""
    if flags & (FAST_RETRANSMISSION | SPURIOUS_RETRANSMISSION):
        flags &= ~RETRANSMISSION
    return [f for f in FINDINGS if flags & f.bit]
