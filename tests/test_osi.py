"""The layer inspector: fields from scapy's declarations, byte ranges that tile the packet,
and every output format of `netlearn osi`."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from netlearn.packets.build import KINDS, build
from netlearn.packets.fields import packet_view

KIND_LAYERS = {
    "http": ["Ether", "IP", "TCP", "Raw"],
    "dns": ["Ether", "IP", "UDP", "DNS"],
    "ping": ["Ether", "IP", "ICMP", "Raw"],
    "websocket": ["Ether", "IP", "TCP", "WebSocketFrame"],
}


def assert_tiles(layers: list[dict], size: int) -> None:
    position = 0
    for layer in layers:
        assert layer["start"] == position, layers
        assert layer["end"] > layer["start"]
        position = layer["end"]
    assert position == size


@pytest.mark.parametrize("kind", KINDS)
def test_layers_tile_the_packet_and_fields_fill_each_header(kind: str) -> None:
    view = packet_view(build(kind), kind)
    assert [x.name for x in view.layers] == KIND_LAYERS[kind]
    assert_tiles([{"start": x.start, "end": x.end} for x in view.layers], len(view.raw))
    for layer in view.layers:
        bits = sum(f.bits for f in layer.fields)
        assert bits == 8 * (layer.end - layer.start), (layer.name, bits)
        offsets = [f.bit_offset for f in layer.fields]
        assert offsets == sorted(offsets)


def test_field_values_come_from_the_real_bytes() -> None:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    view = packet_view(build("http"), "http")
    pkt = Ether(view.raw)
    fields = {(layer.name, f.name): f for layer in view.layers for f in layer.fields}
    assert fields[("IP", "ttl")].value == str(pkt[IP].ttl)
    assert fields[("IP", "chksum")].value == hex(pkt[IP].chksum)
    assert fields[("TCP", "dport")].value.startswith("8080")
    assert fields[("TCP", "flags")].value == "PA (0x18)"
    assert fields[("TCP", "flags")].bits == 9
    assert fields[("IP", "flags")].bits == 3
    # scapy agrees the checksums we show are right: recompute them and compare.
    again = Ether(view.raw)
    del again[IP].chksum, again[TCP].chksum
    assert Ether(bytes(again))[IP].chksum == pkt[IP].chksum
    assert Ether(bytes(again))[TCP].chksum == pkt[TCP].chksum
    assert view.raw[54:].startswith(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n")


def test_websocket_sample_is_rfc6455_masked_hello() -> None:
    view = packet_view(build("websocket"), "ws")
    frame = view.layers[-1]
    # RFC 6455 section 5.7: "A single-frame masked text message" containing "Hello".
    assert view.raw[frame.start :] == bytes.fromhex("818537fa213d7f9f4d5158")
    names = [(f.name, f.bits) for f in frame.fields]
    assert names[:7] == [
        ("fin", 1),
        ("rsv1", 1),
        ("rsv2", 1),
        ("rsv3", 1),
        ("opcode", 4),
        ("mask", 1),
        ("payload_len", 7),
    ]


def test_every_field_of_the_samples_has_a_meaning() -> None:
    for kind in KINDS:
        for layer in packet_view(build(kind), kind).layers:
            for f in layer.fields:
                assert f.meaning, f"{layer.name}.{f.name} has no meaning"


@pytest.mark.parametrize("kind", KINDS)
def test_json_reports_tiling_byte_ranges(run_cli, kind: str) -> None:
    result = run_cli("osi", "--packet", kind, "--format", "json")
    assert result.returncode == 0, result.stderr
    [event] = [json.loads(line) for line in result.stdout.splitlines()]
    assert event["type"] == "packet"
    raw = bytes.fromhex(event["raw"])
    assert_tiles(event["layers"], len(raw))
    assert [x["osi"] for x in event["layers"]][:2] == [2, 3]


def test_plain_output(run_cli) -> None:
    result = run_cli("osi", "--format", "plain")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Layer 4 Transport: TCP bytes 34-53 (20 bytes)" in out
    assert "ttl (8 bits) = 64" in out
    assert "\x1b[" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    dump = [x for x in out.splitlines() if re.match(r"^[0-9a-f]{4}  ", x)]
    # At 80 columns, 8 bytes a line, each line naming the headers its bytes belong to.
    assert dump[1].startswith("0008  00 00 00 00 08 00 45 00")
    assert dump[1].endswith("[Ether, IP]")
    assert sum(len(x.split("  ")[1].split()) for x in dump) == 133


def test_rich_output_fits_80_columns(run_cli) -> None:
    result = run_cli("osi", "--format", "rich", "--packet", "dns", env={"NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert max(len(x) for x in result.stdout.splitlines()) <= 80
    assert "OSI layer 7 (Application)" in result.stdout


def test_walk_wraps_then_unwraps(run_cli) -> None:
    result = run_cli("osi", "--walk", "--format", "json")
    events = [json.loads(x) for x in result.stdout.splitlines()]
    steps = [(e["direction"], e["layer"]["name"]) for e in events if e["type"] == "encapsulate"]
    assert steps == [
        ("wrap", "Raw"),
        ("wrap", "TCP"),
        ("wrap", "IP"),
        ("wrap", "Ether"),
        ("unwrap", "Ether"),
        ("unwrap", "IP"),
        ("unwrap", "TCP"),
        ("unwrap", "Raw"),
    ]
    wraps = [e for e in events if e["type"] == "encapsulate" and e["direction"] == "wrap"]
    assert [len(bytes.fromhex(e["pdu"])) for e in wraps] == [79, 99, 119, 133]


@pytest.mark.parametrize("suffix", [".svg", ".html", ".txt"])
def test_export(run_cli, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"scene{suffix}"
    result = run_cli("osi", "--packet", "ping", "--format", "plain", "--export", str(target))
    assert result.returncode == 0, result.stderr
    text = target.read_text()
    assert "echo-request" in text or "echo" in text
    if suffix == ".svg":
        assert text.lstrip().startswith("<svg")
    if suffix == ".html":
        assert "<html" in text.lower()


def test_export_to_a_bad_name_fails_before_running(run_cli, tmp_path: Path) -> None:
    result = run_cli("osi", "--export", str(tmp_path / "x.pdf"))
    assert result.returncode != 0 and result.stdout == ""
    assert "use a file ending in .svg, .html or .txt" in result.stderr


def test_pcap_packet_in_the_inspector(run_cli, tmp_path: Path) -> None:
    from scapy.utils import wrpcap

    path = tmp_path / "two.pcap"
    wrpcap(str(path), [build("dns"), build("ping")])
    result = run_cli("osi", "--pcap", str(path), "--index", "2", "--format", "json")
    assert result.returncode == 0, result.stderr
    [event] = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["name"] for x in event["layers"]] == ["Ether", "IP", "ICMP", "Raw"]
    assert_tiles(event["layers"], len(bytes.fromhex(event["raw"])))


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "not a readable pcap"),
        (b"not a capture file at all, sorry", "not a readable pcap"),
    ],
)
def test_broken_pcap_is_one_line(run_cli, tmp_path: Path, content: bytes, words: str) -> None:
    path = tmp_path / "bad.pcap"
    path.write_bytes(content)
    result = run_cli("osi", "--pcap", str(path))
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert words in result.stderr


def test_pcap_index_out_of_range_and_missing_file(run_cli, tmp_path: Path) -> None:
    from scapy.utils import wrpcap

    path = tmp_path / "one.pcap"
    wrpcap(str(path), [build("ping")])
    result = run_cli("osi", "--pcap", str(path), "--index", "5")
    assert result.returncode != 0 and "has 1 packets, not 5" in result.stderr
    missing = run_cli("osi", "--pcap", str(tmp_path / "nope.pcap"))
    assert missing.returncode != 0 and "no capture file" in missing.stderr


def test_truncated_pcap_is_one_line(run_cli, tmp_path: Path) -> None:
    from scapy.utils import wrpcap

    path = tmp_path / "cut.pcap"
    wrpcap(str(path), [build("http"), build("http")])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])
    result = run_cli("osi", "--pcap", str(path), "--index", "2")
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_packet_kind(run_cli) -> None:
    result = run_cli("osi", "--packet", "htp")
    assert result.returncode != 0
    assert "did you mean 'http'?" in result.stderr


def test_unwrap_names_the_field_that_says_what_is_inside() -> None:
    from netlearn.lessons.osi.scenes import unwrap

    steps = list(unwrap(None, "http"))  # type: ignore[arg-type]
    notes = [s.note for s in steps]  # type: ignore[attr-defined]
    assert notes[0] == "type = 0x0800 (IPv4): so the next header is IP"
    assert notes[1] == "proto = 6 (tcp): so the next header is TCP"
    assert notes[2].startswith("destination port 8080")
    assert [len(s.stack) for s in steps] == [3, 2, 1, 0]  # type: ignore[attr-defined]


# ---------------------------------------------------------------- words looked up by a computed key


def test_every_osi_layer_and_tcpip_layer_has_its_words() -> None:
    from netlearn.content.words import say
    from netlearn.packets.layers import LAYERS, TCPIP

    assert [la.number for la in LAYERS] == list(range(1, 8))
    for la in LAYERS:
        for field in ("name", "job", "unit", "protocols", "devices", "analogy", "tcpip"):
            assert say(f"glossary.layers.{la.number}.{field}") == getattr(la, field)
    assert [row[0] for row in TCPIP] == ["Application", "Transport", "Internet", "Link"]
    assert {la.tcpip for la in LAYERS} == {row[0] for row in TCPIP}


def test_every_layer_of_the_samples_has_a_glossary_and_a_unit() -> None:
    from netlearn.content.words import known, table
    from netlearn.packets.layers import osi_of
    from netlearn.packets.meanings import MEANINGS

    units = table("osi.scenes.units")
    for layers in KIND_LAYERS.values():
        for name in layers:
            assert known(f"glossary.fields.layers.{name}"), name
            assert name in units or str(osi_of(name)) in units, name
    assert set(MEANINGS) >= {n for layers in KIND_LAYERS.values() for n in layers}
    assert set(MEANINGS) >= {"Padding"}


def test_every_sample_packet_has_a_description_and_a_quiz_name() -> None:
    from netlearn.content.words import table
    from netlearn.lessons.osi.quiz import PACKETS
    from netlearn.packets.build import SAMPLES

    assert tuple(KINDS) == SAMPLES and all(KINDS.values())
    assert set(table("core.packets.samples")) == set(SAMPLES)
    assert set(table("osi.quiz.app-names")) == set(PACKETS)


def test_every_port_service_is_a_number() -> None:
    from netlearn.packets.meanings import SERVICES, service

    assert SERVICES[80] == "HTTP" and service(8080) == "http-alt (alternative HTTP)"
    assert service(9) is None and all(0 < port < 65536 for port in SERVICES)
