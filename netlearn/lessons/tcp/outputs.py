"""What the TCP machine gives out, and the numbers it runs with.

`Sent` is a packet leaving an endpoint: its bytes, the reason it was sent (a `Why` code and the
numbers that explain it, never a sentence) and Wireshark-style marks. `Moved` is a state change.
`Config` holds the choices a real stack makes where the RFCs leave one.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.lessons.tcp.why import Why
from netlearn.packets import tcp as sg
from netlearn.packets.tcp_states import State


@dataclass(frozen=True)
class Config:
    """The numbers a real stack chooses; the defaults are Linux's where the RFCs leave a choice."""

    mss: int = 1460  # 1500-byte Ethernet MTU - 20 (IP) - 20 (TCP)
    rcv_buf: int = 64240  # Linux's first window for a 1460-byte MSS (44 x 1460)
    initial_rto: float = 1.0  # RFC 6298 section 2.1; Linux's TCP_TIMEOUT_INIT
    max_rto: float = 120.0  # Linux's TCP_RTO_MAX (RFC 6298 section 2.5 allows >= 60 s)
    time_wait: float = 60.0  # Linux's TCP_TIMEWAIT_LEN; RFC 9293 says 2 x MSL = 240 s
    delayed_ack: float = 0.040  # Linux's TCP_DELACK_MIN; RFC 9293 3.8.6.3 allows up to 0.5 s
    syn_retries: int = 6  # Linux's net.ipv4.tcp_syn_retries: then the connect() fails
    data_retries: int = 15  # Linux's net.ipv4.tcp_retries2 (RFC 9293 3.8.3's R2)
    ttl: int = 64
    min_rto: float = 1.0  # RFC 6298 section 2.4; Linux's TCP_RTO_MIN is 0.2 s
    sack: bool = True  # offer SACK_PERM (RFC 2018); used when both sides offer it
    delayed_acks: bool = True  # RFC 9293 3.8.6.3 / RFC 1122 4.2.3.2; off: ACK every segment
    iw_segments: int = 0  # initial cwnd: 0 = RFC 5681's formula (3 x 1460); Linux: 10
    reads_at_once: bool = False  # the program reads each byte as soon as it arrives

    def syn_options(self) -> tuple[tuple[str, object], ...]:
        if self.mss == 1460 and self.sack:
            return sg.SYN_OPTIONS
        opts: tuple[tuple[str, object], ...] = (("MSS", self.mss),)
        return opts + ((("NOP", None), ("NOP", None), ("SAckOK", b"")) if self.sack else ())


@dataclass(frozen=True)
class Sent:
    """A packet leaves the endpoint: the bytes of an IPv4/TCP packet and why it was sent.

    `why` keys a sentence under `tcp.reasons` (lessons/tcp/words.toml); `args` fill it."""

    raw: bytes
    why: Why
    args: tuple[tuple[str, int | float], ...] = ()  # the numbers `why`'s sentence names
    retransmission: bool = False
    # What this segment is, in Wireshark's words where it has them: "retransmission",
    # "fast-retransmission", "dup-ack", "zero-window", "zero-window-probe", "window-update"...
    marks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Moved:
    """The endpoint changed state because of `cause` (the table row's label)."""

    old: State
    new: State
    cause: str


Output = Sent | Moved


@dataclass
class Unacked:
    """A segment that occupies sequence space and waits for its acknowledgement."""

    seq: int
    flags: str
    payload: bytes
    options: tuple[tuple[str, object], ...]
    sent_at: float
    retransmitted: int = 0

    @property
    def end(self) -> int:
        return sg.seq_add(self.seq, len(self.payload) + ("S" in self.flags) + ("F" in self.flags))


class ProtocolError(Exception):
    """A user call the RFC answers with an error ("connection does not exist", ...): `call` is
    the call (`send`, `close`), `state` the state it met (the message is for a traceback)."""

    def __init__(self, name: str, call: str, state: State) -> None:
        super().__init__(f"{name}: cannot {call} in {state.value}")
        self.call = call
        self.state = state


def reason_args(sent: Sent) -> dict[str, int | float]:
    """A `Sent`'s numbers as keyword arguments for its sentence."""
    return dict(sent.args)
