"""The lesson in a real pseudo-terminal: keys typed, screens read, the terminal restored."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


class Terminal:
    """A child process on the slave side of a pty, 80x24, as a learner's terminal."""

    def __init__(self, args: list[str], home: Path) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        env = {**os.environ, "NETLEARN_HOME": str(home), "TERM": "xterm-256color"}
        env.pop("NO_COLOR", None)
        env.pop("COLUMNS", None)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netlearn", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=env,
            start_new_session=True,
        )
        self.buf = b""

    def read_until(self, pattern: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = ANSI.sub("", self.buf.decode("utf-8", "replace"))
            if re.search(pattern, text):
                return text
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    self.buf += os.read(self.master, 65536)
                except OSError:
                    break
        raise AssertionError(f"{pattern!r} never appeared; screen so far:\n{text[-2000:]}")

    def send(self, keys: str) -> None:
        self.buf = b""
        os.write(self.master, keys.encode())

    def wait(self, timeout: float = 30) -> int:
        end = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < end:
            if select.select([self.master], [], [], 0.1)[0]:
                try:
                    self.buf += os.read(self.master, 65536)
                except OSError:
                    break
        return self.proc.wait(timeout=1)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
        os.close(self.slave)


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
