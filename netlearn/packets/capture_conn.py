"""One connection as a capture shows it: its two sides, numbers, states and how it ended.

`Conn` is what the tracker (`netlearn.packets.tracker`) keeps per connection; `Observation` is
one captured segment placed in its connection, with the state changes it caused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlearn.events import StateChange
from netlearn.packets.capture_analysis import ConnAnalysis
from netlearn.packets.capture_states import GONE
from netlearn.packets.headers import TcpPacket, endpoint_text
from netlearn.packets.tcp_states import State

CLIENT, SERVER = "client", "server"
MOD = 1 << 32


def seq_ge(a: int, b: int) -> bool:
    """a >= b in sequence-number arithmetic (modulo 2^32, RFC 9293 section 3.4)."""
    return (a - b) % MOD < MOD // 2


def other(side: str) -> str:
    return SERVER if side == CLIENT else CLIENT


@dataclass(init=False)
class Conn:
    """What one connection did, as far as the capture shows."""

    index: int
    client: tuple[bytes, int]
    server: tuple[bytes, int]
    first_ts: float
    first_number: int
    syn_seen: bool = False
    guessed_sides: bool = False
    isn: dict[str, int | None] = field(default_factory=lambda: {CLIENT: None, SERVER: None})
    base: dict[str, int | None] = field(default_factory=lambda: {CLIENT: None, SERVER: None})
    state: dict[str, State] = field(
        default_factory=lambda: {CLIENT: State.CLOSED, SERVER: State.LISTEN}
    )
    fin_seq: dict[str, int | None] = field(default_factory=lambda: {CLIENT: None, SERVER: None})
    window_shift: dict[str, int | None] = field(
        default_factory=lambda: {CLIENT: None, SERVER: None}
    )
    syn_ts: float | None = None
    synack_ts: float | None = None
    established_ts: float | None = None
    last_ts: float = 0.0
    packets: int = 0
    data_bytes: dict[str, int] = field(default_factory=lambda: {CLIENT: 0, SERVER: 0})
    first_fin: str | None = None
    rst_by: str | None = None
    refused: bool = False
    retired: bool = False  # ended, and counted among the window of ended connections
    pending_listen: float | None = None  # time of the SYN, until the server answers
    # Time a FIN reached each side, until that side shows it has processed it.
    pending_fin: dict[str, float | None] = field(
        default_factory=lambda: {CLIENT: None, SERVER: None}
    )
    # Wireshark's sequence analysis (retransmissions, duplicate ACKs, windows ...).
    analysis: ConnAnalysis = field(default_factory=ConnAnalysis)
    # Both sides ESTABLISHED, no FIN sent: a data or ACK segment changes only the counts.
    steady: bool = False

    def __init__(
        self,
        index: int,
        client: tuple[bytes, int],
        server: tuple[bytes, int],
        first_ts: float,
        first_number: int,
        syn_seen: bool = False,
        guessed_sides: bool = False,
    ) -> None:
        # Written out rather than generated: a big capture opens tens of thousands of these,
        # and dict literals cost a third of the generated default factories.
        self.index = index
        self.client = client
        self.server = server
        self.first_ts = first_ts
        self.first_number = first_number
        self.syn_seen = syn_seen
        self.guessed_sides = guessed_sides
        self.isn = {CLIENT: None, SERVER: None}
        self.base = {CLIENT: None, SERVER: None}
        self.state = {CLIENT: State.CLOSED, SERVER: State.LISTEN}
        self.fin_seq = {CLIENT: None, SERVER: None}
        self.window_shift = {CLIENT: None, SERVER: None}
        self.syn_ts = self.synack_ts = self.established_ts = None
        self.last_ts = 0.0
        self.packets = 0
        self.data_bytes = {CLIENT: 0, SERVER: 0}
        self.first_fin = self.rst_by = None
        self.refused = self.retired = False
        self.pending_listen = None
        self.pending_fin = {CLIENT: None, SERVER: None}
        self.analysis = ConnAnalysis()
        self.steady = False

    def settle(self) -> None:
        """Work out `steady` again after a state change: both sides ESTABLISHED, no FIN, no
        reset (the tracker and the capture's fast path both ask)."""
        state, fin_seq = self.state, self.fin_seq
        self.steady = (
            state[CLIENT] is State.ESTABLISHED
            and state[SERVER] is State.ESTABLISHED
            and fin_seq[CLIENT] is None
            and fin_seq[SERVER] is None
            and self.rst_by is None
        )

    @property
    def handshake_done(self) -> bool:
        return self.established_ts is not None and self.syn_ts is not None

    @property
    def irtt(self) -> float | None:
        """Initial round-trip time: the SYN to the ACK that completes the handshake."""
        if self.syn_ts is None or self.established_ts is None:
            return None
        return self.established_ts - self.syn_ts

    @property
    def syn_synack(self) -> float | None:
        if self.syn_ts is None or self.synack_ts is None:
            return None
        return self.synack_ts - self.syn_ts

    @property
    def ended(self) -> bool:
        if self.rst_by is not None or self.refused:
            return True
        return self.state[CLIENT] in GONE and self.state[SERVER] in GONE

    def endpoint(self, side: str) -> str:
        addr, port = self.client if side == CLIENT else self.server
        return endpoint_text(addr, port)

    def handshake_text(self) -> str:
        if not self.syn_seen:
            return "not seen (began before the capture)"
        if self.refused:
            return "refused (RST)"
        if self.handshake_done:
            return "complete"
        if self.synack_ts is not None:
            return "SYN, SYN-ACK, no ACK"
        return "SYN only, no answer"

    def ending_text(self) -> str:
        if self.refused:
            return "refused: nobody listening"
        if self.rst_by is not None:
            return f"reset (RST) by the {self.rst_by}"
        if self.first_fin is not None:
            done = self.state[CLIENT] in GONE and self.state[SERVER] in GONE
            tail = "" if done else ", not finished"
            return f"FIN, {self.first_fin} first{tail}"
        return "still open"


@dataclass
class Observation:
    """One captured segment placed in its connection, with the states it moved."""

    conn: Conn
    pkt: TcpPacket
    src: str
    dst: str
    new_conn: bool
    before: list[StateChange]  # the sender's changes (shown before the arrow)
    after: list[StateChange]  # the receiver's changes (shown after it)
    events: tuple[str, ...]  # what happened, for annotations: "SYN", "handshake-ack", ...
    findings: int = 0  # the analysis bits of this segment (netlearn.packets.capture_analysis)
