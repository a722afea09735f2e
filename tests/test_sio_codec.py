"""Engine.IO v4 and Socket.IO v5 packets: the strings of the specifications, decoded and encoded.

Vectors come from github.com/socketio/engine.io-protocol ("Packet encoding") and
github.com/socketio/socket.io-protocol ("Packet encoding" and its test suite). python-socketio's
own parser is used as an independent second opinion.
"""

from __future__ import annotations

import json

import pytest

from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.explain import explain, packet_line
from netlearn.lessons.socketio.protocol import EioPacket, PacketError, SioPacket

# ---------------------------------------------------------------------------- Engine.IO


def test_polling_payload_from_the_engineio_spec() -> None:
    packets = codec.decode_payload("4hello\x1e2\x1e4world")
    assert [(p.name, p.data) for p in packets] == [
        ("message", "hello"),
        ("ping", ""),
        ("message", "world"),
    ]
    assert codec.encode_payload(packets) == "4hello\x1e2\x1e4world"


def test_polling_binary_is_b_and_base64() -> None:
    packets = codec.decode_payload("4hello\x1ebAQIDBA==")
    assert packets[1] == EioPacket(codec.MESSAGE, b"\x01\x02\x03\x04")
    assert packets[1].binary
    assert codec.encode_payload(packets) == "4hello\x1ebAQIDBA=="


def test_websocket_binary_goes_as_is() -> None:
    pkt = codec.decode_eio(b"\x01\x02\x03\x04")
    assert pkt.name == "message" and pkt.data == b"\x01\x02\x03\x04"
    assert pkt.encode() == b"\x01\x02\x03\x04"
    assert pkt.encode(polling=True) == "bAQIDBA=="


def test_open_packet_of_the_sample_session() -> None:
    raw = (
        '0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,'
        '"pingTimeout":5000,"maxPayload":1000000}'
    )
    pkt = codec.decode_eio(raw)
    info = codec.parse_open(str(pkt.data))
    assert pkt.name == "open"
    assert list(info) == list(codec.OPEN_KEYS[:2]) + ["pingInterval", "pingTimeout", "maxPayload"]
    assert info["pingInterval"] == 25000
    _, meaning = packet_line(pkt)
    assert "lv_VI97HAXpY6yYWAAAC" in meaning and "25000 ms" in meaning


@pytest.mark.parametrize(
    ("raw", "name", "data"),
    [
        ("2probe", "ping", "probe"),
        ("3probe", "pong", "probe"),
        ("5", "upgrade", ""),
        ("6", "noop", ""),
        ("1", "close", ""),
        ("2", "ping", ""),
        ("3", "pong", ""),
    ],
)
def test_upgrade_and_heartbeat_packets(raw: str, name: str, data: str) -> None:
    pkt = codec.decode_eio(raw)
    assert (pkt.name, pkt.data) == (name, data)
    assert pkt.encode() == raw


@pytest.mark.parametrize(
    ("raw", "needle"),
    [("", "empty"), ("7", "0-6"), ("hello", "0-6"), ("b!!!", "base64")],
)
def test_engineio_errors_are_one_sentence(raw: str, needle: str) -> None:
    with pytest.raises(PacketError) as info:
        codec.decode_eio(raw)
    message = str(info.value)
    assert needle in message and "\n" not in message


# ---------------------------------------------------------------------------- Socket.IO

SPEC = [
    ("0", SioPacket(codec.CONNECT)),
    (
        '0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}',
        SioPacket(codec.CONNECT, "/admin", {"sid": "oSO0OpakMV_3jnilAAAA"}),
    ),
    (
        '4{"message":"Not authorized"}',
        SioPacket(codec.CONNECT_ERROR, "/", {"message": "Not authorized"}),
    ),
    ('2["foo"]', SioPacket(codec.EVENT, "/", ["foo"])),
    ('2/admin,["bar"]', SioPacket(codec.EVENT, "/admin", ["bar"])),
    (
        '51-["baz",{"_placeholder":true,"num":0}]',
        SioPacket(codec.BINARY_EVENT, "/", ["baz", {"_placeholder": True, "num": 0}], None, 1),
    ),
    (
        '52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]',
        SioPacket(
            codec.BINARY_EVENT,
            "/admin",
            ["baz", {"_placeholder": True, "num": 0}, {"_placeholder": True, "num": 1}],
            None,
            2,
        ),
    ),
    ('212["foo"]', SioPacket(codec.EVENT, "/", ["foo"], 12)),
    ('3/admin,13["bar"]', SioPacket(codec.ACK, "/admin", ["bar"], 13)),
    (
        '61-15["bar",{"_placeholder":true,"num":0}]',
        SioPacket(codec.BINARY_ACK, "/", ["bar", {"_placeholder": True, "num": 0}], 15, 1),
    ),
    ("1", SioPacket(codec.DISCONNECT)),
    ("1/admin,", SioPacket(codec.DISCONNECT, "/admin")),
    # the protocol's test suite
    (
        '2456["message-with-ack",1,"2",{"3":[false]}]',
        SioPacket(codec.EVENT, "/", ["message-with-ack", 1, "2", {"3": [False]}], 456),
    ),
    ('3456[1,"2",{"3":[false]}]', SioPacket(codec.ACK, "/", [1, "2", {"3": [False]}], 456)),
    (
        '4/random,{"message":"Invalid namespace"}',
        SioPacket(codec.CONNECT_ERROR, "/random", {"message": "Invalid namespace"}),
    ),
    ('0/custom,{"token":"abc"}', SioPacket(codec.CONNECT, "/custom", {"token": "abc"})),
]


@pytest.mark.parametrize(("text", "packet"), SPEC, ids=[t for t, _ in SPEC])
def test_socketio_spec_examples_decode_and_encode(text: str, packet: SioPacket) -> None:
    assert codec.decode_sio(text) == packet
    assert packet.encode() == text


@pytest.mark.parametrize(("text", "packet"), SPEC, ids=[t for t, _ in SPEC])
def test_python_socketio_reads_them_the_same_way(text: str, packet: SioPacket) -> None:
    from socketio.packet import Packet

    theirs = Packet(encoded_packet=text)
    assert theirs.packet_type == packet.type
    assert (theirs.namespace or "/") == packet.namespace
    assert theirs.id == packet.id
    assert theirs.data == packet.data
    assert theirs.attachment_count == packet.attachments


def test_python_socketio_writes_what_we_write() -> None:
    from socketio.packet import Packet

    for text, packet in SPEC:
        if packet.attachments:
            continue  # python-socketio builds these from real bytes, not placeholders
        ours = packet.encode()
        theirs = Packet(packet.type, data=packet.data, namespace=packet.namespace, id=packet.id)
        assert theirs.encode() == ours == text


def test_namespace_without_a_comma_runs_to_the_end() -> None:
    assert codec.decode_sio("0/random") == SioPacket(codec.CONNECT, "/random")


def test_event_name_and_args() -> None:
    pkt = codec.decode_sio('2456["message-with-ack",1,"2",{"3":[false]}]')
    assert pkt.event == "message-with-ack"
    assert pkt.args == [1, "2", {"3": [False]}]
    assert codec.placeholders(json.loads('["a",{"_placeholder":true,"num":0}]')) == [0]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("abc", "0-6"),  # "4abc" on the wire: an unknown Socket.IO type
        ("2{}", "non-empty JSON array"),  # "42{}" from the test suite: invalid payload
        ('2abc["message-with-ack",1]', "not valid JSON"),  # "42abc[...]": invalid ack id
        ("2[]", "non-empty JSON array"),
        ('2["connect"]', "reserved"),
        ("2[true]", "name"),
        ("3[1]", "id of the event"),
        ("31{}", "JSON array"),
        ("1[]", "no payload"),
        ("0[]", "JSON object"),
        ('5["a"]', "attachments"),
        ("2[NaN]", "not valid JSON"),
        ("4", "CONNECT_ERROR payload"),
    ],
)
def test_socketio_errors_are_one_clear_sentence(text: str, needle: str) -> None:
    with pytest.raises(PacketError) as info:
        codec.decode_sio(text)
    assert needle in str(info.value)
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------- explanations


def test_explain_the_ack_example_field_by_field() -> None:
    (view,) = explain('42456["message-with-ack",1,"2",{"3":[false]}]')
    fields = [(p.text, p.field) for p in view.parts]
    assert fields == [
        ("4", "Engine.IO type"),
        ("2", "Socket.IO type"),
        ("", "namespace"),
        ("456", "ack id"),
        ('["message-with-ack",1,"2",{"3":[false]}]', "payload"),
    ]
    assert "".join(p.text for p in view.parts) == view.raw
    details = "\n".join(view.details)
    assert '43456[1,"2",{"3":[false]}]' in details  # the answer the test suite expects
    assert 'socket.emit("message-with-ack", 1, "2", {"3": [false]}, (answer) => ...)' in details


def test_explain_binary_attachment_form() -> None:
    (view,) = explain('451-["baz",{"_placeholder":true,"num":0}]')
    assert [p.field for p in view.parts][:3] == ["Engine.IO type", "Socket.IO type", "attachments"]
    assert view.parts[2].text == "1-"
    assert any("binary attachment" in d for d in view.details)
    (bad,) = explain('452-["baz",{"_placeholder":true,"num":0}]')
    assert bad.warnings and "0..1" in bad.warnings[0]


def test_explain_a_polling_body_typed_with_escapes() -> None:
    views = explain('42["a"]\\x1e3\\x1ebAQIDBA==')
    assert [v.summary.split(":")[0] for v in views] == [
        "packet 1 of 3 in this body",
        "packet 2 of 3 in this body",
        "packet 3 of 3 in this body",
    ]
    assert "01 02 03 04" in views[2].parts[1].meaning


def test_explain_a_bare_socketio_packet() -> None:
    (view,) = explain('2/admin,["bar"]', socketio_only=True)
    assert view.parts[1].text == "/admin,"
    assert "4" + view.raw in view.summary
    (odd,) = explain('2["foo"]')  # read as Engine.IO this is a ping with data
    assert odd.summary == "Engine.IO ping packet"
    assert any("--socketio" in w for w in odd.warnings)


@pytest.mark.parametrize(
    "raw",
    ["", "   ", "9", "4", "4abc", "42{}", '42abc["x"]', "x" * 100_001, "0notjson", "4\x1e"],
)
def test_explain_refuses_malformed_input_with_one_line(raw: str) -> None:
    with pytest.raises(PacketError) as info:
        explain(raw)
    assert "\n" not in str(info.value)


def test_decode_command(run_cli) -> None:  # type: ignore[no-untyped-def]
    ok = run_cli("socketio", "decode", '42456["message-with-ack",1,"2",{"3":[false]}]')
    assert ok.returncode == 0, ok.stderr
    assert "ack id: 456" in ok.stdout
    assert "Socket.IO type: 2 = EVENT" in ok.stdout
    as_json = run_cli("socketio", "decode", "--format", "json", "2probe")
    (line,) = as_json.stdout.splitlines()
    assert json.loads(line)["summary"] == "Engine.IO ping packet"
    bad = run_cli("socketio", "decode", "42{}")
    assert bad.returncode == 1
    assert bad.stderr.startswith("netlearn: ") and len(bad.stderr.strip().splitlines()) == 1
    assert "Traceback" not in bad.stderr
