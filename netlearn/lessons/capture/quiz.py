"""'Read the capture' questions: a packet of a real capture, shown as bytes, and a question about
it. The answers are read from the packet by scapy's dissectors (and the tests check them against
tshark's), so they hold for whatever capture is bundled in `assets/pcaps/`."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from netlearn.content.words import say, table
from netlearn.events import FieldInfo, LayerInfo, PacketView
from netlearn.quiz.generators.common import (
    FLAG_BITS,
    FLAG_CHOICES,
    byte_layer_question,
    flag_names,
    hexdump_cut,
    make,
    tcpdump_flags,
    tiling,
)
from netlearn.quiz.model import Asked, Question, QuestionUnavailable

if TYPE_CHECKING:
    from scapy.packet import Packet

PCAP_SUFFIXES = (".pcap", ".pcapng", ".cap")


def capture_path(question: Question) -> Path:
    """The question's `pcap` param (relative to the assets folder), else the first bundled one."""
    from netlearn.paths import assets_dir

    name = question.params.get("pcap")
    if name:
        path = assets_dir() / name
        if not path.is_file():
            raise QuestionUnavailable(
                say("capture.quiz.missing", name=repr(name), folder=assets_dir())
            )
        return path
    folder = assets_dir() / "pcaps"
    found = sorted(p for p in folder.glob("*") if p.suffix.lower() in PCAP_SUFFIXES)
    if not found:
        raise QuestionUnavailable(say("capture.quiz.none-bundled", folder=folder))
    return found[0]


@dataclass(frozen=True)
class Captured:
    path: Path
    number: int  # 1-based, as Wireshark and tshark count
    total: int
    packet: Packet
    view: PacketView


def pick_tcp_packet(rng: random.Random, question: Question) -> Captured:
    """A TCP/IPv4 packet of the capture, chosen with the quiz's random generator."""
    from scapy.layers.inet import IP, TCP
    from scapy.utils import PcapReader

    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    path = capture_path(question)
    try:
        with PcapReader(str(path)) as reader:  # type: ignore[no-untyped-call]
            packets = list(reader)
    except Exception as exc:  # a broken file must not crash a quiz: skip the question
        raise QuestionUnavailable(
            say("capture.quiz.unreadable", name=path.name, error=exc)
        ) from None
    eligible = [i for i, p in enumerate(packets) if IP in p and TCP in p]
    if not eligible:
        raise QuestionUnavailable(say("capture.quiz.no-tcp", name=path.name))
    index = rng.choice(eligible)
    pkt = packets[index]
    view = fit(packet_view(pkt, f"{path.name} #{index + 1}", source=f"{path}#{index + 1}"), pkt)
    return Captured(path, index + 1, len(packets), pkt, view)


def _where(c: Captured) -> str:
    return say("capture.quiz.where", n=c.number, name=c.path.name, size=len(c.view.raw))


def _layer(view: PacketView, name: str) -> LayerInfo:
    return next(layer for layer in view.layers if layer.name == name)


def _field(layer: LayerInfo, name: str) -> FieldInfo:
    return next(f for f in layer.fields if f.name == name)


# (layer, field): how a question names each is in lessons/capture/words.toml (`quiz.fields`).
FIELDS: tuple[tuple[str, str], ...] = (
    ("TCP", "sport"),
    ("TCP", "dport"),
    ("TCP", "window"),
    ("TCP", "seq"),
    ("IP", "ttl"),
    ("IP", "len"),
)


def field(rng: random.Random, question: Question) -> Asked:
    """Read one header field's value off the bytes of a captured packet."""
    c = pick_tcp_packet(rng, question)
    layer_name, field_name = rng.choice(FIELDS)
    said = table("capture.quiz.fields")[f"{layer_name}.{field_name}"]
    layer = _layer(c.view, layer_name)
    fi = _field(layer, field_name)
    first = layer.start + fi.bit_offset // 8
    size = fi.bits // 8
    data = c.view.raw[first : first + size]
    value = int.from_bytes(data, "big")
    return make(
        "fill",
        say("capture.quiz.field-prompt", where=_where(c), said=said),
        say(
            "capture.quiz.field-explanation",
            tiling=tiling(c.view.layers),
            field=field_name,
            first=fi.bit_offset // 8,
            last=fi.bit_offset // 8 + size - 1,
            layer=layer.long_name,
            start=first,
            end=first + size - 1,
            hex=data.hex(),
            value=value,
            meaning=fi.meaning or field_name,
        ),
        accepted=(str(value),),
        numeric=True,
        hexdump=hexdump_cut(c.view.raw, layer.end - 1),
        packets=(c.view.raw,),
    )


def flags(rng: random.Random, question: Question) -> Asked:
    """Decode the TCP flags byte of a captured packet."""
    c = pick_tcp_packet(rng, question)
    tcp = _layer(c.view, "TCP")
    offset = tcp.start + 13
    byte = c.view.raw[offset]
    set_flags = "".join(code for code, bit in FLAG_BITS.items() if byte & bit)
    correct = tuple(i for i, (code, _) in enumerate(FLAG_CHOICES) if code in set_flags)
    bits = " + ".join(
        f"{name} (0x{FLAG_BITS[code]:02x})"
        for code, name in sorted(FLAG_CHOICES, key=lambda c: FLAG_BITS[c[0]])
        if code in set_flags
    )
    return make(
        "multi",
        say("capture.quiz.flags-prompt", where=_where(c)),
        say(
            "capture.quiz.flags-explanation",
            start=tcp.start,
            tiling=tiling(c.view.layers),
            byte=byte,
            flags=bits or flag_names(set_flags),
            tcpdump=tcpdump_flags(set_flags),
        ),
        choices=tuple(name for _, name in FLAG_CHOICES),
        correct=correct,
        hexdump=hexdump_cut(c.view.raw, offset),
        highlight=offset,
        packets=(c.view.raw,),
    )


def layer(rng: random.Random, question: Question) -> Asked:
    """Which header a highlighted byte of a captured packet belongs to."""
    c = pick_tcp_packet(rng, question)
    return byte_layer_question(c.view, rng, _where(c))
