"""The websocket-client lab: its byte checks, and real programs graded end to end.

The reference clients (Python and Node, raw sockets) pass every stage; each broken variant is a
known mistake and must fail at the right stage with the right explanation. The whole report is
compared with a golden file (ports and times normalised). `UPDATE_GOLDEN=1` rewrites them.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from netlearn.labs import get_lab
from netlearn.labs import ws_wire as w
from netlearn.labs.core import StageFailed
from netlearn.labs.report import lesson_step, text_report
from netlearn.labs.runner import run_lab

HERE = Path(__file__).parent / "labs" / "websocket-client"
SEED = 7
KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455 §1.3


def request(**change: str | None) -> bytes:
    headers = {
        "Host": "127.0.0.1:4000",
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": KEY,
        "Sec-WebSocket-Version": "13",
    }
    for name, value in change.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    lines = ["GET /lab HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


# -- pure checks --------------------------------------------------------------------------
def test_accept_is_rfc_example() -> None:
    assert w.accept_for(KEY) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_good_request_passes() -> None:
    req = w.check_request(request(), "127.0.0.1", 4000, "/lab")
    assert isinstance(req, w.Request)
    assert req.headers["sec-websocket-key"][0] == KEY


@pytest.mark.parametrize(
    ("change", "needle", "text"),
    [
        ({"Host": "127.0.0.1"}, b"127.0.0.1\r\nUpgrade", "Host says"),
        ({"Upgrade": None}, None, "no `Upgrade: websocket`"),
        ({"Connection": "keep-alive"}, b"keep-alive", "without Upgrade"),
        ({"Sec-WebSocket-Key": "00112233445566778899aabbccddeeff"}, b"0011", "decodes to 24"),
        ({"Sec-WebSocket-Version": "8"}, b"8\r\n\r\n", "not 13"),
        ({"Sec-WebSocket-Extensions": "permessage-deflate"}, b"permessage", "library"),
    ],
)
def test_bad_request_points_at_the_bad_byte(
    change: dict[str, str | None], needle: bytes | None, text: str
) -> None:
    raw = request(**change)
    failed = w.check_request(raw, "127.0.0.1", 4000, "/lab")
    assert isinstance(failed, StageFailed)
    assert text in failed.message
    assert failed.rfc and failed.rfc.startswith("RFC 6455 §4.1")
    assert failed.lesson == w.STEP_HANDSHAKE
    expected_offset = len(raw) - 2 if needle is None else raw.index(needle)
    assert failed.offset == expected_offset


def test_client_frame_checks() -> None:
    key = b"\x01\x02\x03\x04"
    good = w.client_frame(w.TEXT, b"hello", key)
    head = w.parse_head(good)
    assert head is not None and head.masked and head.length == 5
    assert w.check_client_head(head, good) is None
    unmasked = w.server_frame(w.TEXT, b"hello")
    failed = w.check_client_head(w.parse_head(unmasked), unmasked)  # type: ignore[arg-type]
    assert failed is not None and failed.offset == 1 and failed.rfc == "RFC 6455 §5.1, §5.3"
    # 5 bytes announced with a 16-bit length: not minimal, caret on the length byte
    padded = bytes([0x81, 0x80 | 126, 0, 5]) + key + w.mask(b"hello", key)
    failed = w.check_client_head(w.parse_head(padded), padded)  # type: ignore[arg-type]
    assert failed is not None and failed.offset == 1 and "not minimal" in failed.message


def test_frames_agree_with_wsproto() -> None:
    """An independent parser (wsproto) reads netlearn's server frames and the masked client ones."""
    from wsproto.connection import Connection, ConnectionType
    from wsproto.events import BytesMessage, TextMessage

    client = Connection(ConnectionType.CLIENT)
    payload = os.urandom(70_000)
    client.receive_data(w.server_frame(w.BINARY, payload) + w.server_frame(w.TEXT, "é".encode()))
    events = list(client.events())
    assert isinstance(events[0], BytesMessage) and events[0].data == payload
    assert isinstance(events[1], TextMessage) and events[1].data == "é"
    server = Connection(ConnectionType.SERVER)
    server.receive_data(w.client_frame(w.TEXT, b"x" * 300, b"\x9a\x01\xff\x10"))
    (event,) = list(server.events())
    assert isinstance(event, TextMessage) and event.data == "x" * 300


def test_length_causes() -> None:
    assert w.length_cause(44, 300, (300,)) == "len7-overflow"
    assert w.length_cause(70_000 & 0xFFFF, 70_000, (70_000,)) == "len16-overflow"
    assert w.length_cause(12, 94, (12, 55, 27)) == "fragments-separately"
    assert w.window(bytes(range(256)) * 400, 50_000)[1] == 32


# -- real programs, graded end to end -----------------------------------------------------
def normalise(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    return text


def grade(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[bool, str]:
    monkeypatch.setenv("REF_SEED", "1")  # the reference programs' keys and masks
    monkeypatch.chdir(HERE)
    # `python` from this venv, found on PATH, so the report shows no machine-specific path
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    result = run_lab(get_lab("websocket-client"), argv, SEED)
    return result.ok, normalise(text_report(result))


def check_golden(name: str, text: str) -> None:
    path = HERE / "golden" / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_reference_python_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    ok, text = grade(["python", "ref.py"], monkeypatch)
    assert ok, text
    check_golden("ref", text)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_reference_node_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    ok, text = grade(["node", "ref.js"], monkeypatch)
    assert ok, text
    assert "All 8 stages passed." in text


BROKEN = [
    # variant, stage that fails, words the failure must contain, lesson step
    ("unmasked", "2/8", "is not masked", "#masking"),
    ("len7", "3/8", "length field says 44 bytes", "#frames"),
    ("len16", "4/8", "length field says 4464 bytes", "#frames"),
    ("fragments", "5/8", "Each fragment was echoed as a message of its own", "#fragments"),
    ("pong", "6/8", "the pong's payload is 0 bytes", "#control-frames"),
    ("close_nocode", "2/8", "no status code", "#close"),
    ("no_accept_check", "8/8", "after a 101 with a wrong Sec-WebSocket-Accept", "#accept"),
    ("deflate", "1/8", "a WebSocket library wrote this request", "#handshake"),
    ("early", "1/8", "it answers before it was asked", "#handshake"),
]


@pytest.mark.parametrize(("variant", "stage", "words", "step"), BROKEN)
def test_broken_variant_fails_where_it_should(
    variant: str, stage: str, words: str, step: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok, text = grade(["python", f"broken_{variant}.py"], monkeypatch)
    assert not ok
    failed = " ".join(text.split(f"[{stage}] ", 1)[1].split("\n[", 1)[0].split())
    assert "FAIL" in failed and words in failed, text
    # the step is named by its id; its number follows the lesson as it is now
    assert f"netlearn learn {lesson_step('websocket' + step)}" in failed
    check_golden(f"broken_{variant}", text)


def test_wrong_accept_is_really_wrong() -> None:
    """The bad-accept stage flips one bit: base64 still decodes to 20 bytes, the value differs."""
    good = w.accept_for(KEY)
    wrong = bytearray(base64.b64decode(good))
    wrong[3] ^= 4
    assert base64.b64encode(bytes(wrong)).decode() != good
