"""The TCP control bits as they sit in the header, highest bit first, the set ones lit up.

In colour, a set bit is drawn in reverse video; without colour (NO_COLOR, a pipe) it is drawn
in brackets, `[SYN]`, and the clear ones in lower case, so which bits are set never depends on
colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.render.style import colourless

# RFC 9293 section 3.1 (with AE, RFC 3540's NS), highest bit first.
BITS = ("AE", "CWR", "ECE", "URG", "ACK", "PSH", "RST", "SYN", "FIN")


class FlagStrip:
    """`set_names`: the names of the bits that are set (e.g. ("SYN", "ACK"))."""

    def __init__(
        self, set_names: Sequence[str], bits: Sequence[str] = BITS, tail: str = ""
    ) -> None:
        self.set_names = {name.upper() for name in set_names}
        self.bits = bits
        self.tail = tail

    def text(self, marked: bool) -> Text:
        out = Text("flags  ")
        for name in self.bits:
            on = name in self.set_names
            if marked:
                out.append(f"[{name}]" if on else f" {name.lower()} ", style="bold" if on else "")
            else:
                out.append(f" {name} ", style="bold reverse green" if on else "dim")
        if marked:
            shown = [name for name in self.bits if name in self.set_names]
            out.append(f"  set: {', '.join(shown) or 'none'}")
        if self.tail:
            out.append(f"  {self.tail}")
        return out

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.text(colourless(console))
