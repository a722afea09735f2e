"""Frames: the RFC 6455 section 5.7 examples, bit layout from scapy, the `frame HEX` command."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable

import pytest

from netlearn.lessons.websocket.explain import RFC_EXAMPLES, explain
from netlearn.lessons.websocket.frames import (
    OPNAMES,
    frame_event,
    parse_head,
    parse_hex,
    split_frames,
    xor_mask,
)
from netlearn.lessons.websocket.render import field_value, wire_bits
from netlearn.packets.websocket import OPCODES, WebSocketFrame, ws_frame

Run = Callable[..., subprocess.CompletedProcess[str]]

# RFC 6455 section 5.7, byte for byte.
HELLO = bytes([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
MASKED_HELLO = bytes([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
HEL, LO = bytes([0x01, 0x03, 0x48, 0x65, 0x6C]), bytes([0x80, 0x02, 0x6C, 0x6F])
PING = bytes([0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
PONG = bytes([0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
BIN256_HEAD = bytes([0x82, 0x7E, 0x01, 0x00])
BIN64K_HEAD = bytes([0x82, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0])


def test_opcode_tables_agree() -> None:
    assert OPNAMES == OPCODES


@pytest.mark.parametrize(
    ("raw", "opcode", "fin", "masked", "payload"),
    [
        (HELLO, 1, True, False, b"Hello"),
        (MASKED_HELLO, 1, True, True, b"Hello"),
        (HEL, 1, False, False, b"Hel"),
        (LO, 0, True, False, b"lo"),
        (PING, 9, True, False, b"Hello"),
        (PONG, 10, True, True, b"Hello"),
        (BIN256_HEAD + bytes(range(256)), 2, True, False, bytes(range(256))),
        (BIN64K_HEAD + b"\xab" * 65536, 2, True, False, b"\xab" * 65536),
    ],
)
def test_rfc_5_7_examples_decode_exactly(
    raw: bytes, opcode: int, fin: bool, masked: bool, payload: bytes
) -> None:
    head = parse_head(raw)
    assert head is not None and head.total == len(raw)
    event = frame_event(raw)
    assert (event.opcode, event.fin, event.masked, event.payload) == (opcode, fin, masked, payload)
    assert event.length == len(payload)
    # scapy reads the same frame the same way.
    pkt = WebSocketFrame(raw)
    assert pkt.length() == len(payload) and pkt.unmasked() == payload


def test_masking_key_and_xor_of_the_masked_example() -> None:
    event = frame_event(MASKED_HELLO)
    assert event.masking_key == bytes.fromhex("37fa213d")
    assert xor_mask(MASKED_HELLO[6:], event.masking_key) == b"Hello"
    # scapy's builder masks the same way (ws_frame is used by `netlearn osi --packet websocket`).
    assert bytes(ws_frame(b"Hello", masking_key=bytes.fromhex("37fa213d"))) == MASKED_HELLO


def test_bit_layout_comes_from_fields_desc() -> None:
    event = frame_event(BIN256_HEAD + bytes(256))
    names = [f.name for f in event.fields]
    assert names == ["fin", "rsv1", "rsv2", "rsv3", "opcode", "mask", "payload_len", "ext_len16"]
    offsets = {f.name: (f.bit_offset, f.bits) for f in event.fields}
    assert offsets["opcode"] == (4, 4)
    assert offsets["payload_len"] == (9, 7)
    assert offsets["ext_len16"] == (16, 16)
    by_name = {f.name: f for f in event.fields}
    assert wire_bits(event.raw, by_name["opcode"]) == "0010"
    assert wire_bits(event.raw, by_name["payload_len"]) == "1111110"  # 126
    assert field_value(event.raw, by_name["ext_len16"]) == "0000000100000000 = 256"
    masked = frame_event(MASKED_HELLO)
    key = next(f for f in masked.fields if f.name == "masking_key")
    assert (key.bit_offset, key.bits) == (16, 32)
    assert field_value(masked.raw, key) == "37 fa 21 3d"
    big = frame_event(BIN64K_HEAD + bytes(65536))
    ext = next(f for f in big.fields if f.name == "ext_len64")
    assert (ext.bit_offset, ext.bits) == (16, 64)


def test_fragmented_example_reassembles(make_env: Callable[..., object]) -> None:
    env, _ = make_env("plain")  # type: ignore[misc]
    events = list(explain(env, RFC_EXAMPLES["fragmented"]))  # type: ignore[arg-type]
    notes = " ".join(getattr(e, "text", "") for e in events)
    assert 'form one text message: "Hello"' in notes
    frames = [e for e in events if e.kind == "ws-frame"]
    assert [f.raw for f in frames] == [HEL, LO]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("81 05 48 65 6c 6c 6f", HELLO),
        ("0x81 0x05 0x48 0x65 0x6c 0x6c 0x6f", HELLO),
        ("81:05:48:65:6C:6C:6F", HELLO),
        ("8105486c6c6f", bytes.fromhex("8105486c6c6f")),
        ("0x82 0x7E 0x0100", BIN256_HEAD),
    ],
)
def test_hex_as_people_paste_it(text: str, expected: bytes) -> None:
    assert parse_hex(text) == expected


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["zz"], "not hex"),
        (["8"], "odd number of hex digits"),
        (["81"], "truncated"),
        (["81", "05", "48"], "announces 5 payload bytes, but only 1 follow"),
        (["81", "fe", "01"], "16-bit length"),
        (["83", "00"], "opcode 0x3 is reserved"),
        (["09", "00"], "control frame must not be fragmented"),
        (["89", "7e", "00", "7e"], "at most 125"),
        (["81", "7e", "00", "05", "01", "02", "03", "04", "05"], "minimal"),
        (["a1", "00"], "RSV2/RSV3"),
        ([], "give the frame's bytes in hex"),
    ],
)
def test_malformed_input_is_one_clear_line(run_cli: Run, args: list[str], needle: str) -> None:
    result = run_cli("websocket", "frame", *args)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("netlearn: ") and needle in lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_frame_command_decodes_every_rfc_example(run_cli: Run) -> None:
    result = run_cli("websocket", "frame", "81", "85", "37", "fa", "21", "3d", "7f9f4d5158")
    assert result.returncode == 0, result.stderr
    assert 'text "Hello"' in result.stdout
    assert "masking_key (32 bits) = 37 fa 21 3d" in result.stdout
    assert "0  7f      37   48 'H'" in result.stdout  # the XOR walk, byte 0
    for name in RFC_EXAMPLES:
        out = run_cli("websocket", "frame", "--example", name, "--format", "json")
        assert out.returncode == 0, out.stderr
        frames = [json.loads(line) for line in out.stdout.splitlines()]
        frames = [f for f in frames if f["type"] == "ws-frame"]
        raw = b"".join(bytes.fromhex(f["raw"]) for f in frames)
        assert raw == parse_hex(RFC_EXAMPLES[name])


def test_split_frames_cuts_back_to_back_frames() -> None:
    parts = split_frames(HEL + PING + LO)
    assert [raw for _, raw in parts] == [HEL, PING, LO]
    assert parse_head(b"\x81") is None and parse_head(b"\x81\xfe\x00") is None


def test_permessage_deflate_frames_are_inflated(make_env: Callable[..., object]) -> None:
    import zlib

    comp = zlib.compressobj(wbits=-15)
    body = comp.compress(b"Hello, compressed") + comp.flush(zlib.Z_SYNC_FLUSH)
    assert body.endswith(b"\x00\x00\xff\xff")
    frame = bytes([0xC1, len(body) - 4]) + body[:-4]  # RFC 7692 section 7.2.1 drops the tail
    env, _ = make_env("plain")  # type: ignore[misc]
    events = list(explain(env, frame.hex()))  # type: ignore[arg-type]
    assert any("'Hello, compressed'" in getattr(e, "text", "") for e in events)


def test_osi_websocket_sample_packet_still_works(run_cli: Run) -> None:
    result = run_cli("osi", "--packet", "websocket", "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert "WebSocket frame" in result.stdout and "masking_key" in result.stdout


def _bomb(size: int) -> bytes:
    """A permessage-deflate text frame whose payload inflates to `size` bytes of 'a'."""
    import zlib

    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = comp.compress(b"a" * size) + comp.flush(zlib.Z_SYNC_FLUSH)
    body = body[:-4]
    n = len(body)
    head = bytes([0xC1, 127]) + n.to_bytes(8, "big") if n >= 1 << 16 else b""
    head = head or (bytes([0xC1, 126]) + n.to_bytes(2, "big") if n >= 126 else bytes([0xC1, n]))
    return head + body


def test_a_deflate_bomb_inflates_to_a_bound(make_env: Callable[..., object]) -> None:
    import tracemalloc

    frame = _bomb(200 << 20)  # 200 MB of 'a', about 200 kB compressed
    env, buf = make_env("plain")  # type: ignore[misc]
    tracemalloc.start()
    try:
        events = list(explain(env, frame.hex()))  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    notes = " ".join(getattr(e, "text", "") for e in events)
    assert "more than" in notes and "stopped" in notes
    assert peak < 40 << 20, f"peak {peak} bytes"
    assert len(notes) < 4000


def test_input_size_is_bounded(run_cli: Run, make_env: Callable[..., object]) -> None:
    from netlearn.errors import NetlearnError

    env, _ = make_env("plain")  # type: ignore[misc]
    for size in (1 << 20, 8 << 20):
        big = "82 7f " + (size).to_bytes(8, "big").hex() + "00" * size
        with pytest.raises(NetlearnError, match="at most 512 KiB"):
            list(explain(env, big))  # type: ignore[arg-type]
    chunks = ["00" * 50000] * 12  # 600 kB in 12 arguments (one argument holds at most 128 kB)
    result = run_cli("websocket", "frame", "82", "7f", "00000000000927c0", *chunks)
    assert result.returncode == 1
    assert "at most" in result.stderr and "Traceback" not in result.stderr
    many = "89 00 " * 5000  # 5000 empty pings
    result = run_cli("websocket", "frame", many)
    assert result.returncode == 1 and "frames" in result.stderr, result.stderr


def test_a_long_fragmented_text_is_shown_short(make_env: Callable[..., object]) -> None:
    text = b"z" * 50000
    frames = bytes(ws_frame(text[:25000], fin=False)) + bytes(ws_frame(text[25000:], opcode=0))
    env, _ = make_env("plain")  # type: ignore[misc]
    events = list(explain(env, frames.hex()))  # type: ignore[arg-type]
    notes = [getattr(e, "text", "") for e in events if e.kind == "note"]
    assert all(len(n) < 2000 for n in notes), [len(n) for n in notes]
