"""One segment in the layer inspector, with meanings fitted to this connection.

The inspector (`netlearn.packets.fields.packet_view`) walks scapy's `fields_desc`; here the TCP
fields whose meaning depends on the segment (its ports, which flags are set, what seq and ack
count) get a sentence about this very segment.
"""

from __future__ import annotations

from dataclasses import replace

from netlearn.events import PacketView, Segment
from netlearn.packets.tcp import flag_names

WELL_KNOWN = {80: "HTTP", 443: "HTTPS", 22: "SSH", 53: "DNS"}


def segment_view(seg: Segment, label: str = "") -> PacketView:
    """The inspector's view of a segment's bytes: an IPv4 or IPv6 packet, no link layer (as
    the simulator makes them and as a capture stores them in `Segment.raw`)."""
    from netlearn.packets.fields import packet_view

    if seg.raw and seg.raw[0] >> 4 == 6:
        from scapy.layers.inet6 import IPv6

        pkt = IPv6(seg.raw)
    else:
        from scapy.layers.inet import IP

        pkt = IP(seg.raw)
    names = flag_names(seg.flags)
    view = packet_view(
        pkt, label or f"{seg.src} -> {seg.dst} [{', '.join(names)}]", source="simulated"
    )
    layers = []
    for layer in view.layers:
        if layer.name == "TCP":
            fields = []
            for f in layer.fields:
                text = _meaning(seg, f.name, names)
                if f.name == "dataofs":
                    size = layer.end - layer.start
                    text = f"header length: {size // 4} words x 4 = {size} bytes"
                fields.append(replace(f, meaning=text) if text else f)
            layer = replace(layer, fields=tuple(fields))
        layers.append(layer)
    return replace(view, layers=tuple(layers))


def _meaning(seg: Segment, field: str, names: list[str]) -> str:
    """One short line per field (the inspector must fit an 80x24 terminal)."""
    if field == "sport":
        return f"source port: the {seg.src}'s end"
    if field == "dport":
        service = WELL_KNOWN.get(seg.dport)
        about = f" ({service})" if service else ""
        return f"destination port{about}: the {seg.dst}'s end"
    if field == "seq":
        if "S" in seg.flags:
            return "initial sequence number (ISN), used by the SYN"
        return f"number of the first data byte (relative {seg.rel_seq})"
    if field == "ack":
        if "A" not in seg.flags:
            return "unused: the ACK bit is off"
        return f"next byte expected (relative {seg.rel_ack})"
    if field == "reserved":
        return "reserved, always zero"
    if field == "flags":
        return "set: " + ", ".join(names)
    if field == "window":
        return f"bytes the {seg.src} can still take in"
    if field == "chksum":
        return "over IP addresses, TCP header and data"
    if field == "urgptr":
        return "urgent pointer, only with URG"
    if field == "options":
        return "MSS: largest segment it takes; SACK_PERM" if seg.options else "none"
    return ""
