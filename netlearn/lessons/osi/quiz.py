"""OSI questions on the inspector's own sample packets: which layer owns a highlighted byte."""

from __future__ import annotations

import random

from netlearn.content.words import say, table
from netlearn.quiz.generators.common import (
    byte_layer_question,
)
from netlearn.quiz.model import Asked, Question

# The ping sample's echo data is part of the ICMP message, which the dissector files under
# application data; so the quiz uses the packets whose every layer is unambiguous.
PACKETS = ("http", "dns", "websocket")


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
