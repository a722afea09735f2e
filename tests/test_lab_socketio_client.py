"""The socketio-client lab: its packet checker, and real clients graded against python-socketio.

The reference client (the `websockets` library for the WebSocket, packets by hand) passes every
stage; each broken variant is a known mistake and must fail at the right stage with the right
explanation. Reports are compared with golden files; what varies by nature (ports, times, session
ids, the client's random masks in hex dumps, the Sec-WebSocket-Key and the Date header) is
normalised. `UPDATE_GOLDEN=1` rewrites them.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from netlearn.labs import get_lab
from netlearn.labs import sio_wire as s
from netlearn.labs.report import lesson_step, text_report
from netlearn.labs.runner import run_lab

HERE = Path(__file__).parent / "labs" / "socketio-client"
SEED = 7


def checker() -> s.SioChecker:
    c = s.SioChecker("comet-12", {"word": "kiwi"}, 7, 1.0)
    c.server_packet('0{"sid":"x","pingInterval":1000,"pingTimeout":1000}', 0.0)
    return c


def test_packet_split() -> None:
    pkt = s.split_packet("43/lab,169[351]")
    assert (pkt.kind, pkt.ns, pkt.ack, pkt.data) == ("3", "/lab", 169, "[351]")
    assert s.split_packet('42["a"]').ns == "/"


def test_checker_happy_path_and_carets() -> None:
    c = checker()
    assert c.client_packet("40/lab,", 0.1) is None
    c.server_packet('42/lab,["task",{"event":"comet-12","data":{"word":"kiwi"}}]', 0.2)
    bad = c.client_packet('42/lab,["comet-12","kiwi"]', 0.3)
    assert bad is not None and "asked for" in bad.message
    assert c.client_packet('42/lab,["comet-12",{"word":"kiwi"}]', 0.3) is None
    c.server_packet("2", 1.0)
    assert c.tick(1.5) is None and c.tick(2.1) is not None
    assert c.client_packet("3", 1.2) is None and c.reached("heartbeat")
    c.server_packet('42/lab,169["question",{"a":3,"b":4}]', 1.3)
    wrong = c.client_packet("43/lab,16[7]", 1.4)
    assert wrong is not None and wrong.offset == len("43/lab,") and "169" in (wrong.expected or "")
    assert c.client_packet("43/lab,169[7]", 1.4) is None
    assert c.client_packet("41/lab,", 1.5) is None and c.client_closed() is None
    assert c.reached("disconnect")


def test_checker_rejects_json_that_is_not_an_array() -> None:
    c = checker()
    c.client_packet("40/lab,", 0.1)
    c.server_packet('42/lab,["task",{"event":"e","data":1}]', 0.2)
    bad = c.client_packet('42/lab,{"e":1}', 0.3)
    assert bad is not None and "not a non-empty array" in bad.message and bad.offset == 7


def normalise(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    text = re.sub(r'"sid":"[^"]+"', '"sid":"SID"', text)
    text = re.sub(r"(Sec-WebSocket-(Key|Accept): )[A-Za-z0-9+/=]+", r"\1KEY", text)
    text = re.sub(r'"date: [^"]*"', '"date: DATE"', text)
    text = re.sub(r"(?m)^( +)[0-9a-f]{4}  [0-9a-f ]{47}  \|.*\|$", r"\1HEX", text)
    return text


def grade(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[bool, str]:
    monkeypatch.chdir(HERE)
    # `python` from this venv, found on PATH, so the report shows no machine-specific path
    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    result = run_lab(get_lab("socketio-client"), argv, SEED)
    return result.ok, normalise(text_report(result))


def check_golden(name: str, text: str) -> None:
    path = HERE / "golden" / f"{name}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_reference_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    ok, text = grade(["python", "ref.py"], monkeypatch)
    assert ok, text
    assert "All 5 stages passed." in text


BROKEN = [
    ("open_ignored", "1/5", "before the server's open packet", "#transports"),
    ("no_connect", "1/5", "before connecting to the namespace", "#outsider"),
    ("no_namespace", "2/5", "an EVENT without the namespace goes to /", "#wire"),
    ("no_pong", "3/5", "got no `3` (pong) within pingTimeout", "#heartbeat"),
    ("ack_id", "4/5", "the ACK's id is 1, the question's was 169", "#acks"),
    ("ack_as_event", "4/5", "sent as an EVENT (type 2), not an ACK", "#acks"),
    ("no_disconnect", "5/5", "while the server waited for `41/lab,`", "#reconnect"),
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
    assert f"netlearn learn {lesson_step('socketio' + step)}" in failed
    check_golden(f"broken_{variant}", text)
