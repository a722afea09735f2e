"""Colours shared by every widget, so a layer has the same colour everywhere."""

from __future__ import annotations

OSI_STYLE: dict[int, str] = {
    7: "magenta",
    6: "bright_magenta",
    5: "bright_blue",
    4: "green",
    3: "cyan",
    2: "yellow",
    1: "white",
}

FLAG_STYLE = "bold reverse"


def osi_style(number: int) -> str:
    """The colour of an OSI layer."""
    return OSI_STYLE.get(number, "white")


def colourless(console: object) -> bool:
    """True when `console` shows no colour (NO_COLOR, TERM=dumb, a pipe): widgets then mark
    with text what colour would have told (`[SYN]`, a layer's name at its first byte)."""
    return bool(getattr(console, "no_color", False)) or getattr(console, "color_system", 1) is None
