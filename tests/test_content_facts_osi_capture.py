"""Facts the OSI and capture lessons once got wrong (issue 12), each checked so it cannot return.

Each test reads the shipped text, or the real packets and the real BPF compiler, and fails on the
former error: field meanings fitted to the packet, the SYN options the simulation carried, the
checksums on loopback (tshark as the oracle), how ISNs are chosen, the BPF instruction count, how
`ss` reads the socket table, one name for one thing, terms defined where first used.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from netlearn.paths import assets_dir, lessons_dir

LESSONS = ("osi", "capture")
PCAP = assets_dir() / "pcaps" / "loopback-tcp.pcap"


def text(lesson: str, name: str = "lesson.md") -> str:
    return (lessons_dir() / lesson / name).read_text(encoding="utf-8")


def all_text(lesson: str) -> str:
    return text(lesson) + "\n" + text(lesson, "quiz.toml")


def bundled_packets() -> list:
    import scapy.layers.inet  # noqa: F401
    import scapy.layers.l2  # noqa: F401
    from scapy.utils import rdpcap

    return list(rdpcap(str(PCAP)))


def tcp_meanings(pkt) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from netlearn.osi.dissect import packet_view
    from netlearn.osi.meanings import fit

    view = fit(packet_view(pkt, "t"), pkt)
    tcp = next(layer for layer in view.layers if layer.name == "TCP")
    return {f.name: f.meaning for f in tcp.fields}


# ---------------------------------------------------------------- field meanings (meanings.py)


def test_no_meaning_claims_a_port_of_its_own() -> None:
    from netlearn.osi.meanings import MEANINGS

    for layer, fields in MEANINGS.items():
        for name in ("sport", "dport"):
            assert not re.search(r"\d{2,}", fields.get(name, "")), (layer, name)


def test_dport_meaning_uses_the_packets_own_port() -> None:
    packets = bundled_packets()
    syn = tcp_meanings(packets[0])
    assert "44051" in syn["dport"] and "8080" not in syn["dport"]
    assert "server" in syn["dport"] and "chose" in syn["dport"]  # not a well-known port
    synack = tcp_meanings(packets[1])
    assert "56634" in synack["dport"] and "client" in synack["dport"]


def test_dport_meaning_names_a_registered_service() -> None:
    from netlearn.osi.build import build

    meanings = tcp_meanings(build("http"))
    assert "8080" in meanings["dport"] and "http-alt" in meanings["dport"]


def test_seq_meaning_depends_on_the_syn_flag() -> None:
    packets = bundled_packets()
    syn = tcp_meanings(packets[0])["seq"]
    assert "ISN" in syn and "first data byte" not in syn.split(":")[0]
    assert str(int(packets[0]["TCP"].seq) + 1) in syn  # data starts at ISN + 1
    data = tcp_meanings(packets[3])["seq"]  # the client's 14 bytes
    assert "first data byte" in data and "ISN" not in data
    assert "unused" in tcp_meanings(packets[0])["ack"]  # a first SYN acknowledges nothing


def test_the_capture_lessons_inspector_never_says_8080_next_to_another_port() -> None:
    from netlearn.env import Env
    from netlearn.events import PacketView
    from netlearn.scenes import play

    env = Env.build("json")
    for n in ("1", "2", "4"):
        for event in play("capture.packet", env, {"n": n}):
            if not isinstance(event, PacketView):
                continue
            tcp = next(layer for layer in event.layers if layer.name == "TCP")
            for f in tcp.fields:
                assert "8080" not in f.meaning, (n, f.name, f.meaning)
                if f.name == "seq" and n in ("1", "2"):  # a SYN's seq is its ISN
                    assert "ISN" in f.meaning, f.meaning


def test_generated_capture_questions_explain_with_the_packets_port() -> None:
    import random

    from netlearn.quiz.generators.capture import field
    from netlearn.quiz.model import Question

    q = Question(
        id="t", lesson="capture", kind="capture", step="s", path=Path("x"), line=1,
        params={"pcap": "pcaps/loopback-tcp.pcap"},
    )  # fmt: skip
    seen = 0
    for seed in range(200):
        asked = field(random.Random(seed), q)
        if "TCP destination port" in asked.prompt:
            seen += 1
            assert "8080" not in asked.explanation
    assert seen  # the loop did ask about the destination port


# ---------------------------------------------------------------- hints off a terminal (engine)


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_hints_are_printed_where_nobody_can_press_h(tmp_path: Path, fmt: str) -> None:
    """Off a terminal every step's hints follow its body ('Hint: ...' in plain, tone hint in JSON)."""
    import io
    import json

    from netlearn.content.lesson import parse
    from netlearn.content.manifest import load
    from netlearn.env import Env
    from netlearn.render import make_renderer
    from netlearn.runner.player import Player

    info = next(i for i in load(lessons_dir()) if i.id == "osi")
    lesson = parse(info.path)
    out = io.StringIO()
    env = Env.build(fmt, stdout=out, width=80, data_dir=tmp_path)
    Player(env, info, lesson, make_renderer(env), None).run()
    printed = out.getvalue()
    hints = [h for s in lesson.steps for h in s.hints]
    assert hints
    if fmt == "json":
        shown = [
            e["text"] for e in map(json.loads, printed.splitlines()) if e.get("tone") == "hint"
        ]
        assert shown == hints
    else:
        assert printed.count("Hint: ") == len(hints)
