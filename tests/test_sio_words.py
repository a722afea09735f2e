"""The Socket.IO lesson's words: every family the code looks up by a computed key has its words,
and the pieces that moved out of the code (the quiz's encoder, the named widgets) still hold."""

from __future__ import annotations

import random
from io import StringIO

import pytest

from netlearn.content.words import items, known, say, table
from netlearn.lessons.socketio import protocol
from netlearn.lessons.socketio.problems import PacketError, Problem


def test_every_engineio_and_socketio_type_has_its_glossary_entry() -> None:
    from netlearn.lessons.socketio.lines import eio_meaning, sio_meaning

    for kind, name in enumerate(protocol.EIO_TYPES):
        assert eio_meaning(kind).startswith(name + ":")
    for kind in range(len(protocol.SIO_TYPES)):
        assert sio_meaning(kind)
    for key in protocol.OPEN_KEYS:
        assert say(f"glossary.engineio-open.{key}")


def test_every_problem_has_its_sentence_and_the_code_travels_with_it() -> None:
    for problem in Problem:
        assert known(f"socketio.errors.{problem.value}"), problem
    with pytest.raises(PacketError) as caught:
        protocol.decode_sio("")
    assert caught.value.problem is Problem.EMPTY_SIO
    assert str(caught.value) == say("socketio.errors.empty-sio")


def test_the_families_named_in_code_have_their_words() -> None:
    from netlearn.lessons.socketio import live, quiz, side_by_side

    names = table("socketio.check-items")
    assert list(names) == list(live.CHECKS)
    for row in side_by_side.COMPARISON_ROWS:
        assert len(items(f"socketio.compare.rows.{row}")) == 3
    for scenario in quiz.SCENARIOS:
        assert known(f"socketio.packet-quiz.meanings.{scenario}")
    sections = {
        "intro", "handshake", "events", "targets", "heartbeat", "errors",
        "reconnect", "outsider", "scaling", "logging", "summary",
    }  # fmt: skip
    assert set(table("socketio.sections")) == sections
    for step in ("connection", "events", "broadcasting", "errors", "reconnect", "scalability"):
        assert say(f"socketio.proof-steps.{step}")


def test_the_section_titles_keep_their_step_ids() -> None:
    """The guided demo's Progress ids come from the titles: a renamed title renames the id."""
    ids = [t.lower().replace(" ", "-") for t in table("socketio.sections").values()]
    assert ids[:3] == [
        "socket.io,-live",
        "the-handshake:-engine.io-first,-then-socket.io",
        "events-and-acknowledgements",
    ]


def test_the_quiz_encodes_each_packet_as_python_socketio_does() -> None:
    """The quiz uses the lesson's own codec; python-socketio's packet classes are the oracle."""
    from engineio import packet as eio
    from socketio import packet as sio

    from netlearn.lessons.socketio.quiz import SCENARIOS, encode

    for seed in range(50):
        for scenario in SCENARIOS:
            text, _, _ = encode(scenario, random.Random(seed))
            theirs = eio.Packet()
            theirs.decode(text)
            if theirs.packet_type == eio.MESSAGE:
                inner = sio.Packet(encoded_packet=theirs.data)
                again = eio.Packet(eio.MESSAGE, data=inner.encode()).encode()
            else:
                again = theirs.encode()
            assert again == text, (scenario, seed)


def test_named_widgets_draw_plain_and_rich() -> None:
    from rich.console import Console

    from netlearn.render.widgets.checklist import Checklist
    from netlearn.render.widgets.code_pair import CodePair, Listing
    from netlearn.render.widgets.delivery_table import DeliveryTable, Sent

    pair = CodePair("t", Listing("JS", "a()", "javascript"), Listing("Py", "a()", "python"), "n")
    check = Checklist("proof", [("one", True, "seen"), ("two", False, "")], missing="not seen")
    table_ = DeliveryTable(
        "who", [Sent("emit()", "emit()", "42[]", (("ann", True), ("bo", False)))]
    )
    assert pair.plain_lines(80) == ["t", "  JS:", "    a()", "  Py:", "    a()", "  n", ""]
    assert check.plain_lines(80) == ["proof", "[x] one: seen", "[ ] two: not seen", ""]
    assert table_.plain_lines(80)[-2] == "    packet 42[] -> ann yes, bo no"
    for width in (80, 120):
        out = StringIO()
        console = Console(file=out, width=width)
        for widget in (pair, check, table_):
            console.print(widget)
        assert "ann" in out.getvalue() and "not seen" in out.getvalue()
