"""TCP options, decoded from the bytes of a captured header, each with what it means.

The layout is kind (1 byte), length (1 byte, counting kind and length), then the value; kinds 0
(end of list) and 1 (no-operation) are a single byte (RFC 9293 section 3.1). Values are always
read from the packet: nothing here assumes what a kernel usually sends.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from netlearn.content.words import say, table

# Names of option kinds, from IANA's "TCP Option Kind Numbers" registry, and what each means:
# lessons/glossary/tcp-options.toml.


def kind_name(kind: int) -> str:
    """The option kind's name (`MSS`, `Window scale`), or `kind N` for one without a name."""
    names = table("glossary.tcp-options.names")
    return (
        names[str(kind)]
        if str(kind) in names
        else say("glossary.tcp-options.names.other", kind=kind)
    )


@dataclass(frozen=True)
class TcpOption:
    """One option as it sits in the header: where, its bytes, its value and its meaning."""

    kind: int
    offset: int  # from the start of the options area
    raw: bytes
    value: str
    about: str  # what it means: its key under glossary.tcp-options.meanings
    rfc: str
    shift: int = 0  # a window scale's shift, as used (at most 14)
    capped: bool = False  # a window scale's shift was over 14
    first: bool = False  # timestamps in a first SYN (nothing to echo yet)

    @property
    def padding(self) -> bool:
        """No-operation and end-of-list only align or close the list."""
        return self.kind in (0, 1)

    @property
    def name(self) -> str:
        return kind_name(self.kind)

    @property
    def meaning(self) -> str:
        """What the option means, in words (looked up when shown: a segment's options are
        decoded for every captured segment, and only a few are ever explained)."""
        if self.about == "window-scale":
            cap = say("glossary.tcp-options.meanings.window-scale-cap") if self.capped else ""
            return say(
                "glossary.tcp-options.meanings.window-scale",
                shift=self.shift,
                factor=1 << self.shift,
                cap=cap,
            )
        if self.about == "timestamps":
            echo = (
                say("glossary.tcp-options.meanings.timestamps-first")
                if self.first
                else say("glossary.tcp-options.meanings.timestamps-echo")
            )
            return say("glossary.tcp-options.meanings.timestamps", echo=echo)
        return say(f"glossary.tcp-options.meanings.{self.about}")


def _opt(kind: int, offset: int, raw: bytes, value: str, about: str, rfc: str) -> TcpOption:
    return TcpOption(kind, offset, raw, value, about, rfc)


def _describe(kind: int, offset: int, raw: bytes, syn: bool, has_ack: bool) -> TcpOption:
    body = raw[2:]
    if kind == 2 and len(body) == 2:
        mss = struct.unpack("!H", body)[0]
        return _opt(kind, offset, raw, f"{mss} bytes", "mss", "RFC 9293 section 3.7.1")
    if kind == 3 and len(body) == 1:
        shift = body[0]
        # RFC 7323 section 2.3: a shift above 14 is used as 14
        return TcpOption(
            kind,
            offset,
            raw,
            f"shift {shift}",
            "window-scale",
            "RFC 7323 section 2",
            shift=min(shift, 14),
            capped=shift > 14,
        )
    if kind == 4 and not body:
        return _opt(kind, offset, raw, "", "sack-permitted", "RFC 2018 section 2")
    if kind == 5 and len(body) % 8 == 0 and body:
        edges = struct.unpack(f"!{len(body) // 4}I", body)
        blocks = ", ".join(f"{a}-{b}" for a, b in zip(edges[::2], edges[1::2], strict=True))
        return _opt(kind, offset, raw, blocks, "sack", "RFC 2018 section 3")
    if kind == 8 and len(body) == 8:
        tsval, tsecr = struct.unpack("!II", body)
        value = f"TSval={tsval} TSecr={tsecr}"
        first = syn and not has_ack
        return TcpOption(kind, offset, raw, value, "timestamps", "RFC 7323 section 3", first=first)
    if kind == 1:
        return _opt(kind, offset, raw, "", "no-operation", "RFC 9293 section 3.1")
    if kind == 0:
        return _opt(kind, offset, raw, "", "end", "RFC 9293 section 3.1")
    if kind == 34:
        value = body.hex() if body else say("glossary.tcp-options.meanings.fast-open-empty")
        return _opt(kind, offset, raw, value, "fast-open", "RFC 7413 section 4.1.1")
    if kind == 30:
        return _opt(kind, offset, raw, body.hex(), "mptcp", "RFC 8684")
    return _opt(kind, offset, raw, body.hex(), "unknown", "IANA")


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
            out.append(_opt(kind, i, raw, raw.hex(), "malformed", "-"))
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
