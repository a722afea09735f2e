"""The TCP lesson's words: every reason code, state and family looked up by a computed key has
its sentence in lessons/, with the placeholders the code fills."""

from __future__ import annotations

import pytest

from netlearn.content.words import lookup, placeholders, say
from netlearn.lessons.tcp.why import Why

# The numbers the machine hands with each reason (`Sent.args`), by reason.
ARGS: dict[Why, dict[str, float]] = {
    Why.DATA: {"size": 100},
    Why.DATA_PSH: {"size": 100},
    Why.DATA_FILLS_WINDOW: {"size": 100, "window": 4380},
    Why.DATA_PSH_FILLS_WINDOW: {"size": 100, "window": 4380},
    Why.ZERO_WINDOW_PROBE: {"probe": 1, "wait": 2.0},
    Why.FAST_RETRANSMIT: {"ssthresh": 2920, "cwnd": 7300},
    Why.RTO_SYN: {"copy": 1, "waited": 1.0, "rto": 2.0},
    Why.RTO_SYN_ACK: {"copy": 1, "waited": 1.0, "rto": 2.0},
    Why.RTO_DATA: {"copy": 1, "waited": 1.0, "rto": 2.0, "ssthresh": 2920},
}


@pytest.mark.parametrize("why", list(Why))
def test_every_reason_has_its_sentence(why: Why) -> None:
    text = say(f"tcp.reasons.{why}", **ARGS.get(why, {}))
    assert text and "{" not in text


def test_the_machine_fills_what_each_sentence_asks_for() -> None:
    """Run every scenario and check each segment's reason was filled from its own numbers."""
    import random

    from netlearn.lessons.tcp.scenarios import SCENARIOS, run

    seen: set[Why] = set()
    for name in SCENARIOS:
        trace = run(name, random.Random(3))
        seen |= set(trace.reasons.values())
    for why in seen:
        wanted = placeholders(lookup(f"tcp.reasons.{why}"))
        assert wanted == set(ARGS.get(why, {})), why


def test_every_state_has_its_glossary_entry() -> None:
    from netlearn.packets.tcp_states import State, meaning

    for state in State:
        assert meaning(state) == say(f"glossary.tcp-states.{state.value}")


def test_the_lesson_code_holds_no_prose() -> None:
    """The TCP lesson's sentences are in lessons/ (tools/prose.py finds none left in its code)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).parents[1]
    spec = importlib.util.spec_from_file_location("prose", root / "tools" / "prose.py")
    assert spec is not None and spec.loader is not None
    prose = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prose)
    files = sorted((root / "netlearn" / "lessons" / "tcp").glob("*.py"))
    files += [root / "netlearn" / "packets" / name for name in ("tcp_states.py", "tcp_table.py")]
    left = {
        f"{f.name}:{line}": text
        for f in files
        if f.name != "__init__.py"  # the lesson spec (not this lesson's words to move)
        for line, text in prose.measure(f)
    }
    assert left == {}
