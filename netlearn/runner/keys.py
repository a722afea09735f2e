"""Reading single key presses from a terminal, restoring it however we leave."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


@contextmanager
def raw_keys(stream: TextIO | None = None, signals: bool = False) -> Iterator[Iterator[str]]:
    """Yield an iterator of key presses (arrow keys as one escape sequence).

    The terminal is put in cbreak mode (no echo, no line buffering) and restored on the way out,
    including on exceptions. Ctrl-C arrives as a key (ISIG off) unless `signals`: a live demo
    that draws between keys wants Ctrl-C as SIGINT, so that it stops at once, mid-drawing.
    """
    import termios
    import tty

    stream = stream or sys.stdin
    fd = stream.fileno()
    saved = termios.tcgetattr(fd)
    try:
        tty.setcbreak(fd)
        mode = termios.tcgetattr(fd)
        if signals:
            mode[3] |= termios.ISIG
        else:
            mode[3] &= ~termios.ISIG  # Ctrl-C becomes a key we handle as "quit"
        termios.tcsetattr(fd, termios.TCSANOW, mode)
        yield _read_keys(fd)
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def _read_keys(fd: int) -> Iterator[str]:
    import select

    while True:
        first = os.read(fd, 1)
        if not first:
            return
        if first != b"\x1b":
            yield first.decode("utf-8", "replace")
            continue
        seq = first
        # An escape sequence arrives at once; a lone Esc does not continue within 50 ms.
        while select.select([fd], [], [], 0.05)[0]:
            seq += os.read(fd, 1)
            if len(seq) >= 3 and seq[-1:].isalpha() or len(seq) >= 8:
                break
        yield seq.decode("utf-8", "replace")
