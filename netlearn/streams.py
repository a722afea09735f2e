"""Output that never breaks on a character: codec error handlers for non-UTF-8 terminals.

Apart from `netlearn.env` so that the entry point can make its streams safe first thing without
importing the environment (and dataclasses) when all it does is print `--help`.
"""

from __future__ import annotations

import codecs
import contextlib
import sys

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
