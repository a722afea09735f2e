"""One segment in the layer inspector, with meanings fitted to this connection.

The inspector (`netlearn.packets.fields.packet_view`) walks scapy's `fields_desc`; here the TCP
fields whose meaning depends on the segment (its ports, which flags are set, what seq and ack
count) get a sentence about this very segment.
"""

from __future__ import annotations

from dataclasses import replace

from netlearn.content.words import say
from netlearn.events import PacketView, Segment
from netlearn.packets.tcp import flag_names
from netlearn.render.text import route

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
        pkt, label or f"{route(seg.src, seg.dst)} [{', '.join(names)}]", source="simulated"
    )
    layers = []
    for layer in view.layers:
        if layer.name == "TCP":
            fields = []
            for f in layer.fields:
                text = _meaning(seg, f.name, names)
                if f.name == "dataofs":
                    size = layer.end - layer.start
                    text = say("tcp.inspect.header-length", words=size // 4, size=size)
                fields.append(replace(f, meaning=text) if text else f)
            layer = replace(layer, fields=tuple(fields))
        layers.append(layer)
    return replace(view, layers=tuple(layers))


def _meaning(seg: Segment, field: str, names: list[str]) -> str:
    """One short line per field (the inspector must fit an 80x24 terminal)."""
    if field == "sport":
        return say("tcp.inspect.sport", src=seg.src)
    if field == "dport":
        service = WELL_KNOWN.get(seg.dport)
        if service:
            return say("tcp.inspect.dport-service", service=service, dst=seg.dst)
        return say("tcp.inspect.dport", dst=seg.dst)
    if field == "seq":
        if "S" in seg.flags:
            return say("tcp.inspect.seq-syn")
        return say("tcp.inspect.seq", rel=seg.rel_seq)
    if field == "ack":
        if "A" not in seg.flags:
            return say("tcp.inspect.ack-off")
        return say("tcp.inspect.ack", rel=seg.rel_ack)
    if field == "reserved":
        return say("tcp.inspect.reserved")
    if field == "flags":
        return say("tcp.inspect.flags", names=", ".join(names))
    if field == "window":
        return say("tcp.inspect.window", src=seg.src)
    if field == "chksum":
        return say("tcp.inspect.chksum")
    if field == "urgptr":
        return say("tcp.inspect.urgptr")
    if field == "options":
        return say("tcp.inspect.options") if seg.options else say("tcp.inspect.no-options")
    return ""
