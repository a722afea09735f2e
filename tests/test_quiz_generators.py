"""Generated questions, checked against the packets they were made from, read independently:
by Wireshark's engine (TCP, captures; sharkd: tests/sharkd_client.py), by wsproto (WebSocket
accept values and frames), by header lengths (which layer a byte belongs to)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from netlearn.quiz.ask import ask
from netlearn.quiz.model import Asked, Question, QuestionUnavailable
from netlearn.quiz.scoring import right_answer, score
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd")

MOD = 2**32


def gen(name: str, seed: int, **params: str) -> Asked:
    kind = "capture" if name.startswith("capture.") else "generated"
    q = Question(
        id=f"t-{name}",
        lesson="l",
        kind=kind,
        step="s",
        path=Path("x"),
        line=1,
        generator=name,
        params=dict(params),
    )
    return ask(q, random.Random(seed))


def tshark(pcap: Path, *fields: str) -> list[list[str]]:
    """Wireshark's own reading of a capture (as `tshark -o tcp.relative_sequence_numbers:FALSE
    -T fields`): one list of field values per packet, all occurrences comma-separated, empty
    where absent. tcp.flags reads as hex (`0x012` where tshark printed `0x0012`)."""
    shark = sharkd(prefs={"tcp.relative_sequence_numbers": "FALSE"})
    return [values for _, values in shark.frames(pcap, [f"{f}:0" for f in fields])]


def write_pcap(path: Path, packets: tuple[bytes, ...]) -> Path:
    from scapy.layers.l2 import Ether
    from scapy.utils import wrpcap

    wrpcap(str(path), [Ether(p) for p in packets])
    return path


def test_a_generated_question_repeats_with_its_seed_and_varies_without() -> None:
    a, b, c = gen("tcp.synack_ack", 5), gen("tcp.synack_ack", 5), gen("tcp.synack_ack", 6)
    assert a == b
    assert a.accepted != c.accepted


def test_synack_ack_is_the_syn_seq_plus_one_as_tshark_reads_the_packets(tmp_path: Path) -> None:
    questions = [gen("tcp.synack_ack", seed) for seed in range(40)]
    pcap = write_pcap(tmp_path / "q.pcap", tuple(p for q in questions for p in q.packets))
    rows = tshark(pcap, "tcp.seq_raw", "tcp.flags", "tcp.ack_raw")
    wrapped = False
    for asked, (syn, synack) in zip(
        questions, zip(rows[::2], rows[1::2], strict=True), strict=True
    ):
        (syn_seq, syn_flags, _), (_, sa_flags, sa_ack) = syn, synack
        assert int(syn_flags, 16) == 0x02 and int(sa_flags, 16) == 0x12  # SYN, then SYN+ACK
        assert asked.accepted == (sa_ack,)
        assert int(sa_ack) == (int(syn_seq) + 1) % MOD
        assert f"seq {syn_seq}," in asked.exhibit[1]  # the learner sees the SYN's real seq
        assert score(asked, sa_ack).correct and not score(asked, syn_seq).correct
        wrapped |= int(sa_ack) < int(syn_seq)
    # One seed in forty at least lands on the 2**32 wrap-around; the rule still holds there.
    assert wrapped


def test_next_ack_is_seq_plus_payload_length_as_tshark_reads_it(tmp_path: Path) -> None:
    questions = [gen("tcp.next_ack", seed) for seed in range(40)]
    pcap = write_pcap(tmp_path / "q.pcap", tuple(p for q in questions for p in q.packets))
    rows = tshark(pcap, "tcp.seq_raw", "tcp.len", "tcp.ack_raw")
    wrapped = False
    for asked, data, reply in zip(questions, rows[::2], rows[1::2], strict=True):
        (seq, length, _), ack = data, reply[2]
        assert int(ack) == (int(seq) + int(length)) % MOD
        assert asked.accepted == (ack,)
        assert f"sequence number {seq}, carrying {length} bytes" in asked.prompt
        wrapped |= int(ack) < int(seq)
    assert wrapped


# What RFC 9293 section 3.10.7 says the reply carries, by the situation's wording (the more
# specific wording first: "Nothing is listening" also contains "is listening").
EXPECTED_REPLY = {
    "Nothing is listening": "RA",
    "is listening": "SA",
    "is in SYN-SENT": "A",
    "data segment arrives": "A",
    "closes its side": "A",
    "no memory of this connection": "R",
}
NAMES = {"S": "SYN", "A": "ACK", "F": "FIN", "R": "RST", "P": "PSH"}


def test_reply_flags_follow_rfc_9293_in_every_situation(tmp_path: Path) -> None:
    from scapy.layers.inet import TCP
    from scapy.layers.l2 import Ether

    seen: set[str] = set()
    questions = [gen("tcp.reply_flags", seed) for seed in range(60)]
    for asked in questions:
        situation = next(k for k in EXPECTED_REPLY if k in asked.prompt)
        seen.add(situation)
        incoming, reply = (Ether(p)[TCP] for p in asked.packets)
        assert str(reply.flags) == EXPECTED_REPLY[situation]
        want = {NAMES[f] for f in EXPECTED_REPLY[situation]}
        assert {asked.choices[i] for i in asked.correct} == want
        # Each reply acknowledges what it must (or, a bare RST, takes its seq from SEG.ACK).
        length = len(bytes(incoming.payload))
        if str(reply.flags) == "R":
            assert reply.seq == incoming.ack
        else:
            used = length + (1 if incoming.flags.S or incoming.flags.F else 0)
            assert reply.ack == (incoming.seq + used) % MOD
        if situation == "Nothing is listening":
            assert reply.seq == 0
        assert score(asked, right_answer(asked)).correct
    assert seen == set(EXPECTED_REPLY)
    # tshark reads the same flags as scapy from every packet.
    pcap = write_pcap(tmp_path / "q.pcap", tuple(p for q in questions for p in q.packets))
    flags = [int(r[0], 16) for r in tshark(pcap, "tcp.flags")]
    assert flags == [int(Ether(p)[TCP].flags) for q in questions for p in q.packets]


def _header_of_offset(raw: bytes, offset: int) -> str:
    """Which header holds a byte, from the lengths the headers state (not from the dissector)."""
    ihl = (raw[14] & 0x0F) * 4
    proto = raw[23]
    l4 = 14 + ihl
    l4_len = (raw[l4 + 12] >> 4) * 4 if proto == 6 else 8
    if offset < 14:
        return "Ethernet"
    if offset < l4:
        return "IPv4"
    if offset < l4 + l4_len:
        return "TCP" if proto == 6 else "UDP"
    return "Application"


def test_hex_layer_names_the_header_the_byte_is_in() -> None:
    kinds = set()
    for seed in range(60):
        asked = gen("osi.hex_layer", seed)
        raw = asked.packets[0]
        kinds.add(raw[23])
        offset = asked.highlight
        assert asked.hexdump[offset] == raw[offset]  # the marked byte is the packet's
        assert f"offset {offset} " in asked.prompt
        right = asked.choices[asked.correct[0]]
        expected = _header_of_offset(raw, offset)
        assert expected in right, (expected, right)
    assert kinds == {6, 17}  # TCP and UDP packets both came up


def test_hex_layer_with_a_packet_param_uses_that_packet() -> None:
    for seed in range(10):
        asked = gen("osi.hex_layer", seed, packet="dns")
        assert asked.packets[0][23] == 17
        assert "Layer 7 Application: DNS message" in asked.choices


def test_ws_accept_matches_the_rfc_vector_and_wsproto() -> None:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request
    from wsproto.utilities import generate_accept_token

    from netlearn.lessons.websocket.quiz import accept_for

    # RFC 6455 section 1.3's own example.
    assert accept_for("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    for seed in range(10):
        asked = gen("ws.accept", seed)
        key = next(h.split(": ")[1] for h in asked.exhibit if h.startswith("Sec-WebSocket-Key"))
        right = asked.choices[asked.correct[0]]
        assert right == generate_accept_token(key.encode()).decode()
        assert len(set(asked.choices)) == 4
        # A real wsproto server, fed the request bytes of the question, sends that value.
        server = WSConnection(ConnectionType.SERVER)
        server.receive_data(asked.packets[0])
        (event,) = list(server.events())
        assert isinstance(event, Request)
        response = server.send(AcceptConnection())
        assert f"sec-websocket-accept: {right}".encode() in response.lower().replace(
            right.lower().encode(), right.encode()
        )


def test_ws_frame_opcode_and_length_match_wsproto_parsing_the_frame() -> None:
    from wsproto.frame_protocol import FrameProtocol

    sizes = set()
    for seed in range(40):
        asked = gen("ws.frame", seed)
        raw = asked.packets[0]
        masked = bool(raw[1] & 0x80)
        # A server-side parser takes masked (client) frames; a client-side one, unmasked.
        parser = FrameProtocol(client=not masked, extensions=[])
        parser.receive_bytes(raw)
        frame = next(iter(parser.received_frames()))
        want = f"opcode 0x{int(frame.opcode):x}), payload {len(frame.payload)} bytes"
        if frame.opcode.name == "CLOSE":
            want = f"opcode 0x8), payload {len(raw) - (6 if masked else 2)} bytes"
        right = asked.choices[asked.correct[0]]
        assert right.endswith(want), (right, want)
        assert asked.hexdump == raw[: len(asked.hexdump)]
        sizes.add(raw[1] & 0x7F if raw[1] & 0x7F >= 126 else 0)
    assert sizes == {0, 126, 127}  # 7-bit, 16-bit and 64-bit lengths all came up


def make_capture(path: Path) -> Path:
    """A small real-looking loopback capture: handshake, request, reply, close."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw
    from scapy.utils import wrpcap

    c, s = ("127.0.0.1", 43210), ("127.0.0.1", 8765)

    def seg(src, dst, flags, seq, ack, data=b""):  # type: ignore[no-untyped-def]
        pkt = (
            Ether(src="00:00:00:00:00:00", dst="00:00:00:00:00:00")
            / IP(src=src[0], dst=dst[0], ttl=64, flags="DF")
            / TCP(sport=src[1], dport=dst[1], flags=flags, seq=seq, ack=ack, window=512)
        )
        return pkt / Raw(data) if data else pkt

    a, b = 1_000_000, 3_000_000_000
    packets = [
        seg(c, s, "S", a, 0),
        seg(s, c, "SA", b, a + 1),
        seg(c, s, "A", a + 1, b + 1),
        seg(c, s, "PA", a + 1, b + 1, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
        seg(s, c, "A", b + 1, a + 28),
        seg(s, c, "PA", b + 1, a + 28, b"HTTP/1.1 200 OK\r\n\r\n"),
        seg(c, s, "FA", a + 28, b + 20),
        seg(s, c, "FA", b + 20, a + 29),
        seg(c, s, "A", a + 29, b + 21),
    ]
    wrpcap(str(path), packets)
    return path


TSHARK_FIELD = {
    "TCP source port": "tcp.srcport",
    "TCP destination port": "tcp.dstport",
    "TCP window": "tcp.window_size_value",
    "TCP sequence number": "tcp.seq_raw",
    "time to live": "ip.ttl",
    "IP total length": "ip.len",
}


def test_capture_field_answers_agree_with_tshark(tmp_path: Path) -> None:
    pcap = make_capture(tmp_path / "c.pcap")
    fields = list(TSHARK_FIELD.values())
    table = tshark(pcap, *fields)  # one row per frame, frame 1 first
    asked_about = set()
    for seed in range(40):
        asked = gen("capture.field", seed, pcap=str(pcap))
        frame = int(re.search(r"Packet (\d+) of the capture", asked.prompt).group(1))  # type: ignore[union-attr]
        field = next(f for said, f in TSHARK_FIELD.items() if said in asked.prompt)
        asked_about.add(field)
        value = table[frame - 1][fields.index(field)]
        assert asked.accepted == (value,), (asked.prompt, value)
    assert asked_about == set(fields)


def test_capture_flags_agree_with_tshark(tmp_path: Path) -> None:
    pcap = make_capture(tmp_path / "c.pcap")
    table = tshark(pcap, "tcp.flags")
    bits = {"SYN": 0x02, "ACK": 0x10, "FIN": 0x01, "RST": 0x04, "PSH": 0x08}
    for seed in range(20):
        asked = gen("capture.flags", seed, pcap=str(pcap))
        frame = int(re.search(r"Packet (\d+) of", asked.prompt).group(1))  # type: ignore[union-attr]
        flags = int(table[frame - 1][0], 16)
        want = {name for name, bit in bits.items() if flags & bit}
        assert {asked.choices[i] for i in asked.correct} == want
        assert asked.hexdump[asked.highlight] == flags & 0xFF


def test_capture_layer_names_the_header_the_byte_is_in(tmp_path: Path) -> None:
    pcap = make_capture(tmp_path / "c.pcap")
    for seed in range(20):
        asked = gen("capture.layer", seed, pcap=str(pcap))
        expected = _header_of_offset(asked.packets[0], asked.highlight)
        assert (
            expected.replace("Application", "application data") in asked.choices[asked.correct[0]]
        )


def test_capture_questions_without_a_capture_are_skipped_not_crashed(tmp_path: Path) -> None:
    with pytest.raises(QuestionUnavailable):
        gen("capture.field", 1, pcap=str(tmp_path / "missing.pcap"))


def test_socketio_packet_meanings_follow_the_protocol_specs() -> None:
    """Read each packet by the specs' grammar and check the right choice says the same."""
    import json

    grammar = re.compile(r"^4(?P<type>\d)(?P<ns>/[^,]*,)?(?P<ack>\d*)(?P<json>.*)$")
    seen = set()
    for seed in range(80):
        asked = gen("sio.packet", seed)
        text = asked.packets[0].decode()
        right = asked.choices[asked.correct[0]]
        assert text in asked.exhibit[0]
        if text in ("2", "3"):  # Engine.IO ping and pong carry no data here
            seen.add(text)
            assert ("ping" if text == "2" else "pong") in right.split(":")[0]
            continue
        m = grammar.match(text)
        assert m, text
        kind, ns, ack, body = m["type"], m["ns"], m["ack"], m["json"]
        seen.add(kind + ("n" if ns else "") + ("a" if ack else "") + ("d" if body else ""))
        if kind == "2":  # EVENT: ["name", args...]
            name = json.loads(body)[0]
            assert f"EVENT named {name!r}" in right
            assert (f"ack id {ack}" in right) if ack else ("no reply asked" in right)
        elif kind == "3":  # ACK
            assert f"ACK) of the event numbered {ack}" in right
        elif kind == "0":  # CONNECT
            if ns:
                assert f"'{ns[:-1]}'" in right and "join" in right
            elif body:
                assert "sid" in json.loads(body) and "accepting" in right
            else:
                assert "join the main namespace" in right
        else:
            assert kind == "1" and "DISCONNECT" in right
        assert asked.explanation.startswith("The first digit, 4, is the Engine.IO packet type")
    # every kind of packet came up: ping, pong, event with and without ack, ack, the connects
    assert seen == {"2", "3", "2d", "2ad", "3ad", "0", "0d", "0n", "1"}


def test_the_shipped_capture_questions_read_the_bundled_capture_as_tshark_does() -> None:
    from netlearn.paths import assets_dir
    from netlearn.quiz.bank import load_all

    questions, _ = load_all()
    by_id = {q.id: q for q in questions}
    pcap = assets_dir() / by_id["cap-gen-field"].params["pcap"]
    fields = list(TSHARK_FIELD.values())
    table = tshark(pcap, *fields, "tcp.flags")
    assert len(table) >= 10
    for seed in range(30):
        asked = ask(by_id["cap-gen-field"], random.Random(seed))
        frame = int(re.search(r"Packet (\d+) of the capture", asked.prompt).group(1))  # type: ignore[union-attr]
        field = next(f for said, f in TSHARK_FIELD.items() if said in asked.prompt)
        assert asked.accepted == (table[frame - 1][fields.index(field)],)
        asked = ask(by_id["cap-gen-flags"], random.Random(seed))
        frame = int(re.search(r"Packet (\d+) of", asked.prompt).group(1))  # type: ignore[union-attr]
        flags = int(table[frame - 1][-1], 16)
        names = {"SYN": 0x02, "ACK": 0x10, "FIN": 0x01, "RST": 0x04, "PSH": 0x08}
        assert {asked.choices[i] for i in asked.correct} == {
            n for n, bit in names.items() if flags & bit
        }
        asked = ask(by_id["cap-gen-layer"], random.Random(seed))
        expected = _header_of_offset(asked.packets[0], asked.highlight)
        right = asked.choices[asked.correct[0]]
        assert expected.replace("Application", "application data") in right
