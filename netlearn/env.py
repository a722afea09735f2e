"""One environment object, built once per command and passed down (the httpie model).

It answers every question about the outside world that code below the CLI would otherwise ask
on its own: where output goes, whether that is a terminal, how wide it is, whether colour is
wanted, how fast to animate, which random numbers to use, where progress is kept, what time it is.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TextIO

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
_LOOKALIKES = (
    "→->|←<-|↔<->|⇒=>|↑^|↓v|—--|–-|…...|‘'|’'|“\"|”\"|•*|·.|✓v|✔v|✗x|✘x|×x|≈~|≤<=|≥>=|≠!=|▶>|◀<|"
    "\u00a0 "  # a no-break space
)
_ASCII_LOOKALIKE = {entry[0]: entry[1:] for entry in _LOOKALIKES.split("|")}
_HORIZONTAL = "\u2500\u2501\u2504\u2505\u2508\u2509\u254c\u254d\u2550"
_VERTICAL = "\u2502\u2503\u2506\u2507\u250a\u250b\u254e\u254f\u2551"


def _text_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler "netlearn-text": ASCII look-alikes, box lines as -|+, else "?"."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        if ch in _ASCII_LOOKALIKE:
            out.append(_ASCII_LOOKALIKE[ch])
        elif "\u2500" <= ch <= "\u257f":  # box drawing: lines as - and |, the rest +
            out.append("-" if ch in _HORIZONTAL else "|" if ch in _VERTICAL else "+")
        elif "\u2580" <= ch <= "\u259f":  # block elements (bars)
            out.append("#")
        else:
            out.append("?")
    return "".join(out), exc.end


def _json_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler "netlearn-json": a JSON escape, so JSON stays valid and lossless."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    out = []
    for ch in exc.object[exc.start : exc.end]:
        code = ord(ch)
        if code > 0xFFFF:
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            out.append(f"\\u{code:04x}")
    return "".join(out), exc.end


codecs.register_error("netlearn-text", _text_fallback)
codecs.register_error("netlearn-json", _json_fallback)


def _is_utf(stream: object) -> bool:
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True  # a StringIO: no bytes, nothing to fail
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def make_safe(stream: object, errors: str = "netlearn-text") -> None:
    """Let a non-UTF-8 stream (LC_ALL=C, ISO-8859-1) print anything: what it cannot encode is
    replaced (`errors`) instead of raising UnicodeEncodeError halfway through a lesson."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None or _is_utf(stream):
        return
    with contextlib.suppress(Exception):
        stream.flush()  # type: ignore[attr-defined]
        reconfigure(errors=errors)


def make_streams_safe() -> None:
    """`make_safe` for the process's stdout and stderr (the CLI calls it first thing)."""
    make_safe(sys.stdout)
    make_safe(sys.stderr)


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
