"""Helpers the generators share: building an `Asked`, reading a packet the way tcpdump prints it,
and saying which header and field a byte of a dissected packet belongs to."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.events import FieldInfo, LayerInfo, PacketView
from netlearn.quiz.model import Asked

if TYPE_CHECKING:
    from scapy.packet import Packet

# Flags offered in "which flags" questions, in the order of the header's bits (FIN is bit 0).
FLAG_CHOICES: tuple[tuple[str, str], ...] = (
    ("S", "SYN"),
    ("A", "ACK"),
    ("F", "FIN"),
    ("R", "RST"),
    ("P", "PSH"),
)
FLAG_BITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "U": 0x20, "A": 0x10, "E": 0x40, "C": 0x80}


def make(kind: str, prompt: str, explanation: str, **fields: object) -> Asked:
    """An `Asked` from a generator (the bank entry fills in id, lesson and step)."""
    return Asked(
        question_id="",
        lesson="",
        step="",
        kind=kind,
        prompt=prompt,
        explanation=explanation,
        **fields,  # type: ignore[arg-type]
    )


def flag_names(flags: str) -> str:
    """scapy's flag letters ('SA') as names in header order ('SYN, ACK')."""
    names = dict(FLAG_CHOICES) | {"U": "URG", "E": "ECE", "C": "CWR"}
    order = "SAFRPUEC"
    return ", ".join(names[f] for f in order if f in flags) or "none"


def tcpdump_flags(flags: str) -> str:
    """tcpdump's way: S, F, R, P, U, E, W and '.' for ACK, e.g. [S.] for SYN+ACK."""
    out = "".join(c for c in "SFRPUEW" if c in flags.replace("C", "W"))
    return out + ("." if "A" in flags else "")


def segment_line(pkt: Packet, show_flags: bool = True) -> str:
    """One TCP segment as tcpdump prints it (read back from the packet's own fields)."""
    from scapy.layers.inet import IP, TCP

    ip, tcp = pkt[IP], pkt[TCP]
    payload = int(ip.len) - 4 * int(ip.ihl) - 4 * int(tcp.dataofs)
    flags = str(tcp.flags)
    parts = [f"{ip.src}.{tcp.sport} > {ip.dst}.{tcp.dport}:"]
    parts.append(f"Flags [{tcpdump_flags(flags) if show_flags else '?'}],")
    parts.append(f"seq {tcp.seq},")
    if "A" in flags:
        parts.append(f"ack {tcp.ack},")
    parts.append(f"win {tcp.window}, length {payload}")
    return "IP " + " ".join(parts)


def payload_length(pkt: Packet) -> int:
    """TCP payload bytes, from the lengths in the headers (IP total - IP header - TCP header)."""
    from scapy.layers.inet import IP, TCP

    ip, tcp = pkt[IP], pkt[TCP]
    return int(ip.len) - 4 * int(ip.ihl) - 4 * int(tcp.dataofs)


def layer_at(layers: tuple[LayerInfo, ...], offset: int) -> LayerInfo | None:
    for layer in layers:
        if layer.start <= offset < layer.end:
            return layer
    return None


def field_at(layer: LayerInfo, offset: int) -> FieldInfo | None:
    """The header field holding byte `offset` of the packet (part of it, for bit fields)."""
    bit = (offset - layer.start) * 8
    for f in layer.fields:
        if f.bit_offset <= bit + 7 and bit < f.bit_offset + f.bits:
            return f
    return None


def layer_label(layer: LayerInfo, raw_name: str = "application data") -> str:
    """'Layer 4 Transport: TCP header' and the like."""
    names = {
        "Ether": "Ethernet header",
        "CookedLinux": "Linux cooked-capture header",
        "CookedLinuxV2": "Linux cooked-capture header",
        "IP": "IPv4 header",
        "IPv6": "IPv6 header",
        "TCP": "TCP header",
        "UDP": "UDP header",
        "ICMP": "ICMP message",
        "DNS": "DNS message",
        "WebSocketFrame": "WebSocket frame",
        "Raw": raw_name,
    }
    what = names.get(layer.name, layer.long_name)
    return f"Layer {layer.osi} {layer.osi_name}: {what}"


def tiling(layers: tuple[LayerInfo, ...], raw_name: str = "application data") -> str:
    """Where each header lies, e.g. 'Ethernet header bytes 0-13 (14 bytes), ...'."""
    parts = []
    for layer in layers:
        size = layer.end - layer.start
        what = layer_label(layer, raw_name).split(": ", 1)[1]
        parts.append(f"{what} bytes {layer.start}-{layer.end - 1} ({size} bytes)")
    return "; ".join(parts)


def hexdump_cut(raw: bytes, offset: int, minimum: int = 64) -> bytes:
    """Enough of a packet to show byte `offset` with a line after it, but not the whole thing."""
    end = max(minimum, (offset // 16 + 2) * 16)
    return raw[:end]


def pick_choices(
    rng: random.Random, right: str, wrong: list[str], n: int = 4
) -> tuple[tuple[str, ...], int]:
    """`right` among up to n-1 distinct wrong choices, at a random position."""
    seen = {right}
    pool: list[str] = []
    for w in wrong:
        if w not in seen:
            seen.add(w)
            pool.append(w)
    pool = pool[: n - 1]
    at = rng.randrange(len(pool) + 1)
    pool.insert(at, right)
    return tuple(pool), at


def byte_layer_question(
    view: PacketView, rng: random.Random, where: str, raw_name: str = ""
) -> Asked:
    """Highlight one byte of a dissected packet and ask which layer's header holds it.

    `raw_name` names undissected payload bytes (scapy's `Raw`): what the program sent
    ("application data" unless given).
    """
    raw_name = raw_name or say("core.byte-layer.application-data")
    layers = view.layers
    target = rng.choice(layers)
    offset = rng.randrange(target.start, target.end)
    hit = layer_at(layers, offset)
    assert hit is not None  # the layers tile the packet
    choices = tuple(layer_label(x, raw_name) for x in layers)
    field = field_at(hit, offset)
    in_field = ""
    if field and field.meaning:
        in_field = say("core.byte-layer.in-field", field=field.name, meaning=field.meaning)
    elif field:
        in_field = say("core.byte-layer.in-field-bare", field=field.name)
    hit_name = layer_label(hit, raw_name).split(": ", 1)[1]
    explanation = say(
        "core.byte-layer.explanation",
        tiling=tiling(layers, raw_name),
        offset=offset,
        hit=hit_name,
        in_field=in_field,
    )
    return make(
        "choice",
        say("core.byte-layer.prompt", where=where, offset=offset),
        explanation,
        choices=choices,
        correct=(layers.index(hit),),
        hexdump=hexdump_cut(view.raw, offset),
        highlight=offset,
        packets=(view.raw,),
    )
