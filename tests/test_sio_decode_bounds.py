"""`netlearn socketio decode`: every count and size read from the packet is bounded, and every
bad input is one `netlearn: ...` line (exit 1), never a traceback, a hang or gigabytes of memory.

Each case runs twice: at the function level (codec/explain) and through the real CLI in a
subprocess whose address space is capped, so a regression fails fast instead of eating the
machine.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.explain import explain, packet_line
from netlearn.lessons.socketio.protocol import PacketError, SioPacket
from netlearn.render import run_scene

REPO = Path(__file__).resolve().parent.parent
MEMORY_CAP = 1 << 30  # 1 GiB of address space: far above what decoding needs
DecodeCli = Callable[..., subprocess.CompletedProcess[bytes]]


@pytest.fixture
def decode_cli(netlearn_home: Path) -> DecodeCli:
    """`decode_cli(PACKET, *extra)`: `python -m netlearn socketio decode PACKET` as a user runs
    it, stdout a UTF-8 pipe, its address space capped (MEMORY_CAP; tests/forkserver.py)."""

    def run(packet: str | bytes, *extra: str) -> subprocess.CompletedProcess[bytes]:
        env = {**os.environ, "NETLEARN_HOME": str(netlearn_home), "COLUMNS": "80"}
        env.update(PYTHONIOENCODING="")
        env.pop("NO_COLOR", None)
        args: list[str | bytes] = ["socketio", "decode", *extra, "--", packet]
        return run_netlearn(
            args,
            input=b"",
            env=env,
            cwd=REPO,
            timeout=60,
            text=False,
            address_space=MEMORY_CAP,
        )

    return run


def assert_one_line_error(result: subprocess.CompletedProcess[bytes], needle: str) -> str:
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1, err[-2000:]
    assert "Traceback" not in err
    assert err.startswith("netlearn: ") and len(err.strip().splitlines()) == 1, err[-2000:]
    assert needle in err, err
    return err


DEEP = 990
BAD = [
    # (name, packet on the wire, words the one-line message must contain)
    ("attachments-huge", '451000000000-["a"]', "attachments"),
    ("attachments-overflow", '4599999999999999999999-["a"]', "attachments"),
    ("attachments-4400-digits", "45" + "9" * 4400 + '-["a"]', "attachments"),
    ("attachments-over-limit", '451001-["a"]', "at most 1000"),
    ("ack-4400-digits", "42" + "1" * 4400 + '["a"]', "acknowledgement id"),
    ("ack-16-digits", '421234567890123456["a"]', "acknowledgement id"),
    ("json-int-4400-digits", '42["a",' + "9" * 4400 + "]", "digits"),
    ("json-int-101-digits", '42["a",' + "9" * 101 + "]", "digits"),
    ("nesting-array", '42["a",' + "[" * DEEP + "]" * DEEP + "]", "nested"),
    ("nesting-unclosed", "42" + "[" * DEEP, "nested"),
    ("nesting-object", '40{"a":' + '{"a":' * DEEP + "1" + "}" * (DEEP + 1), "nested"),
    ("nesting-open", '0{"a":' + "[" * DEEP + "]" * DEEP + "}", "nested"),
    ("nesting-ack", "431" + "[" * DEEP + "]" * DEEP, "nested"),
    ("namespace-long", "42/" + "n" * 300 + ',["a"]', "namespace"),
    ("body-many-packets", "\\x1e".join(["2"] * 1001), "packets"),
    ("empty-socketio", "4", "empty"),
    ("bad-base64", "b!!!", "base64"),
    ("bad-base64-padding", "bAQ", "base64"),
    ("payload-not-array", '42"x"', "JSON array"),
    ("event-name-object", "42[{}]", "name"),
    ("event-name-bool", "42[true]", "name"),
    ("event-name-null", "42[null]", "name"),
    ("type-not-digit", "4é", "0-6"),
    ("only-type-binary", "45", "attachments"),
    ("ack-without-id", "43[]", "id of the event"),
    ("open-not-object", "0[1]", "JSON object"),
    ("open-deep-string-ok-but-nan", '0{"a":NaN}', "JSON object"),
    ("too-long", "4" + "2" * 100_001, "longer than"),
]


@pytest.mark.parametrize(("raw", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_function_level_refusals_are_netlearn_errors(raw: str, needle: str) -> None:
    with pytest.raises(NetlearnError) as info:
        explain(raw)
    message = str(info.value)
    assert needle in message and "\n" not in message
    assert len(message) < 400


@pytest.mark.parametrize(("raw", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_cli_refusals_are_one_line(raw: str, needle: str, decode_cli: DecodeCli) -> None:
    assert_one_line_error(decode_cli(raw), needle)


# ------------------------------------------------------------------------ codec-level bounds


def test_attachment_count_is_bounded_by_the_codec() -> None:
    with pytest.raises(PacketError, match="at most 1000"):
        codec.decode_sio('51000000000-["a"]')
    ok = codec.decode_sio('61000-1["a"]')
    assert ok.attachments == codec.MAX_ATTACHMENTS == 1000


def test_the_bounds_are_at_least_what_python_socketio_accepts_in_practice() -> None:
    from socketio.packet import Packet

    deep = '2["a",' + "[" * 99 + "]" * 99 + "]"
    assert codec.decode_sio(deep).data == Packet(encoded_packet=deep).data
    ns = "/" + "n" * (codec.MAX_NAMESPACE - 1)
    assert codec.decode_sio(f"2{ns},1[0]".replace("[0]", '["a"]')).namespace == ns
    big_id = 10**15 - 1
    assert codec.decode_sio(f'2{big_id}["a"]').id == big_id
    hundred = "9" * 100
    assert codec.decode_sio(f'2["a",{hundred}]').data == ["a", int(hundred)]


def test_codec_total_size_is_bounded() -> None:
    text = '2["a","' + "x" * codec.MAX_PACKET_CHARS + '"]'
    with pytest.raises(PacketError, match="longer than"):
        codec.decode_sio(text)
    with pytest.raises(PacketError, match="longer than"):
        codec.decode_eio("4" + text)
    with pytest.raises(PacketError, match="longer than"):
        codec.decode_eio("b" + "A" * (codec.MAX_PACKET_CHARS + 4))


def test_nesting_inside_strings_does_not_count() -> None:
    text = '2["a","' + "[{" * 5000 + '"]'
    assert codec.decode_sio(text).data == ["a", "[{" * 5000]
    escaped = '2["a","\\"' + "[" * 500 + '"]'
    assert codec.decode_sio(escaped).data == ["a", '"' + "[" * 500]


def test_packet_error_is_a_netlearn_error_and_still_a_value_error() -> None:
    assert issubclass(PacketError, NetlearnError) and issubclass(PacketError, ValueError)


def test_open_packet_with_odd_upgrades_still_has_a_line() -> None:
    for raw in ('0{"upgrades":[1,null]}', '0{"upgrades":"websocket"}', '0{"upgrades":{}}'):
        _, meaning = packet_line(codec.decode_eio(raw))
        assert "Engine.IO open" in meaning


# ------------------------------------------------------------------------ lone surrogates


SURROGATE = '42["a","\\ud800"]'


def test_lone_surrogate_escape_is_shown_escaped_with_a_warning() -> None:
    # Valid JSON (RFC 8259 allows the escape) and python-socketio reads it, so it is a packet;
    # but "\ud800" is not a character and cannot be written as UTF-8: show the escape.
    from socketio.packet import Packet

    assert Packet(encoded_packet=SURROGATE[1:]).data == ["a", "\ud800"]
    (view,) = explain(SURROGATE)
    everything = [view.raw, view.summary, *view.details, *view.warnings]
    everything += [t for p in view.parts for t in (p.text, p.field, p.meaning)]
    for text in everything:
        text.encode("utf-8")  # no lone surrogate left anywhere
    assert any("\\ud800" in d for d in view.details)
    assert any("lone surrogate" in w for w in view.warnings)


def test_lone_surrogate_in_the_event_name_and_the_live_line() -> None:
    (view,) = explain('42["\\udfff"]')
    assert all("\udfff" not in d for d in view.details)
    assert any('"\\udfff"' in d for d in view.details)
    _, meaning = packet_line(codec.decode_eio('42["\\udfff"]'))
    meaning.encode("utf-8")


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_lone_surrogate_through_the_cli(fmt: str, decode_cli: DecodeCli) -> None:
    result = decode_cli(SURROGATE, "--format", fmt)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    out = result.stdout.decode("utf-8")  # strict: the output is valid UTF-8
    assert "\\ud800" in out
    if fmt == "json":
        (line,) = out.splitlines()
        assert "lone surrogate" in " ".join(json.loads(line)["warnings"])


def test_lone_surrogate_renders_on_a_strict_utf8_stream() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    env = Env.build("plain", stdout=out, stderr=StringIO(), stdin=StringIO(), width=80)
    run_scene(explain(SURROGATE), env)
    out.flush()
    assert b"\\ud800" in raw.getvalue()


def test_bytes_that_are_not_utf8_are_refused(decode_cli: DecodeCli) -> None:
    # The shell hands Python invalid UTF-8 as lone surrogates (surrogateescape).
    with pytest.raises(NetlearnError, match="UTF-8"):
        explain('42["\udcff"]')
    assert_one_line_error(decode_cli(b'42["\xff"]'), "UTF-8")


def test_control_characters_are_shown_escaped() -> None:
    (view,) = explain('42["\\u001b[2J","\\u202e"]')
    shown = " ".join([*view.details, *(p.meaning for p in view.parts)])
    assert "\x1b" not in shown and "\u202e" not in shown
    assert "\\u001b" in shown


# ------------------------------------------------------------------------ still fine


@pytest.mark.parametrize(
    "raw",
    ["b", '42["é",{"ü":"😀"}]', '42/é,["a"]', '451-["a",{"_placeholder":true,"num":0}]'],
)
def test_ordinary_odd_packets_still_decode(raw: str, decode_cli: DecodeCli) -> None:
    assert explain(raw)
    result = decode_cli(raw)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    result.stdout.decode("utf-8")


def test_sio_packet_roundtrip_of_a_bound_sized_packet() -> None:
    pkt = SioPacket(codec.BINARY_ACK, "/" + "n" * 255, ["x"], 10**15 - 1, 1000)
    assert codec.decode_sio(pkt.encode()) == pkt


def test_rich_format_shows_brackets_in_the_payload_as_text() -> None:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    env = Env.build("rich", stdout=out, stderr=StringIO(), stdin=StringIO(), width=80)
    run_scene(explain('42["[/x]"]'), env)
    out.flush()
    assert b"[/x]" in raw.getvalue()
