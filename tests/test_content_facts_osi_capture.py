"""Facts the OSI and capture lessons once got wrong (issue 12), each checked so it cannot return.

Each test reads the shipped text, or the real packets and the real BPF compiler, and fails on the
former error: field meanings fitted to the packet, the SYN options the simulation carried, the
checksums on loopback (tshark as the oracle), how ISNs are chosen, the BPF instruction count, how
`ss` reads the socket table, one name for one thing, terms defined where first used.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from netlearn.paths import assets_dir, lessons_dir
from tests.sharkd_client import sharkd

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
    from netlearn.packets.fields import packet_view
    from netlearn.packets.meanings import fit

    view = fit(packet_view(pkt, "t"), pkt)
    tcp = next(layer for layer in view.layers if layer.name == "TCP")
    return {f.name: f.meaning for f in tcp.fields}


# ---------------------------------------------------------------- field meanings (meanings.py)


def test_no_meaning_claims_a_port_of_its_own() -> None:
    from netlearn.packets.meanings import MEANINGS

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
    from netlearn.packets.build import build

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

    from netlearn.lessons.capture.quiz import field
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
    """Off a terminal each step's hints follow its body ('Hint: ...'; tone hint in JSON)."""
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


# ---------------------------------------------------------------- the capture lesson's facts


def _pseudo_header_sum(pkt) -> int:  # type: ignore[no-untyped-def]
    """The ones'-complement sum of the TCP pseudo-header alone, not complemented."""
    ip = pkt["IP"]
    words = [int(b, 16) for b in bytes(ip)[12:20].hex(" ", 2).split()]  # the two addresses
    total = sum(words) + int(ip.proto) + (int(ip.len) - 4 * int(ip.ihl))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def test_bundled_checksums_hold_the_partial_sum_as_the_quiz_says() -> None:
    packets = bundled_packets()
    assert len(packets) == 10
    for pkt in packets:  # the field holds the pseudo-header's sum: offload never finished it
        assert int(pkt["TCP"].chksum) == _pseudo_header_sum(pkt)
    quiz = text("capture", "quiz.toml")
    assert "receiving side sees correct checksums" not in quiz
    assert "partial sum" in quiz


# Checksums checked (tshark's `-o tcp.check_checksum:TRUE`); IP's too, as test_tcp_pcap's sharkd
# does, so one process serves both: IP's check does not change what TCP's status says.
CHECKSUMS = {"ip.check_checksum": "TRUE", "tcp.check_checksum": "TRUE"}


@pytest.mark.skipif(shutil.which("sharkd") is None, reason="sharkd is not installed")
def test_tshark_calls_every_bundled_checksum_incorrect() -> None:
    shark = sharkd(prefs=CHECKSUMS)
    shown = [values for _, values in shark.frames(PCAP, ["tcp.checksum.status:0"])]
    assert shown == [["Bad"]] * 10  # one status a frame, each Wireshark's PROTO_CHECKSUM_E_BAD
    assert [n for n, _ in shark.frames(PCAP, filter="tcp.checksum.status == 0")] == [*range(1, 11)]


def test_the_simulation_left_out_timestamps_and_window_scale_not_all_options() -> None:
    from netlearn.packets.tcp import SYN_OPTIONS

    names = {name for name, _ in SYN_OPTIONS}
    assert {"MSS", "SAckOK"} <= names and not names & {"Timestamp", "WScale"}
    lesson = text("capture")
    assert "left out the options in the SYNs" not in lesson
    assert re.search(r"left out[^.]*timestamps[^.]*window scal", lesson, re.S)


def test_isns_are_not_called_random() -> None:
    story = (Path(__file__).parents[1] / "lessons" / "capture" / "story.toml").read_text()
    for lesson in LESSONS:
        for source in (all_text(lesson), story):
            assert not re.search(r"random ISN|ISNs? (is|are) random|numbers are random", source)
    assert "keyed hash" in text("capture") and "seeded" in text("capture")


def test_bpf_instruction_counts_match_the_compiler() -> None:
    from netlearn.live import capture_bpf as bpf

    if not bpf.available():
        pytest.skip("libpcap is not installed")
    program = bpf.compile_filter("tcp port 8080")
    ours = bpf.drop_outgoing(program)
    lesson = text("capture")
    assert (len(program), len(ours)) == (20, 23)
    assert f"{len(program)} instructions from libpcap" in lesson
    assert f"{len(ours) - len(program)} of netlearn's" in lesson
    assert "puts two instructions in front" not in lesson


def test_ss_reads_netlink_not_proc() -> None:
    for lesson in LESSONS:
        body = all_text(lesson)
        assert not re.search(r"/proc/net/tcp[^.]*which `ss", body)
        assert not re.search(r"`ss[^`]*`[^.]*\(or `/proc/net/tcp`, which it reads\)", body)
    assert "netlink" in text("capture")


# ---------------------------------------------------------------- one name, defined terms, steps


def test_one_name_for_the_synack_and_for_ae() -> None:
    story = (Path(__file__).parents[1] / "lessons" / "capture" / "story.toml").read_text()
    for source in (*(all_text(lesson) for lesson in LESSONS), story):
        assert "SYN,ACK" not in source
    assert "**AE**" in text("osi") and "NS (historic)" not in text("osi")


def test_terms_are_defined_where_first_used() -> None:
    for lesson in LESSONS:
        body = text(lesson)
        for term, words in (("MSL", "maximum segment lifetime"), ("TCB", "control block")):
            at = body.find(term)
            if at >= 0:  # the definition sits in the same paragraph as the first use
                para = body[body.rfind("\n\n", 0, at) + 1 : body.find("\n\n", at)]
                assert words in para.lower(), (lesson, term)
    assert "**PDU**" in text("osi") and "protocol data unit" in text("osi")


def test_no_text_points_at_notes_the_learner_never_read() -> None:
    for lesson in LESSONS:
        body = text(lesson).lower()
        for phrase in ("notes this course", "the notes'", "tutorials'"):
            assert phrase not in body, (lesson, phrase)


def test_step_ids_the_progress_store_knows_are_kept() -> None:
    from netlearn.content.lesson import parse

    kept = {
        "osi": ["why-layers", "seven-layers", "physical-data-link", "network", "transport",
                "session-presentation", "application", "tcp-ip-model", "encapsulation",
                "inspector", "unwrapping", "udp-dns", "icmp-ping", "seven-layers-answer"],
        "capture": ["why-capture", "loopback", "privileges", "filters", "each-once",
                    "real-handshake", "options", "relative-numbers", "time-wait", "pcap-files",
                    "tools", "bundled"],
    }  # fmt: skip
    for lesson, ids in kept.items():
        have = [s.id for s in parse(lessons_dir() / lesson / "lesson.md").steps]
        assert set(ids) <= set(have), set(ids) - set(have)


def test_no_steps_prose_is_longer_than_two_screens() -> None:
    """The words of each step (scenes aside) fit in 2 x 24 lines at 80 columns."""
    from netlearn.content.lesson import SceneRef, parse
    from netlearn.render.registry import wrap_markdown

    for lesson in LESSONS:
        for step in parse(lessons_dir() / lesson / "lesson.md").steps:
            lines = sum(
                len(wrap_markdown(b.markdown, 80)) + 1
                for b in step.blocks
                if not isinstance(b, SceneRef)
            )
            assert lines <= 48, (lesson, step.id, lines)
