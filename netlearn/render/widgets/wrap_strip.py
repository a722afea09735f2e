"""The wrap strip: a PDU drawn as a row of coloured blocks, one per header, outermost at the left.

Block widths follow the byte counts (with a floor so every label fits), so the learner sees each
header being added in front of what it carries, and how small the headers are next to the data.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.content.words import say
from netlearn.events import LayerInfo
from netlearn.render.style import osi_style


def _label(layer: LayerInfo, innermost: bool) -> str:
    size = layer.end - layer.start
    name = say("core.render.inspector.strip-data") if innermost else layer.name
    return f"{name} {size}B"


class WrapStrip:
    def __init__(self, stack: Sequence[LayerInfo], highlight: str | None = None) -> None:
        self.stack = stack
        self.highlight = highlight

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.stack:
            return
        width = min(options.max_width, 78)
        labels = [_label(x, i == len(self.stack) - 1) for i, x in enumerate(self.stack)]
        floors = [len(lb) + 2 for lb in labels]
        total = sum(x.end - x.start for x in self.stack)
        spare = max(0, width - sum(floors))
        sizes = [x.end - x.start for x in self.stack]
        widths = [f + int(spare * n / total) for f, n in zip(floors, sizes, strict=True)]
        from netlearn.render.style import colourless

        marked = colourless(console)
        line = Text()
        for layer, label, w in zip(self.stack, labels, widths, strict=True):
            style = f"black on {osi_style(layer.osi)}"
            if self.highlight == layer.name:
                style = f"bold {style}"
                if marked:  # without colour: the new header in capitals, between brackets
                    label = label.upper()
            if marked:  # blocks without colour run together: bracket each one
                bold = "bold" if self.highlight == layer.name else ""
                line.append(("[" + label.center(w - 2) + "]")[:w], style=bold)
            else:
                line.append(label.center(w)[:w], style=style)
        yield line


def plain_strip(stack: Sequence[LayerInfo]) -> str:
    """The same strip as text: [Ether 14B][IP 20B][TCP 20B][data 79B]."""
    return "".join(f"[{_label(x, i == len(stack) - 1)}]" for i, x in enumerate(stack))


if __name__ == "__main__":
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view

    view = packet_view(build("http"), "http")
    for k in range(1, len(view.layers) + 1):
        Console().print(WrapStrip(view.layers[-k:], highlight=view.layers[-k].name))
