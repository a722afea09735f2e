"""Producers of the OSI lesson's scenes: plain events, drawn by any renderer."""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.env import Env
from netlearn.events import Encapsulate, Event, LayerInfo, Note, PacketView, Table
from netlearn.packets.layers import LAYERS, TCPIP, by_number


def layers(env: Env, order: str = "down") -> Iterator[Event]:
    """The seven layers, top to bottom (as the sender writes) or bottom to top."""
    rows = [(f"{la.number} {la.name}", la.job, la.unit, la.protocols, la.devices) for la in LAYERS]
    if order == "down":
        rows.reverse()
        title = "The seven OSI layers, top (7) to bottom (1): the order a sender wraps data"
    else:
        title = "The seven OSI layers, bottom (1) to top (7): the order a receiver unwraps data"
    yield Table(
        title=title,
        columns=("layer", "responsible for", "unit of data", "protocols", "devices"),
        rows=tuple(rows),
        caption="Mnemonic, 7 to 1: All People Seem To Need Data Processing.",
    )


def one_layer(env: Env, n: str = "4") -> Iterator[Event]:
    """One layer in detail, with its analogy."""
    la = by_number(int(n))
    yield Table(
        title=f"Layer {la.number}: {la.name}",
        columns=("", ""),
        rows=(
            ("responsible for", la.job),
            ("unit of data", la.unit),
            ("protocols", la.protocols),
            ("devices", la.devices),
            ("everyday analogy", la.analogy),
            ("TCP/IP layer", la.tcpip),
        ),
    )


def tcpip(env: Env) -> Iterator[Event]:
    """The four-layer TCP/IP model beside the seven OSI layers."""
    yield Table(
        title="TCP/IP's four layers beside OSI's seven",
        columns=("TCP/IP layer", "OSI layers it covers", "protocols"),
        rows=TCPIP,
        caption="Each TCP/IP layer is a piece of software: link in the network card and its "
        "driver, internet and transport in the operating system's kernel, application in the "
        "program.",
    )


def _view(packet: str) -> PacketView:
    """A sample packet dissected, each field's meaning fitted to this packet."""
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    pkt = build(packet)
    return fit(packet_view(pkt, packet), pkt)


_UNITS = {2: "frame", 3: "packet", 4: "segment", 7: "data"}


def _unit(osi: int, name: str) -> str:
    if name == "UDP":
        return "datagram"
    if name == "ICMP":
        return "ICMP message"
    return _UNITS.get(osi, "data")


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
    yield Note(
        text=f"On the wire: {len(view.raw)} bytes, of which "
        f"{len(view.raw) - view.layers[-1].start} are the application's and "
        f"{view.layers[-1].start} are headers added on the way down.",
    )


_NEXT_FIELD = {"Ether": "type", "IP": "proto", "TCP": "dport", "UDP": "dport", "ICMP": "type"}


def _what_next(layer: LayerInfo, inner: LayerInfo | None) -> str:
    """Which field of this header told the receiver what it carries."""
    name = _NEXT_FIELD.get(layer.name)
    if name is None or inner is None:
        return ""
    value = next((f.value for f in layer.fields if f.name == name), "?")
    if layer.name in ("TCP", "UDP"):
        return (
            f"destination port {value}: the operating system hands the data to the program "
            "listening on that port"
        )
    if layer.name == "ICMP":
        return f"type {value}: the kernel's ICMP code answers it (no program port involved)"
    return f"{name} = {value}: so the next header is {inner.long_name}"


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
