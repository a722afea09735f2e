"""A learner's terminal for tests: a command on the slave side of an 80x24 pseudo-terminal."""

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

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _controlling_tty() -> None:
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


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
            # The pty becomes the child's controlling terminal, as a learner's terminal is: a
            # typed Ctrl-C is then the line discipline's SIGINT whenever ISIG is on.
            preexec_fn=_controlling_tty,
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
