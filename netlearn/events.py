"""Events: what producers emit and renderers draw.

Every demo, simulated or live, yields these plain frozen dataclasses. An event says what happened
(who, when relative to the start, the raw bytes where there are bytes, the decoded fields) and
nothing about how it looks. Renderers in `netlearn.render` turn them into Rich, plain text or JSON.

Lessons that need new kinds of event define them in their own module by subclassing `Event`; the
JSON renderer handles any dataclass, and the plain and Rich renderers dispatch on the type
(see `netlearn.render.registry`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every event. `t` is seconds since the start of the scene (0 for static scenes)."""

    kind: ClassVar[str] = "event"
    t: float = 0.0
    actor: str = ""


# ---------------------------------------------------------------- generic narration


@dataclass(frozen=True, kw_only=True)
class Title(Event):
    """A scene or a step begins."""

    kind: ClassVar[str] = "title"
    text: str
    subtitle: str = ""


@dataclass(frozen=True, kw_only=True)
class Note(Event):
    """Prose for the learner, in Markdown. `tone` is one of explain, tip, warn, rfc."""

    kind: ClassVar[str] = "note"
    text: str
    tone: str = "explain"


@dataclass(frozen=True, kw_only=True)
class Table(Event):
    """A reference table (the seven layers, a comparison)."""

    kind: ClassVar[str] = "table"
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""


# ---------------------------------------------------------------- packets and layers


@dataclass(frozen=True, kw_only=True)
class FieldInfo:
    """One header field, read from the scapy layer's `fields_desc`."""

    name: str
    bits: int
    bit_offset: int
    value: str
    meaning: str = ""


@dataclass(frozen=True, kw_only=True)
class LayerInfo:
    """One protocol header inside a packet: its bytes are raw[start:end] of the packet."""

    name: str
    long_name: str
    osi: int
    osi_name: str
    start: int
    end: int
    fields: tuple[FieldInfo, ...] = ()
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class PacketView(Event):
    """A whole packet, dissected: every layer with its byte range and fields."""

    kind: ClassVar[str] = "packet"
    label: str
    raw: bytes
    layers: tuple[LayerInfo, ...]
    summary: str = ""
    source: str = "built"


@dataclass(frozen=True, kw_only=True)
class Encapsulate(Event):
    """One step of wrapping (sender) or unwrapping (receiver) a packet.

    `pdu` is the unit as it stands after this step: for `wrap`, this layer's header plus all that
    it carries; for `unwrap`, what is left for the layer above once this header is removed.
    """

    kind: ClassVar[str] = "encapsulate"
    direction: str  # "wrap" or "unwrap"
    layer: LayerInfo
    pdu: bytes
    unit: str
    step: int
    steps: int
    stack: tuple[LayerInfo, ...] = ()  # the headers in `pdu` after this step, outermost first
    note: str = ""  # for unwrap: which field tells the receiver what is inside


# ---------------------------------------------------------------- TCP (simulated and captured)


@dataclass(frozen=True, kw_only=True)
class Segment(Event):
    """A TCP segment crossing between two endpoints, made by the simulator or captured live.

    `src`/`dst` name the sides ("client", "server"); `seq`/`ack` are absolute; `rel_seq`/`rel_ack`
    are relative to each side's initial sequence number, as Wireshark shows them. `lost` marks a
    segment that was sent but never arrived.
    """

    kind: ClassVar[str] = "segment"
    src: str
    dst: str
    sport: int
    dport: int
    flags: str
    seq: int
    ack: int
    window: int
    payload_len: int
    raw: bytes
    rel_seq: int = 0
    rel_ack: int = 0
    options: tuple[tuple[str, str], ...] = ()
    payload: bytes = b""
    lost: bool = False
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class StateChange(Event):
    """An endpoint moved from one RFC 9293 state to another."""

    kind: ClassVar[str] = "state"
    side: str
    old: str
    new: str
    cause: str = ""


@dataclass(frozen=True, kw_only=True)
class Progress(Event):
    """Where a lesson stands: step `index` (0-based) of `total`, titled `title`."""

    kind: ClassVar[str] = "progress"
    lesson: str
    step_id: str
    index: int
    total: int
    title: str


def to_dict(event: Event) -> dict[str, object]:
    """A JSON-ready dict: the event's kind first, bytes as lowercase hex, tuples as lists."""
    from dataclasses import fields, is_dataclass

    def conv(value: object) -> object:
        if isinstance(value, bytes | bytearray):
            return bytes(value).hex()
        if is_dataclass(value) and not isinstance(value, type):
            return {f.name: conv(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, tuple | list):
            return [conv(v) for v in value]
        if isinstance(value, dict):
            return {str(k): conv(v) for k, v in value.items()}
        return value

    out: dict[str, object] = {"type": event.kind}
    for f in fields(event):
        out[f.name] = conv(getattr(event, f.name))
    return out


__all__ = [
    "Encapsulate",
    "Event",
    "FieldInfo",
    "LayerInfo",
    "Note",
    "PacketView",
    "Progress",
    "Segment",
    "StateChange",
    "Table",
    "Title",
    "to_dict",
]


# The TCP ladder's own events: who talks to whom, simulated segments, window samples.
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
