"""OSI questions on the inspector's own sample packets: which layer owns a highlighted byte."""

from __future__ import annotations

import random

from netlearn.events import PacketView
from netlearn.quiz.generators.common import (
    field_at,
    hexdump_cut,
    layer_at,
    layer_label,
    make,
    tiling,
)
from netlearn.quiz.model import Asked, Question

# The ping sample's echo data is part of the ICMP message, which the dissector files under
# application data; so the quiz uses the packets whose every layer is unambiguous.
PACKETS = ("http", "dns", "websocket")


APP_NAMES = {"http": "HTTP request", "dns": "DNS message", "websocket": "WebSocket frame"}


def byte_layer_question(
    view: PacketView, rng: random.Random, where: str, raw_name: str = "application data"
) -> Asked:
    """Highlight one byte of a dissected packet and ask which layer's header holds it.

    `raw_name` names undissected payload bytes (scapy's `Raw`): what the program sent.
    """
    layers = view.layers
    target = rng.choice(layers)
    offset = rng.randrange(target.start, target.end)
    hit = layer_at(layers, offset)
    assert hit is not None  # the layers tile the packet
    choices = tuple(layer_label(x, raw_name) for x in layers)
    field = field_at(hit, offset)
    in_field = f", in its `{field.name}` field: {field.meaning}" if field and field.meaning else ""
    if field and not field.meaning:
        in_field = f", in its `{field.name}` field"
    hit_name = layer_label(hit, raw_name).split(": ", 1)[1]
    explanation = (
        f"Count from byte 0: {tiling(layers, raw_name)}. Offset {offset} (0x{offset:04x}) "
        f"falls in the {hit_name}{in_field}. To find the borders, read each header's size: "
        "Ethernet's is 14 bytes (without a VLAN tag), IPv4 gives its own in IHL (5 x 4 = 20 "
        "bytes without options), TCP in its data offset, and UDP's is always 8."
    )
    return make(
        "choice",
        f"{where} Which header does the highlighted byte, at offset {offset} (0x{offset:04x}), "
        "belong to?",
        explanation,
        choices=choices,
        correct=(layers.index(hit),),
        hexdump=hexdump_cut(view.raw, offset),
        highlight=offset,
        packets=(view.raw,),
    )


def hex_layer(rng: random.Random, question: Question) -> Asked:
    """A sample packet (`packet` param, or one at random), one byte highlighted."""
    from netlearn.packets.build import KINDS, build
    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    kind = question.params.get("packet") or rng.choice(PACKETS)
    pkt = build(kind)
    view = fit(packet_view(pkt, kind), pkt)
    where = f"Here is {KINDS[kind]}, as bytes."
    return byte_layer_question(view, rng, where, APP_NAMES.get(kind, "application data"))
