"""One environment object, built once per command and passed down (the httpie model).

It answers every question about the outside world that code below the CLI would otherwise ask
on its own: where output goes, whether that is a terminal, how wide it is, whether colour is
wanted, how fast to animate, which random numbers to use, where progress is kept, what time it is.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

from netlearn.streams import (  # noqa: F401 (their old home: tests and callers import them here)
    _json_fallback,
    _text_fallback,
    make_safe,
    make_streams_safe,
)

if TYPE_CHECKING:
    from rich.console import Console

Format = Literal["rich", "plain", "json"]
FORMATS = ("auto", "rich", "plain", "json")


def default_data_dir() -> Path:
    """`NETLEARN_HOME` if set, else the platform's per-user data directory."""
    home = os.environ.get("NETLEARN_HOME")
    if home:
        return Path(home).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("netlearn", appauthor=False))


# Characters netlearn prints that a non-UTF-8 terminal (LC_ALL=C, ISO-8859-1) may not show, and
# what to print instead (each entry: the character, then its stand-in); anything else is "?".
def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


@dataclass
class Env:
    """What a command knows about its surroundings."""

    stdout: TextIO
    stderr: TextIO
    stdin: TextIO
    fmt: Format
    is_tty: bool
    stdin_tty: bool
    width: int
    color: bool
    animate: bool
    speed: float = 1.0
    height: int = 24
    seed: int | None = None
    data_dir: Path = field(default_factory=default_data_dir)
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)
    _console: Console | None = field(default=None, repr=False)

    @property
    def interactive(self) -> bool:
        """True when a person can press keys: both ends are a terminal and we are not in --auto."""
        return self.is_tty and self.stdin_tty and self.fmt == "rich"

    @classmethod
    def build(
        cls,
        fmt: str = "auto",
        *,
        seed: int | None = None,
        speed: float = 1.0,
        animate: bool | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        stdin: TextIO | None = None,
        width: int | None = None,
        data_dir: Path | None = None,
    ) -> Env:
        """Build the environment from the real process state, with explicit overrides."""
        from netlearn.errors import NetlearnError

        out = stdout if stdout is not None else sys.stdout
        err = stderr if stderr is not None else sys.stderr
        inp = stdin if stdin is not None else sys.stdin
        tty = _isatty(out)
        if fmt not in FORMATS:
            raise NetlearnError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
        resolved: Format = ("rich" if tty else "plain") if fmt == "auto" else fmt  # type: ignore[assignment]
        no_color = "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != ""
        dumb = os.environ.get("TERM") == "dumb"
        if width is None:
            cols = os.environ.get("COLUMNS")
            if cols and cols.isdigit():
                width = int(cols)
            elif tty and hasattr(out, "fileno"):
                try:
                    width = os.get_terminal_size(out.fileno()).columns
                except OSError:
                    width = 80
            else:
                width = 80
        height = 24
        if tty and hasattr(out, "fileno"):
            with contextlib.suppress(OSError):
                height = os.get_terminal_size(out.fileno()).lines
        if os.environ.get("LINES", "").isdigit():
            height = int(os.environ["LINES"])
        if speed <= 0:
            raise NetlearnError("--speed must be greater than 0")
        # JSON goes out escaped where the encoding cannot carry a character: still valid JSON.
        make_safe(out, "netlearn-json" if resolved == "json" else "netlearn-text")
        make_safe(err)
        return cls(
            stdout=out,
            stderr=err,
            stdin=inp,
            fmt=resolved,
            is_tty=tty,
            stdin_tty=_isatty(inp),
            width=max(40, width),
            color=tty and not no_color and not dumb and resolved == "rich",
            animate=(tty and resolved == "rich") if animate is None else animate,
            speed=speed,
            height=max(10, height),
            seed=seed,
            data_dir=data_dir if data_dir is not None else default_data_dir(),
            rng=random.Random(seed),
        )

    def console(self) -> Console:
        """The Rich console for stdout (created on first use: Rich is not imported before)."""
        if self._console is None:
            from rich.console import Console

            # NO_COLOR takes colour away, not meaning: on a terminal, bold, underline and reverse
            # video stay, so what colour told apart is still told apart (https://no-color.org).
            styled = self.color or (
                self.is_tty
                and self.fmt == "rich"
                and os.environ.get("NO_COLOR", "") != ""
                and os.environ.get("TERM", "") != "dumb"
            )
            self._console = Console(
                file=self.stdout,
                width=self.width,
                force_terminal=self.is_tty and styled,
                no_color=not self.color,
                color_system=("auto" if self.color else "standard") if styled else None,
                highlight=False,
                emoji=False,
            )
        return self._console

    def pause(self, seconds: float) -> None:
        """Sleep for an animation beat, scaled by --speed; nothing when not animating."""
        if self.animate and seconds > 0:
            self.sleep(seconds / self.speed)

    def warn(self, message: str) -> None:
        """A one-line warning on stderr."""
        print(f"netlearn: warning: {message}", file=self.stderr)
