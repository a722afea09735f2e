"""The lesson in a real pseudo-terminal: keys typed, screens read, the terminal restored."""

from __future__ import annotations

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
    """Press `key` and wait for the app's header to say step `number`."""
    t.send(key)
    return t.read_until(rf"step {number} of \d+")


def test_keys_move_through_the_lesson_in_the_app_and_it_resumes(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until(r"step 1 of \d+")
    t.read_until("q quit")  # the footer of keys
    next_step(t, 2)
    next_step(t, 1, "\x1b[D")  # left arrow: back
    next_step(t, 2, "\x1b[C")  # right arrow: next
    next_step(t, 3, "n")
    next_step(t, 2, "b")
    t.send("r")  # replay in place: still step 2
    t.send("q")
    text = t.read_until("resumes here")
    assert "Stopped at step 2 of" in text
    assert t.wait() == 0
    # the terminal is back in the mode it was in before netlearn took it over
    assert termios.tcgetattr(t.slave) == t.before

    again = terminal("learn", "osi", "--speed", "100")
    again.read_until(r"step 2 of \d+")  # resumed where the learner stopped
    again.send("q")
    assert again.wait() == 0


def test_hint_key_opens_the_hint_panel(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until("q quit")
    t.send("h")
    text = t.read_until(r"hint|No \(more\) hints")
    assert "Traceback" not in text
    t.send("q")
    assert t.wait() == 0


def test_ctrl_c_quits_with_130_and_restores_the_terminal(terminal) -> None:
    t = terminal("learn", "osi", "--speed", "100")
    t.read_until("q quit")
    t.send("\x03")
    text = t.read_until("resumes here")
    assert t.wait() == 130
    assert "Traceback" not in text
    assert termios.tcgetattr(t.slave) == t.before


def test_home_menu_opens_a_lesson_and_quits(terminal) -> None:
    t = terminal()
    t.read_until("Lessons")
    t.read_until("continue")
    t.send("\r")  # the highlighted lesson: the first one, new
    t.read_until(r"step 1 of \d+")
    t.send("q")  # back to the menu
    t.read_until(r"step 1 of \d+|Lessons")
    t.send("q")
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
