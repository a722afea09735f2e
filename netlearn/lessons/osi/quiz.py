"""OSI questions on the inspector's own sample packets: which layer owns a highlighted byte."""

from __future__ import annotations

import random

from netlearn.content.words import say, table
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


def hex_layer(rng: random.Random, question: Question) -> Asked:
    """A sample packet (`packet` param, or one at random), one byte highlighted."""
    from netlearn.packets.build import KINDS, build
    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    kind = question.params.get("packet") or rng.choice(PACKETS)
    pkt = build(kind)
    view = fit(packet_view(pkt, kind), pkt)
    where = say("osi.quiz.where", packet=KINDS[kind])
    app_name = table("osi.quiz.app-names").get(kind) or say("core.byte-layer.application-data")
    return byte_layer_question(view, rng, where, app_name)
