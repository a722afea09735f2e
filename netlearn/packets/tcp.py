"""Real IP/TCP packets: built with scapy, read back from their bytes, numbered as Wireshark does.

Nothing here knows about the simulator. A live capture turns its packets into the same
`Segment` events with `segment_event`, so the ladder and the renderers draw both alike.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from netlearn.events import Segment

# scapy's TCP flag letters, lowest bit first, and the names Wireshark shows (RFC 9293 3.1).
# scapy's N is the bit after CWR: once NS (RFC 3540, now historic), now AE for accurate ECN.
FLAG_LETTERS = "FSRPAUECN"
FLAG_NAMES = {
    "F": "FIN",
    "S": "SYN",
    "R": "RST",
    "P": "PSH",
    "A": "ACK",
    "U": "URG",
    "E": "ECE",
    "C": "CWR",
    "N": "AE",
}
# Linux's SYN options when timestamps and window scaling are off: MSS, NOP, NOP, SACK permitted.
SYN_OPTIONS: tuple[tuple[str, object], ...] = (
    ("MSS", 1460),
    ("NOP", None),
    ("NOP", None),
    ("SAckOK", b""),
)


def flag_names(flags: str) -> list[str]:
    """ "SA" -> ["SYN", "ACK"], in Wireshark's order."""
    return [FLAG_NAMES[c] for c in FLAG_LETTERS if c in flags]


def seq_add(a: int, b: int) -> int:
    """Sequence-number arithmetic is modulo 2**32 (RFC 9293 section 3.4)."""
    return (a + b) % 2**32


def seq_lt(a: int, b: int) -> bool:
    """a < b in sequence space: b lies less than 2**31 ahead of a."""
    return a != b and (b - a) % 2**32 < 2**31


def seq_le(a: int, b: int) -> bool:
    return a == b or seq_lt(a, b)


@dataclass(frozen=True)
class Parsed:
    """The fields of one IP/TCP packet, read from its bytes by scapy."""

    src: str
    dst: str
    sport: int
    dport: int
    seq: int
    ack: int
    flags: str
    window: int
    payload: bytes
    options: tuple[tuple[str, str], ...]

    @property
    def seg_len(self) -> int:
        """SEG.LEN: data octets plus one for SYN and one for FIN (RFC 9293 section 3.4)."""
        return len(self.payload) + ("S" in self.flags) + ("F" in self.flags)


def build(
    *,
    src: str,
    dst: str,
    sport: int,
    dport: int,
    seq: int,
    ack: int = 0,
    flags: str,
    window: int,
    payload: bytes = b"",
    options: tuple[tuple[str, object], ...] = (),
    ip_id: int = 0,
    ttl: int = 64,
) -> bytes:
    """An IPv4/TCP packet's bytes, with lengths and both checksums computed by scapy."""
    from scapy.layers.inet import IP, TCP
    from scapy.packet import Raw

    pkt = IP(src=src, dst=dst, id=ip_id, flags="DF", ttl=ttl) / TCP(
        sport=sport,
        dport=dport,
        seq=seq,
        ack=ack if "A" in flags else 0,
        flags=flags,
        window=window,
        options=list(options),
    )
    if payload:
        pkt = pkt / Raw(payload)
    return bytes(pkt)


def _option_text(name: str, value: object) -> str:
    if value is None or value == b"":
        return ""
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def parse(raw: bytes) -> Parsed:
    """Read an IPv4/TCP packet; ValueError if it is not one."""
    from scapy.layers.inet import IP, TCP

    pkt = IP(raw)
    if TCP not in pkt:
        raise ValueError("not a TCP segment")
    tcp = pkt[TCP]
    return Parsed(
        src=pkt.src,
        dst=pkt.dst,
        sport=tcp.sport,
        dport=tcp.dport,
        seq=tcp.seq,
        ack=tcp.ack,
        flags=str(tcp.flags),
        window=tcp.window,
        payload=bytes(tcp.payload),
        options=tuple((str(n), _option_text(str(n), v)) for n, v in tcp.options),
    )


def checksums_ok(raw: bytes) -> bool:
    """True when the IPv4 header checksum and the TCP checksum both verify, on the bytes as
    they are: the one's complement sum of a header with its checksum in place is 0 (RFC 1071).

    The TCP checksum also covers a pseudo-header of the two IP addresses, the protocol number
    and the TCP length (RFC 9293 section 3.1).
    """
    from scapy.utils import checksum

    if len(raw) < 20 or raw[0] >> 4 != 4 or raw[9] != 6:
        return False
    ihl = (raw[0] & 0x0F) * 4
    total = int.from_bytes(raw[2:4], "big")
    if total > len(raw) or total < ihl + 20:
        return False
    tcp = raw[ihl:total]
    pseudo = raw[12:20] + bytes([0, 6]) + len(tcp).to_bytes(2, "big")
    return checksum(raw[:ihl]) == 0 and checksum(pseudo + tcp) == 0


class RelativeNumbers:
    """Sequence and acknowledgement numbers relative to each direction's first one.

    Wireshark's "relative sequence numbers": the first segment seen in a direction gives that
    direction's base (its SYN's sequence number, which becomes 0). An acknowledgement is shown
    relative to the base of the opposite direction. Joined mid-stream (no SYN seen), the first
    byte seen counts as 1, as Wireshark does.

    A direction is any hashable key: `relative(parsed)` keys by the (address, port) pairs;
    `see(...)` takes the caller's own keys (a tracker's "client" and "server").
    """

    def __init__(self) -> None:
        self._base: dict[Hashable, int] = {}

    def base(self, direction: Hashable) -> int | None:
        """The sequence number that counts as 0 in `direction`, once known."""
        return self._base.get(direction)

    def see(self, fwd: Hashable, rev: Hashable, seq: int, ack: int, flags: str) -> tuple[int, int]:
        """Learn from one segment sent in direction `fwd` (its reply goes `rev`); its relative
        (seq, ack), ack 0 when the A flag is not set."""
        if fwd not in self._base:
            # Without its SYN we did not see the start; Wireshark then counts from 1.
            self._base[fwd] = seq if "S" in flags else seq_add(seq, -1)
        rel_seq = (seq - self._base[fwd]) % 2**32
        rel_ack = 0
        if "A" in flags:
            if rev not in self._base:
                self._base[rev] = seq_add(ack, -1)
            rel_ack = (ack - self._base[rev]) % 2**32
        return rel_seq, rel_ack

    def relative(self, p: Parsed) -> tuple[int, int]:
        """`see` for a parsed packet, its directions keyed by addresses and ports."""
        fwd = (p.src, p.sport, p.dst, p.dport)
        rev = (p.dst, p.dport, p.src, p.sport)
        return self.see(fwd, rev, p.seq, p.ack, p.flags)


def make_segment(
    *,
    t: float,
    src: str,
    dst: str,
    sport: int,
    dport: int,
    flags: str,
    seq: int,
    ack: int,
    window: int,
    raw: bytes,
    rel_seq: int,
    rel_ack: int,
    payload: bytes = b"",
    payload_len: int | None = None,
    options: tuple[tuple[str, str], ...] = (),
    note: str = "",
    lost: bool = False,
    marks: tuple[str, ...] | None = None,
) -> Segment:
    """The one way a `Segment` event is made, simulated or captured: `src`/`dst` name the
    sides, `t` is rounded to the microsecond, the ack is 0 without the A flag, and
    `payload_len` defaults to the payload's length (a capture cut short by its snap length
    gives the real one). With `marks`, a `TcpSegment` (the simulator knows what each is)."""
    from netlearn.events import TcpSegment

    fields = dict(
        t=round(t, 6),
        actor=src,
        src=src,
        dst=dst,
        sport=sport,
        dport=dport,
        flags=flags,
        seq=seq,
        ack=ack if "A" in flags else 0,
        window=window,
        payload_len=len(payload) if payload_len is None else payload_len,
        raw=raw,
        rel_seq=rel_seq,
        rel_ack=rel_ack,
        options=options,
        payload=payload,
        lost=lost,
        note=note,
    )
    if marks is None:
        return Segment(**fields)  # type: ignore[arg-type]
    return TcpSegment(marks=marks, **fields)  # type: ignore[arg-type]


def segment_event(
    raw: bytes,
    *,
    src: str,
    dst: str,
    t: float,
    numbers: RelativeNumbers,
    note: str = "",
    lost: bool = False,
    marks: tuple[str, ...] | None = None,
) -> Segment:
    """The `Segment` event for one packet's bytes, `src`/`dst` naming the two sides (a
    `TcpSegment` when `marks` are given: the simulator knows what each segment is)."""
    p = parse(raw)
    rel_seq, rel_ack = numbers.relative(p)
    return make_segment(
        t=t,
        src=src,
        dst=dst,
        sport=p.sport,
        dport=p.dport,
        flags=p.flags,
        seq=p.seq,
        ack=p.ack,
        window=p.window,
        raw=raw,
        rel_seq=rel_seq,
        rel_ack=rel_ack,
        payload=p.payload,
        options=p.options,
        note=note,
        lost=lost,
        marks=marks,
    )
