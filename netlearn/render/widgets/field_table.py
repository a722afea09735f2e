"""A layer's header fields as a table: name, size in bits, value, meaning."""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

from netlearn.content import words
from netlearn.content.words import say
from netlearn.events import LayerInfo
from netlearn.render.style import FLAG_STYLE, osi_style


class FieldTable:
    """Drawn from scapy's `fields_desc` via `LayerInfo`; the `flags` field stands out."""

    def __init__(self, layer: LayerInfo, highlight: set[str] | None = None) -> None:
        self.layer = layer
        self.highlight = highlight or {"flags"}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        layer = self.layer
        style = osi_style(layer.osi)
        table = Table(
            title=say(
                "core.render.inspector.field-table",
                name=layer.long_name,
                osi=layer.osi,
                osi_name=layer.osi_name,
                first=layer.start,
                last=layer.end - 1,
                size=layer.end - layer.start,
            ),
            title_style=f"bold {style}",
            title_justify="left",
            border_style=style,
            expand=False,
            show_lines=False,
        )
        col = words.table("core.render.inspector.columns")
        table.add_column(col["field"], style="bold", no_wrap=True)
        table.add_column(col["bits"], justify="right")
        table.add_column(col["value"], overflow="fold", max_width=28)
        table.add_column(col["meaning"], overflow="fold", ratio=1)
        for f in layer.fields:
            value_style = FLAG_STYLE if f.name in self.highlight else ""
            table.add_row(
                f.name,
                str(f.bits),
                f"[{value_style}]{_esc(f.value)}[/]" if value_style else _esc(f.value),
                f.meaning,
            )
        yield table


def _esc(text: str) -> str:
    from rich.markup import escape

    return escape(text)


if __name__ == "__main__":
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view

    for lay in packet_view(build("http"), "http").layers:
        Console().print(FieldTable(lay))
