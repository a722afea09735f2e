"""Producers of the OSI lesson's scenes: plain events, drawn by any renderer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from netlearn.content.words import say, table
from netlearn.env import Env
from netlearn.events import Encapsulate, Event, LayerInfo, Note, PacketView, Table
from netlearn.packets.layers import LAYERS, TCPIP, by_number


def layers(env: Env, order: str = "down") -> Iterator[Event]:
    """The seven layers, top to bottom (as the sender writes) or bottom to top."""
    rows = [(f"{la.number} {la.name}", la.job, la.unit, la.protocols, la.devices) for la in LAYERS]
    if order == "down":
        rows.reverse()
        title = say("osi.scenes.layers-down")
    else:
        title = say("osi.scenes.layers-up")
    col = table("osi.scenes.columns")
    yield Table(
        title=title,
        columns=(col["layer"], col["job"], col["unit"], col["protocols"], col["devices"]),
        rows=tuple(rows),
        caption=say("osi.scenes.mnemonic"),
    )


def one_layer(env: Env, n: str = "4") -> Iterator[Event]:
    """One layer in detail, with its analogy."""
    la = by_number(int(n))
    col = table("osi.scenes.columns")
    yield Table(
        title=say("osi.scenes.layer-title", number=la.number, name=la.name),
        columns=("", ""),
        rows=(
            (col["job"], la.job),
            (col["unit"], la.unit),
            (col["protocols"], la.protocols),
            (col["devices"], la.devices),
            (col["analogy"], la.analogy),
            (col["tcpip"], la.tcpip),
        ),
    )


def tcpip(env: Env) -> Iterator[Event]:
    """The four-layer TCP/IP model beside the seven OSI layers."""
    col = table("osi.scenes.columns")
    yield Table(
        title=say("osi.scenes.tcpip-title"),
        columns=(col["tcpip-layer"], col["osi-covered"], col["protocols"]),
        rows=TCPIP,
        caption=say("osi.scenes.tcpip-caption"),
    )


def _view(packet: str) -> PacketView:
    """A sample packet dissected, each field's meaning fitted to this packet."""
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    pkt = build(packet)
    return fit(packet_view(pkt, packet), pkt)


def _unit(osi: int, name: str) -> str:
    """What this header's unit of data is called: by protocol where it differs, else by layer."""
    units = table("osi.scenes.units")
    return units.get(name) or units.get(str(osi)) or units["other"]


def encapsulate(env: Env, packet: str = "http") -> Iterator[Event]:
    """Wrap the packet: the application's data first, then each header in front of it."""
    view = _view(packet)
    steps = len(view.layers)
    for i, layer in enumerate(reversed(view.layers), start=1):
        yield Encapsulate(
            direction="wrap",
            layer=layer,
            pdu=view.raw[layer.start :],
            unit=_unit(layer.osi, layer.name),
            step=i,
            steps=steps,
            stack=view.layers[steps - i :],
        )
    headers = view.layers[-1].start
    yield Note(
        text=say(
            "osi.scenes.on-the-wire",
            total=len(view.raw),
            data=len(view.raw) - headers,
            headers=headers,
        ),
    )


_NEXT_FIELD = {"Ether": "type", "IP": "proto", "TCP": "dport", "UDP": "dport", "ICMP": "type"}


def _what_next(layer: LayerInfo, inner: LayerInfo | None) -> str:
    """Which field of this header told the receiver what it carries."""
    name = _NEXT_FIELD.get(layer.name)
    if name is None or inner is None:
        return ""
    value = next((f.value for f in layer.fields if f.name == name), "?")
    if layer.name in ("TCP", "UDP"):
        return say("osi.scenes.next-by-port", value=value)
    if layer.name == "ICMP":
        return say("osi.scenes.next-by-icmp-type", value=value)
    return say("osi.scenes.next-header", field=name, value=value, inner=inner.long_name)


def unwrap(env: Env, packet: str = "http") -> Iterator[Event]:
    """The receiver reads and strips each header, outermost first."""
    view = _view(packet)
    steps = len(view.layers)
    for i, layer in enumerate(view.layers, start=1):
        yield Encapsulate(
            direction="unwrap",
            layer=layer,
            pdu=view.raw[layer.end :],
            unit=_unit(layer.osi, layer.name),
            step=i,
            steps=steps,
            stack=view.layers[i:],
            note=_what_next(layer, view.layers[i] if i < steps else None),
        )


def inspect(env: Env, packet: str = "http") -> Iterator[Event]:
    """The layer inspector on one of the sample packets."""
    from dataclasses import replace

    from netlearn.packets.build import KINDS

    view = _view(packet)  # refuses an unknown kind in one line, with a suggestion
    yield replace(view, label=KINDS[packet])


def read_packet(path: Path, index: int) -> PacketView:
    """Packet number `index` (1-based) of a pcap or pcapng file, dissected for the inspector.

    The file is read as `capture --read FILE --osi N` reads it (`netlearn.packets.pcap_view`:
    netlearn's own bounded reader names a damaged record; scapy dissects only the frame)."""
    from netlearn.packets.pcap_view import from_file

    return from_file(path, index, label=say("osi.scenes.pcap-label", file=path.name, index=index))
