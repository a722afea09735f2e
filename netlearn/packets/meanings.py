"""What each header field means, in a sentence a newcomer can follow.

The words are in `lessons/glossary/fields.toml` (keys `glossary.fields.*`, with their sources).
`meaning(layer, field)` gives the text that is true of the field in *every* packet (keyed by
scapy layer class name and field name; `MEANINGS` is all of them as one dict). Some fields mean
something that depends on the packet: a SYN's sequence number is its ISN, not the number of a
data byte; a destination port is a web server's in one segment and a client's temporary port in
the reply. `meaning_for(layer, field)` gives the text for this very packet, and `fit(view, pkt)`
puts those texts into an inspector view.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from netlearn.content.words import known, say, table

if TYPE_CHECKING:
    from scapy.packet import Packet

    from netlearn.events import PacketView

# Linux's default range of temporary ports (net.ipv4.ip_local_port_range).
EPHEMERAL = range(32768, 61000)


def __getattr__(name: str) -> object:
    """`MEANINGS` (layer -> field -> text) and `SERVICES` (port -> service), read from the
    glossary when first asked for."""
    if name == "MEANINGS":
        return {layer: table(f"glossary.fields.layers.{layer}") for layer in _layer_names()}
    if name == "SERVICES":
        return {int(port): text for port, text in table("glossary.fields.services").items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _layer_names() -> list[str]:
    from netlearn.content.words import lookup

    return list(lookup("glossary.fields.layers"))


def service(port: int) -> str | None:
    """The service IANA's registry gives `port` (RFC 6335), or None."""
    return table("glossary.fields.services").get(str(port))


def meaning(layer: str, field: str) -> str:
    """The meaning of a field in any packet, or an empty string when we have not written one."""
    if not known(f"glossary.fields.layers.{layer}"):
        return ""
    return table(f"glossary.fields.layers.{layer}").get(field, "")


def _flags(layer: Packet) -> str:
    return str(getattr(layer, "flags", ""))


def _port_role(port: int, other: int, flags: str, side: str) -> str:
    """Whose port `port` is, from what the packet itself shows."""
    name = service(port)
    if name is not None:
        if port < 1024:
            return say("glossary.fields.fitted.port-well-known", service=name)
        return say("glossary.fields.fitted.port-registered", service=name)
    if "S" in flags and "A" not in flags:
        server = side == "destination"
    elif "S" in flags and "A" in flags:
        server = side == "source"
    elif service(other) is not None:
        server = False
    else:
        return say("glossary.fields.fitted.port-either-end")
    if server:
        return say("glossary.fields.fitted.port-server-chosen")
    if port in EPHEMERAL:
        return say("glossary.fields.fitted.port-client-linux")
    return say("glossary.fields.fitted.port-client")


def _port_line(field: str, port: object, role: str) -> str:
    """`source port 80: <role>` (sport) or `destination port ...` (dport)."""
    if field == "sport":
        return say("glossary.fields.fitted.source-port", port=port, role=role)
    return say("glossary.fields.fitted.destination-port", port=port, role=role)


def _tcp(layer: Packet, field: str) -> str:
    flags = _flags(layer)
    if field in ("sport", "dport"):
        port, other = (layer.sport, layer.dport) if field == "sport" else (layer.dport, layer.sport)
        side = "source" if field == "sport" else "destination"
        return _port_line(field, port, _port_role(int(port), int(other), flags, side))
    if field == "seq":
        data = len(bytes(layer.payload))
        if "S" in flags:
            first = (layer.seq + 1) % 2**32
            return say("glossary.fields.fitted.seq-isn", isn=layer.seq, first=first)
        if data:
            return say("glossary.fields.fitted.seq-data", count=data)
        if "F" in flags:
            return say("glossary.fields.fitted.seq-fin")
        return say("glossary.fields.fitted.seq-empty")
    if field == "ack":
        if "A" in flags:
            return say("glossary.fields.fitted.ack-set", ack=layer.ack)
        return say("glossary.fields.fitted.ack-unset")
    if field == "dataofs":
        size = 4 * int(layer.dataofs)
        if size > 20:
            return say(
                "glossary.fields.fitted.dataofs-options",
                words=layer.dataofs,
                size=size,
                options=size - 20,
            )
        return say("glossary.fields.fitted.dataofs-plain", words=layer.dataofs, size=size)
    if field == "window" and "S" in flags:
        return say("glossary.fields.fitted.window-syn")
    if field == "options":
        names = [str(o[0]) for o in (layer.options or []) if o[0] not in ("NOP", "EOL")]
        if names:
            return say("glossary.fields.fitted.options-list", names=", ".join(names))
    return ""


def _udp(layer: Packet, field: str) -> str:
    if field not in ("sport", "dport"):
        return ""
    port, other = (layer.sport, layer.dport) if field == "sport" else (layer.dport, layer.sport)
    name = service(int(port))
    if name is not None:
        role = say("glossary.fields.fitted.udp-service", service=name)
    elif service(int(other)) is not None:
        role = say("glossary.fields.fitted.udp-client")
    else:
        role = say("glossary.fields.fitted.udp-bound")
    return _port_line(field, port, role)


def meaning_for(layer: Packet, field: str) -> str:
    """The meaning of `field` in this very layer of a packet (see the module's docstring)."""
    name = type(layer).__name__
    special = ""
    if name == "TCP":
        special = _tcp(layer, field)
    elif name == "UDP":
        special = _udp(layer, field)
    return special or meaning(name, field)


def fit(view: PacketView, pkt: Packet) -> PacketView:
    """The inspector's view with each field's meaning fitted to this packet."""
    from scapy.packet import NoPayload

    layers = []
    layer = pkt
    for info in view.layers:
        if layer is None or isinstance(layer, NoPayload) or type(layer).__name__ != info.name:
            layers.append(info)  # out of step with scapy's layers: keep the general texts
            layer = None
            continue
        fields = tuple(
            replace(f, meaning=meaning_for(layer, f.name) or f.meaning) for f in info.fields
        )
        layers.append(replace(info, fields=fields))
        layer = layer.payload
    return replace(view, layers=tuple(layers))
