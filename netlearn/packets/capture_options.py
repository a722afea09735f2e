"""TCP options, decoded from the bytes of a captured header, each with what it means.

The layout is kind (1 byte), length (1 byte, counting kind and length), then the value; kinds 0
(end of list) and 1 (no-operation) are a single byte (RFC 9293 section 3.1). Values are always
read from the packet: nothing here assumes what a kernel usually sends.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# Names of option kinds, from IANA's "TCP Option Kind Numbers" registry.
KIND_NAMES = {
    0: "End of option list",
    1: "No-operation",
    2: "MSS",
    3: "Window scale",
    4: "SACK permitted",
    5: "SACK",
    8: "Timestamps",
    19: "MD5 signature",
    28: "User timeout",
    29: "TCP-AO",
    30: "MPTCP",
    34: "TCP Fast Open cookie",
    69: "TCP-ENO",
    172: "AccECN order 0",
    174: "AccECN order 1",
}


@dataclass(frozen=True)
class TcpOption:
    """One option as it sits in the header: where, its bytes, its value and its meaning."""

    kind: int
    name: str
    offset: int  # from the start of the options area
    raw: bytes
    value: str
    meaning: str
    rfc: str

    @property
    def padding(self) -> bool:
        """No-operation and end-of-list only align or close the list."""
        return self.kind in (0, 1)


def _opt(kind: int, offset: int, raw: bytes, value: str, meaning: str, rfc: str) -> TcpOption:
    return TcpOption(kind, KIND_NAMES.get(kind, f"kind {kind}"), offset, raw, value, meaning, rfc)


def _describe(kind: int, offset: int, raw: bytes, syn: bool, has_ack: bool) -> TcpOption:
    body = raw[2:]
    if kind == 2 and len(body) == 2:
        mss = struct.unpack("!H", body)[0]
        return _opt(
            kind,
            offset,
            raw,
            f"{mss} bytes",
            "the largest segment of data this side wants to receive, not counting the IP "
            "and TCP headers",
            "RFC 9293 section 3.7.1",
        )
    if kind == 3 and len(body) == 1:
        shift = body[0]
        shown = min(shift, 14)  # RFC 7323 section 2.3: a shift above 14 is used as 14
        cap = "" if shift <= 14 else " (more than 14: treated as 14, RFC 7323 section 2.3)"
        return _opt(
            kind,
            offset,
            raw,
            f"shift {shift}",
            f"multiply every later window field this side sends by 2^{shown} = {1 << shown}"
            f"{cap}, once both SYNs carry this option",
            "RFC 7323 section 2",
        )
    if kind == 4 and not body:
        return _opt(
            kind,
            offset,
            raw,
            "",
            "this side understands selective acknowledgements: the receiver may report which "
            "blocks after a gap it already holds, so only the missing bytes are sent again",
            "RFC 2018 section 2",
        )
    if kind == 5 and len(body) % 8 == 0 and body:
        edges = struct.unpack(f"!{len(body) // 4}I", body)
        blocks = ", ".join(f"{a}-{b}" for a, b in zip(edges[::2], edges[1::2], strict=True))
        return _opt(
            kind,
            offset,
            raw,
            blocks,
            "blocks of data received beyond a gap (left edge - right edge, absolute sequence "
            "numbers)",
            "RFC 2018 section 3",
        )
    if kind == 8 and len(body) == 8:
        tsval, tsecr = struct.unpack("!II", body)
        echo = (
            "nothing to echo yet in a first SYN, so 0"
            if syn and not has_ack
            else "the peer's last TSval, echoed back"
        )
        return _opt(
            kind,
            offset,
            raw,
            f"TSval={tsval} TSecr={tsecr}",
            f"TSval is the sender's timestamp clock now; TSecr is {echo}. They measure the "
            "round-trip time and protect against old, wrapped sequence numbers (PAWS)",
            "RFC 7323 section 3",
        )
    if kind == 1:
        return _opt(
            kind, offset, raw, "", "padding: lines the next option up", "RFC 9293 section 3.1"
        )
    if kind == 0:
        return _opt(kind, offset, raw, "", "the options end here", "RFC 9293 section 3.1")
    if kind == 34:
        value = body.hex() if body else "(empty: asks for a cookie)"
        return _opt(
            kind, offset, raw, value, "TCP Fast Open: data in the SYN", "RFC 7413 section 4.1.1"
        )
    if kind == 30:
        return _opt(kind, offset, raw, body.hex(), "Multipath TCP signalling", "RFC 8684")
    return _opt(kind, offset, raw, body.hex(), "an option this lesson does not explain", "IANA")


def decode(data: bytes, syn: bool = False, has_ack: bool = False) -> list[TcpOption]:
    """Every option in a TCP header's options area, in order, padding included."""
    out: list[TcpOption] = []
    i = 0
    while i < len(data):
        kind = data[i]
        if kind in (0, 1):
            out.append(_describe(kind, i, data[i : i + 1], syn, has_ack))
            i += 1
            if kind == 0:
                break
            continue
        if i + 1 >= len(data) or data[i + 1] < 2 or i + data[i + 1] > len(data):
            raw = data[i:]
            out.append(_opt(kind, i, raw, raw.hex(), "malformed: its length is wrong", "-"))
            break
        length = data[i + 1]
        out.append(_describe(kind, i, data[i : i + length], syn, has_ack))
        i += length
    return out


# scapy's names for the options, which the simulator's segments carry too.
SCAPY_NAMES = {
    0: "EOL",
    1: "NOP",
    2: "MSS",
    3: "WScale",
    4: "SAckOK",
    5: "SAck",
    8: "Timestamp",
    19: "MD5",
    28: "UTO",
    29: "AO",
    30: "MPTCP",
    34: "TFO",
}


def scapy_value(opt: TcpOption) -> str:
    """The option's value written as the simulator writes scapy's: "65495", "10", "123 0"."""
    body = opt.raw[2:]
    if opt.kind == 2 and len(body) == 2:
        return str(struct.unpack("!H", body)[0])
    if opt.kind == 3 and len(body) == 1:
        return str(body[0])
    if opt.kind in (5, 8) and body and len(body) % 4 == 0:
        return " ".join(str(v) for v in struct.unpack(f"!{len(body) // 4}I", body))
    return body.hex()


def as_pairs(options: list[TcpOption]) -> tuple[tuple[str, str], ...]:
    """(scapy's name, value) for `Segment.options`, as the simulator fills them.

    The ladder prints them on the arrow (`MSS=65495 WS=10`), so they stay short; what each
    one means is told beside the ladder (`netlearn.lessons.capture.story.options_table`).
    """
    return tuple(
        (SCAPY_NAMES.get(opt.kind, opt.name), scapy_value(opt))
        for opt in options
        if not opt.padding
    )


def short_pairs(options: list[TcpOption]) -> str:
    """`MSS=65495 SACK-OK TS WS=7`: a header's options on one short line."""
    parts = []
    for opt in options:
        if opt.kind == 2:
            parts.append(f"MSS={opt.value.split()[0]}")
        elif opt.kind == 3:
            parts.append(f"WS={opt.value.split()[1]}")
        elif opt.kind == 4:
            parts.append("SACK-OK")
        elif opt.kind == 8:
            parts.append("TS")
        elif opt.kind == 5:
            parts.append("SACK")
        elif not opt.padding:
            parts.append(opt.name)
    return " ".join(parts)


def window_scale(options: list[TcpOption]) -> int | None:
    """The shift a SYN announces, or None when it sends no window scale option."""
    for opt in options:
        if opt.kind == 3 and len(opt.raw) == 3:
            return min(opt.raw[2], 14)
    return None
