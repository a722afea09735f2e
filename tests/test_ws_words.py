"""The WebSocket lesson's words: every family looked up by a computed key has all its members."""

from __future__ import annotations

from netlearn.content.words import say, table
from netlearn.lessons.websocket import demo
from netlearn.lessons.websocket.frames import CLOSE_CODES, close_code_name
from netlearn.lessons.websocket.handshake import explain_headers


def test_every_demo_stage_has_a_title() -> None:
    for step_id, _ in demo.STAGES:
        assert say(f"websocket.demo.stages.{step_id}")


def test_close_codes_come_from_the_glossary() -> None:
    assert set(CLOSE_CODES) == set(range(1000, 1016)) - {1004}
    assert close_code_name(1000) == "normal closure"
    assert close_code_name(3001) == "registered for libraries and frameworks"
    assert close_code_name(4001) == "private use by applications"
    assert close_code_name(999) == "not a valid status code"


def test_header_glossaries_explain_the_handshake_headers() -> None:
    request = table("glossary.websocket-headers.request")
    for name in ("host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"):
        assert request[name]
    notes = explain_headers([("Connection", "close")], response=True, status=400)
    assert notes[0].meaning == say("glossary.websocket-headers.start.connection-close")
    statuses = table("glossary.websocket-headers.status")
    assert set(statuses) >= {"101", "400", "403", "404", "426", "431", "503"}
