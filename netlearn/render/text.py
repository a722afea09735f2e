"""Plain-text pieces shared by every renderer that prints bytes: no Rich, no scapy."""

from __future__ import annotations


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
