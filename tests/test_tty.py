"""The lesson in a real pseudo-terminal: keys typed, screens read, the terminal restored."""

from __future__ import annotations

import re
import termios
from pathlib import Path

import pytest
from pty_terminal import Terminal


@pytest.fixture
def terminal(netlearn_home: Path):  # type: ignore[no-untyped-def]
    opened: list[Terminal] = []

    def start(*args: str) -> Terminal:
        t = Terminal(list(args), netlearn_home)
        opened.append(t)
        return t

    yield start
    for t in opened:
        t.close()


def next_step(t: Terminal, number: int, key: str = "\r") -> str:
    """Press `key` (then Enter) through the pages of a tall step until step `number` shows."""
    for _ in range(12):
        t.send(key)
        text = t.read_until(r"q quit")
        if re.search(rf"Step {number} of \d+", text):
            return text
        key = "\r"
    raise AssertionError(f"step {number} never appeared")


def test_keys_move_through_the_lesson_and_it_resumes(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until(r"Step 1 of \d+")
    t.read_until("q quit")
    next_step(t, 2)
    t.send("\x1b[D")  # left arrow: back (a page, or the step before)
    for _ in range(12):
        if re.search(r"Step 1 of \d+", t.read_until("q quit")):
            break
        t.send("b")
    else:
        raise AssertionError("never got back to step 1")
    next_step(t, 2, key=" ")
    t.send("r")
    t.read_until(r"Step 2 of \d+")
    t.send("q")
    t.read_until("resumes here")
    assert t.wait() == 0
    # the terminal is back in the mode it was in before netlearn took its keys
    assert termios.tcgetattr(t.slave) == t.before

    again = terminal("learn", "osi", "--speed", "100")
    again.read_until(r"Step 2 of \d+")  # resumed where the learner stopped
    again.send("q")
    assert again.wait() == 0


def test_hint_key(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until("q quit")
    t.send("h")
    text = t.read_until(r"tip|No \(more\) hints")
    assert "Traceback" not in text
    t.send("q")
    assert t.wait() == 0


def test_ctrl_c_quits_and_restores_the_terminal(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until("q quit")
    t.send("\x03")
    t.read_until("resumes here")
    assert t.wait() == 0
    assert termios.tcgetattr(t.slave) == t.before


def test_auto_plays_to_the_end_on_a_terminal(terminal) -> None:
    t = terminal("learn", "osi", "--auto", "--speed", "200")
    t.read_until("You finished", timeout=60)
    assert t.wait() == 0


def test_ctrl_c_during_an_animation_exits_130_with_one_line(terminal) -> None:
    import signal

    t = terminal("osi", "--walk", "--speed", "0.2")
    t.read_until(r"1/4")
    t.proc.send_signal(signal.SIGINT)
    text = t.read_until("interrupted")
    assert t.wait() == 130
    assert "Traceback" not in text
    assert termios.tcgetattr(t.slave) == t.before


def test_ctrl_c_typed_while_a_live_demo_draws_stops_it_at_once(terminal) -> None:
    """Typed Ctrl-C (the terminal's own SIGINT, not one sent by the test) while the WebSocket
    demo is still drawing a step: it stops then, not at the next prompt."""
    import time

    t = terminal("websocket", "--seed", "1")
    t.read_until(r"Enter: step 2 of")
    t.send("\r")  # step 2 starts drawing: it pauses between its parts on a terminal
    t.read_until(r"\S", timeout=10)
    start = time.monotonic()
    t.send("\x03")
    text = t.read_until("interrupted", timeout=5)
    assert t.wait(timeout=5) == 130
    assert time.monotonic() - start < 1.0
    assert "Traceback" not in text
    assert termios.tcgetattr(t.slave) == t.before
