"""Walk a scapy packet's `fields_desc` declarations into `LayerInfo`/`FieldInfo` records.

Nothing here is drawn by hand: a new protocol needs a scapy layer, not a new view. Each layer's
byte range is its header alone (the layer's bytes minus its payload's), so the ranges of all
layers tile the packet exactly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlearn.events import FieldInfo, LayerInfo, PacketView
from netlearn.packets.layers import by_number, osi_of
from netlearn.packets.meanings import meaning_for

if TYPE_CHECKING:
    from scapy.packet import Packet

MAX_VALUE_CHARS = 60


def _concrete_field(fld, layer):  # type: ignore[no-untyped-def]
    """Unwrap scapy's field containers; None when a conditional field is absent."""
    from scapy.fields import ConditionalField, Emph, MultipleTypeField

    while True:
        if isinstance(fld, ConditionalField):
            if not fld._evalcond(layer):
                return None
            fld = fld.fld
        elif isinstance(fld, MultipleTypeField):
            fld = fld._find_fld_pkt(layer)
        elif isinstance(fld, Emph):
            fld = fld.fld
        else:
            return fld


def layer_fields(layer: Packet) -> tuple[FieldInfo, ...]:
    """The fields of one layer's header, in wire order, with their size in bits."""
    from scapy.fields import _BitField

    out: list[FieldInfo] = []
    bit = 0
    for declared in layer.fields_desc:
        fld = _concrete_field(declared, layer)
        if fld is None:
            continue
        value = layer.getfieldval(fld.name)
        if isinstance(fld, _BitField):
            bits = int(fld.size)
        else:
            bits = 8 * len(fld.addfield(layer, b"", value))
        if bits == 0:
            continue  # an empty option list or padding field: not on the wire
        text = str(fld.i2repr(layer, value))
        if type(value).__name__ == "FlagValue":
            text = f"{text or '-'} ({int(value):#x})"
        elif (
            isinstance(value, int)
            and not isinstance(value, bool)
            and text != str(value)
            and not text.startswith("0x")
        ):
            # Fields scapy declares as hex (XShortEnumField: EtherType) are shown in hex.
            number = f"{value:#0{2 + bits // 4}x}" if type(fld).__name__.startswith("X") else value
            text = f"{number} ({text})"
        if len(text) > MAX_VALUE_CHARS:
            text = text[: MAX_VALUE_CHARS - 3] + "..."
        out.append(
            FieldInfo(
                name=fld.name,
                bits=bits,
                bit_offset=bit,
                value=text,
                meaning=meaning_for(layer, fld.name),
            )
        )
        bit += bits
    return tuple(out)


def _layer_summary(layer: Packet) -> str:
    try:
        text = layer.mysummary()
    except Exception:  # scapy's summaries can fail on odd packets; a summary is optional
        return ""
    return text if isinstance(text, str) else str(text[0]) if text else ""


def dissect(pkt: Packet) -> tuple[LayerInfo, ...]:
    """Every layer of the packet with its header's byte range and fields."""
    from scapy.packet import NoPayload

    infos: list[LayerInfo] = []
    offset = 0
    layer = pkt
    while layer is not None and not isinstance(layer, NoPayload):
        whole = len(bytes(layer))
        inner = layer.payload
        rest = 0 if isinstance(inner, NoPayload) else len(bytes(inner))
        size = whole - rest
        cls = type(layer).__name__
        osi = osi_of(cls)
        long_name = str(getattr(layer, "name", cls))
        if cls == "Raw" and infos and infos[-1].name == "ICMP":
            # An echo's data is part of the ICMP message (RFC 792), not a layer above it.
            osi, long_name = infos[-1].osi, "ICMP echo data"
        elif cls == "Raw":
            long_name = "Application data"
        infos.append(
            LayerInfo(
                name=cls,
                long_name=long_name,
                osi=osi,
                osi_name=by_number(osi).name,
                start=offset,
                end=offset + size,
                fields=layer_fields(layer),
                summary=_layer_summary(layer),
            )
        )
        offset += size
        layer = None if isinstance(inner, NoPayload) else inner
    return tuple(infos)


def packet_view(pkt: Packet, label: str, source: str = "built") -> PacketView:
    """The inspector's event for one packet."""
    raw = bytes(pkt)
    return PacketView(
        label=label, raw=raw, layers=dissect(pkt), summary=pkt.summary(), source=source
    )
