"""Fuzzing the Engine.IO/Socket.IO decoder with Hypothesis (derandomized: the same examples on
every run).

(a) Any text or bytes: the decoder and `explain` raise nothing but NetlearnError, stay fast,
    and what they produce prints on a strict UTF-8 stream.
(b) Valid packets of every type, built by Hypothesis: they decode exactly as python-socketio's
    and python-engineio's own parsers decode them, and our encoder round-trips them.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import tracemalloc
from io import StringIO
from typing import Any

from engineio import json as engineio_json
from engineio.packet import Packet as EioTheirs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from socketio.packet import Packet as SioTheirs

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.explain import explain, packet_line, unescape
from netlearn.lessons.socketio.protocol import EioPacket, SioPacket
from netlearn.render import run_scene

FUZZ = settings(
    derandomize=True,
    database=None,
    max_examples=300,
    deadline=2000,  # ms: generous for a shared 2-core machine; a typical example takes ~1 ms
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------ (a) any input

# Pieces a packet is made of, and the characters that broke it before: digits, dashes, slashes,
# brackets, escapes of lone surrogates, controls, non-ASCII.
FRAGMENTS = st.sampled_from(
    [
        "0",
        "1",
        "2",
        "3",
        "4",
        "5",
        "6",
        "9",
        "b",
        "-",
        "/",
        ",",
        "[",
        "]",
        "{",
        "}",
        '"',
        ":",
        "\\",
        "\\ud800",
        "\\udfff",
        "\\u001b",
        "\\x1e",
        "\x1e",
        "é",
        "😀",
        "\x00",
        "NaN",
        "1e999",
        "true",
        "null",
        '"_placeholder"',
        '"num"',
        "probe",
        "AQID",
        "==",
        " ",
        '"connect"',
        "\ud800",
    ]  # fmt: skip
)
ANY_CHAR = st.characters(codec="utf-8") | st.characters(categories=["Cs", "Cc"])
REPEATED = st.builds(lambda f, n: f * n, FRAGMENTS, st.integers(0, 3000))
PIECE = FRAGMENTS | REPEATED | st.text(ANY_CHAR, max_size=20)
PACKETISH = st.lists(PIECE, max_size=12).map("".join)

# Packets built field by field, each field either sane or hostile, so that the fuzzing reaches
# every stage of the decoder: the type, the attachment count, the namespace, the ack id, the
# JSON payload (deeply nested, huge numbers, lone surrogates escaped or raw).
ODD_TEXT = st.text(ANY_CHAR, max_size=8)
ODD_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | ODD_TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(ODD_TEXT, inner, max_size=3),
    max_leaves=8,
)
DIGITS = (
    st.integers(0, 10**25).map(str)
    | st.builds(lambda d, n: d * n, st.sampled_from("019"), st.integers(1, 5000))
    | st.text("0123456789١", max_size=6)
)
NESTED = st.builds(
    lambda o, n, inner, c, m: o * n + inner + c * m,
    st.sampled_from(["[", "{", '{"a":', "[{", '["a",']),
    st.integers(0, 2000),
    st.sampled_from(["", "1", '"x"', "[]", "{}"]),
    st.sampled_from(["]", "}", "]}"]),
    st.integers(0, 2000),
)
PAYLOAD = (
    st.builds(lambda v, a: json.dumps(v, ensure_ascii=a), ODD_JSON, st.booleans())
    | st.builds(lambda v: json.dumps(["ev", v]), ODD_JSON)
    | NESTED
    | PACKETISH
)
STRUCTURED = st.builds(
    lambda *fields: "".join(fields),
    st.sampled_from(["4", "4", "", "0", "2", "b", "6"]),
    st.sampled_from("0123456") | FRAGMENTS,
    st.just("") | DIGITS.map(lambda d: d + "-"),
    st.just("")
    | st.builds(lambda t, c: "/" + t + c, ODD_TEXT | REPEATED, st.sampled_from([",", ""])),
    st.just("") | DIGITS,
    st.just("") | PAYLOAD,
)
ANY_TEXT = STRUCTURED | PACKETISH | st.text(ANY_CHAR, max_size=200)


def _render_strict(views: list[Any], fmt: str) -> bytes:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict")
    env = Env.build(fmt, stdout=out, stderr=StringIO(), stdin=StringIO(), width=80)
    run_scene(views, env)
    out.flush()
    return raw.getvalue()


@settings(FUZZ, max_examples=600)
@given(ANY_TEXT, st.booleans())
def test_explain_raises_only_netlearn_errors_and_prints(text: str, bare: bool) -> None:
    try:
        views = explain(text, socketio_only=bare)
    except NetlearnError as exc:
        message = str(exc)
        assert message and "\n" not in message and len(message) < 500
        message.encode("utf-8")
        return
    _render_strict(views, "plain").decode("utf-8")
    for line in _render_strict(views, "json").decode("utf-8").splitlines():
        json.loads(line)


@settings(FUZZ, max_examples=600)
@given(ANY_TEXT)
def test_codec_functions_raise_only_netlearn_errors(text: str) -> None:
    for call in (codec.decode_sio, codec.decode_eio, codec.decode_payload, codec.parse_open):
        with contextlib.suppress(NetlearnError):
            call(text)
    try:
        pkt = codec.decode_eio(text)
    except NetlearnError:
        return
    _, meaning = packet_line(pkt)
    meaning.encode("utf-8")  # the live trace prints this line


@FUZZ
@given(st.binary(max_size=300))
def test_binary_frames_and_their_bytes_as_text(data: bytes) -> None:
    pkt = codec.decode_eio(data)
    assert pkt == EioPacket(codec.MESSAGE, data)
    packet_line(pkt)
    text = data.decode("utf-8", "surrogateescape")  # how argv hands undecodable bytes over
    with contextlib.suppress(NetlearnError):
        explain(text)


WORST = [
    '451000000000-["a"]',
    "45" + "9" * 90_000 + '-["a"]',
    "42" + "[" * 99_990,
    '42["a",' + "[" * 50_000 + "]" * 49_990,
    '42["a",' + '"\\"[' * 33_000 + "]",
    '42["a",' + "9" * 99_000 + "]",
    "42/" + "n" * 99_990,
    "2\x1e" * 50_000,
    "b" + "A" * 99_996,
    '42["a",' + ",".join(["1e999"] * 16_000) + "]",
]


def test_worst_inputs_are_cheap_in_memory_and_time() -> None:
    import time

    for text in WORST:
        tracemalloc.start()
        started = time.perf_counter()
        try:
            views = explain(text)
        except NetlearnError:
            views = []
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        del views
        assert peak < 20_000_000, (text[:40], peak)
        assert elapsed < 2.0, (text[:40], elapsed)


# ------------------------------------------------------------------------ (b) valid packets

SAFE_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
NUMBERS = st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False)
JSON = st.recursive(
    st.none() | st.booleans() | NUMBERS | SAFE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(SAFE_TEXT, inner, max_size=4),
    max_leaves=12,
)
NAMESPACES = st.just("/") | st.text(
    st.characters(codec="utf-8", exclude_characters=",?"), min_size=1, max_size=20
).map(lambda s: "/" + s)
EVENT_NAMES = SAFE_TEXT.filter(lambda s: s not in codec.RESERVED_EVENTS)
ACK_IDS = st.none() | st.integers(0, 10**codec.MAX_ACK_DIGITS - 1)


@st.composite
def sio_packets(draw: st.DrawFn) -> SioPacket:
    kind = draw(st.integers(0, 6))
    ns = draw(NAMESPACES)
    if kind == codec.CONNECT:
        return SioPacket(kind, ns, draw(st.none() | st.dictionaries(SAFE_TEXT, JSON, max_size=3)))
    if kind == codec.DISCONNECT:
        return SioPacket(kind, ns)
    if kind == codec.CONNECT_ERROR:
        message = st.fixed_dictionaries({"message": SAFE_TEXT}, optional={"data": JSON})
        return SioPacket(kind, ns, draw(message | SAFE_TEXT))
    args = draw(st.lists(JSON, max_size=4))
    attachments = 0
    if kind in (codec.BINARY_EVENT, codec.BINARY_ACK):
        attachments = draw(st.integers(0, codec.MAX_ATTACHMENTS))
        for num in range(min(attachments, 5)):  # placeholders for the first few, in place
            at = draw(st.integers(0, len(args)))
            args.insert(at, {"_placeholder": True, "num": num})
    if kind in (codec.EVENT, codec.BINARY_EVENT):
        return SioPacket(kind, ns, [draw(EVENT_NAMES), *args], draw(ACK_IDS), attachments)
    ack_id = draw(st.integers(0, 10**codec.MAX_ACK_DIGITS - 1))
    return SioPacket(kind, ns, args, ack_id, attachments)


def _one_packet_for_decode(text: str) -> bool:
    return codec.RECORD_SEPARATOR not in text and unescape(text) == text


def _same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values (-0.0 == 0.0 and 1 == 1.0 as Python says; no NaN is generated)."""
    return a == b and json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


@FUZZ
@given(sio_packets())
def test_valid_socketio_packets_decode_as_python_socketio_does(packet: SioPacket) -> None:
    text = packet.encode()
    ours = codec.decode_sio(text)
    assert ours == packet  # our encoder round-trips
    assert ours.encode() == text
    theirs = SioTheirs(encoded_packet=text)
    assert theirs.packet_type == ours.type
    assert (theirs.namespace or "/") == ours.namespace
    assert theirs.id == ours.id
    assert _same_json(theirs.data, ours.data)
    assert theirs.attachment_count == ours.attachments
    # and the explanation of the wire form works and prints (unless the text holds what
    # `decode` reads as a record separator between packets: \x1e, ␞)
    if _one_packet_for_decode(text):
        _render_strict(explain("4" + text), "plain").decode("utf-8")


@FUZZ
@given(sio_packets())
def test_python_socketio_encodes_what_we_encode(packet: SioPacket) -> None:
    if packet.type in (codec.BINARY_EVENT, codec.BINARY_ACK):
        return  # python-socketio builds these from real bytes, not from placeholders
    theirs = SioTheirs(packet.type, data=packet.data, namespace=packet.namespace, id=packet.id)
    assert codec.decode_sio(theirs.encode()) == packet


@st.composite
def eio_packets(draw: st.DrawFn) -> EioPacket:
    kind = draw(st.integers(0, 6))
    if kind == codec.MESSAGE and draw(st.booleans()):
        return EioPacket(kind, draw(st.binary(max_size=64)))
    if kind == codec.OPEN:
        handshake = st.fixed_dictionaries(
            {
                "sid": SAFE_TEXT,
                "upgrades": st.lists(st.sampled_from(["websocket", "polling"]), max_size=2),
                "pingInterval": st.integers(0, 10**6),
                "pingTimeout": st.integers(0, 10**6),
                "maxPayload": st.integers(0, 10**8),
            }
        )
        return EioPacket(kind, json.dumps(draw(handshake), separators=(",", ":")))
    if kind in (codec.PING, codec.PONG):
        return EioPacket(kind, draw(st.sampled_from(["", "probe"])))
    if kind == codec.MESSAGE:
        sio = st.builds(lambda p: p.encode(), sio_packets())
        return EioPacket(kind, draw(sio | st.text(st.characters(codec="utf-8"), max_size=30)))
    return EioPacket(kind, "")


def _assert_engineio_agrees(ours: EioPacket, theirs: EioTheirs) -> None:
    assert theirs.packet_type == ours.type
    assert theirs.binary == ours.binary
    if isinstance(theirs.data, str | bytes):
        assert theirs.data == ours.data
    else:  # python-engineio reads text that parses as JSON as JSON: compare that way
        assert isinstance(ours.data, str)
        parsed = engineio_json.loads(ours.data)
        if isinstance(parsed, float) and math.isnan(parsed):
            assert isinstance(theirs.data, float) and math.isnan(theirs.data)
        else:
            assert repr(parsed) == repr(theirs.data)


@FUZZ
@given(eio_packets(), st.booleans())
def test_valid_engineio_packets_decode_as_python_engineio_does(
    packet: EioPacket, polling: bool
) -> None:
    wire = packet.encode(polling=polling)
    ours = codec.decode_eio(wire)
    assert ours == packet  # round trip
    assert ours.encode(polling=polling) == wire
    _assert_engineio_agrees(ours, EioTheirs(encoded_packet=wire))
    packet_line(ours)[1].encode("utf-8")
    if isinstance(wire, str) and _one_packet_for_decode(wire):
        try:
            views = explain(wire)
        except NetlearnError:
            # only a message whose text is not a Socket.IO packet may be refused
            assert ours.type == codec.MESSAGE and not ours.binary
            return
        _render_strict(views, "plain").decode("utf-8")


@FUZZ
@given(st.lists(eio_packets(), min_size=1, max_size=5))
def test_polling_bodies_decode_as_python_engineio_does(packets: list[EioPacket]) -> None:
    from engineio.payload import Payload

    body = codec.encode_payload(packets)
    ours = codec.decode_payload(body)
    assert ours == packets
    theirs = Payload(encoded_payload=body).packets
    assert len(theirs) == len(ours)
    for mine, their in zip(ours, theirs, strict=True):
        _assert_engineio_agrees(mine, their)


def test_base64_binary_agrees_with_python_engineio_on_a_known_vector() -> None:
    # the polling vector of the Engine.IO specification, as a sanity anchor for the fuzzing
    ours = codec.decode_eio("bAQIDBA==")
    theirs = EioTheirs(encoded_packet="bAQIDBA==")
    assert ours.data == theirs.data == base64.b64decode("AQIDBA==") == b"\x01\x02\x03\x04"
