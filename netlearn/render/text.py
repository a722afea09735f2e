"""Plain-text pieces shared by every renderer that prints bytes: no Rich, no scapy."""

from __future__ import annotations

import textwrap


def ascii_of(chunk: bytes) -> str:
    """The bytes as a hex dump's text column: printable ASCII as itself, anything else `.`."""
    return "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)


def hex_row(
    data: bytes, start: int, per_line: int = 16, offset_width: int = 4, bars: bool = True
) -> str:
    """`0010  81 05 68 65 ...  |..he|`: the row of a hex dump that begins at `start`."""
    chunk = data[start : start + per_line]
    hexes = " ".join(f"{b:02x}" for b in chunk)
    text = ascii_of(chunk)
    return f"{start:0{offset_width}x}  {hexes:<{per_line * 3 - 1}}  {f'|{text}|' if bars else text}"


def wrap(
    text: str,
    width: int,
    indent: str = "",
    rest: str | None = None,
    *,
    min_width: int = 1,
    hyphens: bool = False,
    long_words: bool = True,
    keep_spaces: bool = False,
) -> list[str]:
    """`text` wrapped to `width`: first line after `indent`, the others after `rest`.

    `rest` defaults to `indent`. Never an empty list: text with nothing to wrap gives `[indent]`.
    `min_width` floors a narrow width; `hyphens` lets lines break after a hyphen;
    `long_words=False` keeps a word longer than the line whole; `keep_spaces` keeps the text's own
    whitespace (for raw packets shown as they are).
    """
    extra: dict[str, bool] = (
        {"replace_whitespace": False, "drop_whitespace": False} if keep_spaces else {}
    )
    return textwrap.wrap(
        text,
        width=max(min_width, width),
        initial_indent=indent,
        subsequent_indent=indent if rest is None else rest,
        break_on_hyphens=hyphens,
        break_long_words=long_words,
        **extra,
    ) or [indent]


def hex_bytes(data: bytes, limit: int = 16, count_rest: bool = False) -> str:
    """`81 05 68 65`: the first `limit` bytes in hex; longer data ends ` …`, or ` … (+N bytes)`."""
    text = data[:limit].hex(" ")
    if len(data) > limit:
        text += f" … (+{len(data) - limit} bytes)" if count_rest else " …"
    return text


def arrow(direction: str, ascii_only: bool = True) -> str:
    """The arrow of a message going `up` (client to server, `->` / `──▶`) or down (`<-` / `◀──`)."""
    if ascii_only:
        return "->" if direction == "up" else "<-"
    return "──▶" if direction == "up" else "◀──"


def route(src: str, dst: str, fallback: str = "frame") -> str:
    """`client -> server`; with one end unknown just the known one, with neither `fallback`."""
    return f"{src} -> {dst}" if src and dst else src or dst or fallback


def plural(n: int, word: str) -> str:
    """`1 byte`, `2 bytes`: a count and a noun that takes a plain -s."""
    return f"{n} {word}{'' if n == 1 else 's'}"
