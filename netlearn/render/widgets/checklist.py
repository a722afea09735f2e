"""A checklist of what a run showed: each item ticked with its evidence, or marked not seen.

Rich draws it as a table (a tick or a dot, the item, what proves it); `plain_lines` writes
`[x] item: evidence` and `[ ] item: <missing>` lines, so a screen reader hears the same.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


class Checklist:
    """`items`: (item, done, evidence) each; `missing`: what an item not done says instead."""

    def __init__(
        self, title: str, items: Sequence[tuple[str, bool, str]], missing: str = "not seen"
    ) -> None:
        self.title = title
        self.items = tuple(items)
        self.missing = missing

    def plain_lines(self, width: int) -> list[str]:
        lines = [self.title]
        for item, done, evidence in self.items:
            mark = "[x]" if done else "[ ]"
            text = f"{mark} {item}: {evidence if done else self.missing}"
            lines.extend(textwrap.wrap(text, width=width, subsequent_indent="    "))
        return [*lines, ""]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table

        table = Table(title=self.title, title_justify="left", expand=True, show_lines=True)
        table.add_column("", width=1, no_wrap=True)
        table.add_column("item", style="bold", ratio=1)
        table.add_column("observed", ratio=3)
        for item, done, evidence in self.items:
            table.add_row(
                Text("✔", style="bold green") if done else Text("·", style="dim"),
                item,
                Text(evidence) if done else Text(self.missing, style="dim"),
            )
        yield table
        yield Text("")


if __name__ == "__main__":
    demo = Checklist(
        "What this run showed",
        [("the server answered", True, "200 OK in 3 ms"), ("a second client", False, "")],
        missing="not observed in this run",
    )
    Console().print(demo)
    print("\n".join(demo.plain_lines(80)))
