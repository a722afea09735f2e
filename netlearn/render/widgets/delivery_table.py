"""Who got a copy: one row per way of sending, one column per receiver, a tick where it arrived.

Each row names the call in two languages and the packet it sent; the receivers' columns are
coloured by `style_of(name)`. `plain_lines` lists each call with `name yes/no` for each receiver.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text


@dataclass(frozen=True)
class Sent:
    """One way of sending: the call in each language, the packet, who got it."""

    first: str  # the call as the tutorials write it (JavaScript)
    second: str  # the same call in the other language (Python)
    packet: str
    got: tuple[tuple[str, bool], ...]


class DeliveryTable:
    """`rows`: the ways of sending, each with the same receivers in the same order."""

    def __init__(
        self,
        title: str,
        rows: Sequence[Sent],
        caption: str = "",
        style_of: Callable[[str], str] = lambda name: "",
        heading: str = "server call",
        second_label: str = "Python",
    ) -> None:
        self.title = title
        self.rows = tuple(rows)
        self.caption = caption
        self.style_of = style_of
        self.heading = heading
        self.second_label = second_label

    def plain_lines(self, width: int) -> list[str]:
        lines = [self.title]
        for row in self.rows:
            marks = ", ".join(f"{name} {'yes' if got else 'no'}" for name, got in row.got)
            lines.extend(textwrap.wrap(f"- {row.first}", width=width, subsequent_indent="    "))
            for text in (f"{self.second_label}: {row.second}", f"packet {row.packet} -> {marks}"):
                lines.extend(
                    textwrap.wrap(
                        text, width=width, initial_indent="    ", subsequent_indent="      "
                    )
                )
        if self.caption:
            lines.extend(textwrap.wrap(self.caption, width=width))
        return [*lines, ""]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table

        table = Table(title=self.title, title_justify="left", expand=True, show_lines=True)
        table.add_column(self.heading, ratio=5, overflow="fold")
        names = [name for name, _ in self.rows[0].got] if self.rows else []
        for name in names:
            table.add_column(name, justify="center", ratio=1, style=self.style_of(name))
        for row in self.rows:
            call = Text(row.first, style="yellow")
            call.append("\n" + row.second, style="blue")
            call.append("\n" + row.packet, style="bold")
            marks = (
                Text("✔", style="bold green") if got else Text("—", style="dim")
                for _, got in row.got
            )
            table.add_row(call, *marks)
        if self.caption:
            table.caption = self.caption
        yield table
        yield Text("")


if __name__ == "__main__":
    demo = DeliveryTable(
        "Who got each message",
        [
            Sent("send(all)", "send_all()", "hello", (("ann", True), ("ben", True))),
            Sent("send(ann)", "send_to('ann')", "hi ann", (("ann", True), ("ben", False))),
        ],
        caption="A tick: that receiver's handler ran.",
    )
    Console().print(demo)
    print("\n".join(demo.plain_lines(80)))
