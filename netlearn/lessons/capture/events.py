"""Events only captures have: a connection in a listing, the listing's header, a live counter.

Segments and state changes are the shared `netlearn.events.Segment`/`StateChange`; these add
what a capture knows beyond one ladder. Their drawing is in `netlearn.lessons.capture.render`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from netlearn.events import Event


@dataclass(frozen=True, kw_only=True)
class CaptureSummary(Event):
    """What a capture holds, before its connections are listed."""

    kind: ClassVar[str] = "capture-summary"
    source: str  # a file name, or "lo, port 8080"
    packets: int  # records in the file (all of them, TCP or not)
    tcp_packets: int
    connections: int
    duration: float  # seconds from the first packet to the last
    linktype: str = ""
    shown: int = 0  # connections listed below (fewer when the list was cut)


@dataclass(frozen=True, kw_only=True)
class Connection(Event):
    """One TCP connection found in a capture: who opened it and how it went."""

    kind: ClassVar[str] = "connection"
    stream: int  # 1, 2, ... in order of first appearance (`--stream N`)
    client: str  # the endpoint that sent the SYN ("address:port")
    server: str
    opened_by: str  # "client" when the SYN was seen; "unknown" when it began before the capture
    handshake: str  # "complete", "SYN only, no answer", "refused (RST)", ...
    irtt: float | None  # seconds from SYN to the ACK completing the handshake
    packets: int
    client_bytes: int  # data bytes the client sent
    server_bytes: int
    ended: str  # "FIN, client first", "reset (RST) by the server", "still open", ...
    first_packet: int  # the number of its first packet in the file
    # Wireshark's tcp.analysis counts (netlearn.packets.capture_analysis.JSON_KEYS), every key.
    analysis: dict[str, int] = field(default_factory=dict)
    # One sentence per kind of trouble, with its RFC section (empty when nothing went wrong).
    findings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CaptureCounter(Event):
    """The running totals of a live capture (`final` once it stops)."""

    kind: ClassVar[str] = "capture-counter"
    packets: int
    syns: int
    connections: int
    data_bytes: int
    elapsed: float
    kernel_drops: int = 0
    final: bool = False


@dataclass(frozen=True, kw_only=True)
class StreamData(Event):
    """A piece of one side's reassembled bytes (`--follow N`), or a hole in them."""

    kind: ClassVar[str] = "stream-data"
    side: str  # "client" or "server": who sent these bytes
    data: bytes
    text: bool = False  # printable UTF-8: shown as text, otherwise as hex
    missing: int = 0  # a hole: this many bytes were never captured (data is empty)


@dataclass(frozen=True, kw_only=True)
class FollowEnd(Event):
    """The end of a followed stream: what each side sent, what was shown."""

    kind: ClassVar[str] = "follow-end"
    client_bytes: int
    server_bytes: int
    shown: int
    left_out: int  # bytes past the output limit, not shown


@dataclass(frozen=True, kw_only=True)
class OtherTraffic(Event):
    """What a capture holds besides TCP, counted by protocol ("UDP": 12, "DNS": 4, ...)."""

    kind: ClassVar[str] = "other-traffic"
    counts: dict[str, int] = field(default_factory=dict)
