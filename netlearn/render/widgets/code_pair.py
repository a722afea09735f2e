"""The same idea in two languages, side by side: two code listings in framed panels.

On a console 110 columns wide or more the listings stand next to each other, each half the
width; narrower, one above the other. A title above and a note below. `plain_lines` gives the
same as text: each listing under its heading, indented.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

SIDE_BY_SIDE = 110  # columns from which the two listings stand next to each other


@dataclass(frozen=True)
class Listing:
    """One side: its heading, the code, the language Rich highlights it as, the frame colour."""

    heading: str
    code: str
    language: str
    border: str = "blue"


class CodePair:
    """Two listings of the same idea (say JavaScript beside Python), with a title and a note."""

    def __init__(self, title: str, left: Listing, right: Listing, note: str = "") -> None:
        self.title = title
        self.left = left
        self.right = right
        self.note = note

    def plain_lines(self, width: int) -> list[str]:
        """The pair as text: title, each listing under its heading, the note, a blank line."""
        lines = [self.title]
        for side in (self.left, self.right):
            lines.append(f"  {side.heading}:")
            lines.extend("    " + line for line in side.code.splitlines())
        if self.note:
            lines.extend(
                textwrap.wrap(self.note, width=width, initial_indent="  ", subsequent_indent="  ")
            )
        return [*lines, ""]

    def _panel(self, side: Listing):  # type: ignore[no-untyped-def]
        from rich.panel import Panel
        from rich.syntax import Syntax

        return Panel(
            Syntax(side.code, side.language, theme="ansi_dark", word_wrap=True),
            title=side.heading,
            title_align="left",
            border_style=side.border,
        )

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.columns import Columns

        left, right = self._panel(self.left), self._panel(self.right)
        yield Text(self.title, style="bold")
        if options.max_width >= SIDE_BY_SIDE:
            half = (options.max_width - 1) // 2
            left.width = right.width = half
            yield Columns([left, right])
        else:
            yield left
            yield right
        if self.note:
            yield Text(self.note, style="italic")
        yield Text("")


if __name__ == "__main__":
    pair = CodePair(
        "Adding one, in two languages",
        Listing("JavaScript", "const add = (n) => n + 1;", "javascript", border="yellow"),
        Listing("Python", "def add(n):\n    return n + 1", "python"),
        note="One function, two syntaxes.",
    )
    Console().print(pair)
    print("\n".join(pair.plain_lines(80)))
