"""The layer stack: the packet as nested headers, outermost at the left, as it sits on the wire."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.content.words import say
from netlearn.events import LayerInfo
from netlearn.packets.layers import by_number
from netlearn.render.style import colourless, osi_style


class LayerStack:
    """One row per layer, indented as each header wraps the ones inside it.

    `shown` limits the drawing to the innermost N layers (wrapping) or the outermost removed
    (unwrapping), which is how the encapsulation animation grows and shrinks the stack.
    """

    def __init__(self, layers: Sequence[LayerInfo], total: int, active: str | None = None) -> None:
        self.layers = layers
        self.total = total
        self.active = active

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(20, min(options.max_width, 78))
        for depth, layer in enumerate(self.layers):
            style = osi_style(layer.osi)
            size = layer.end - layer.start
            inner = self.total - layer.end
            if layer.end == self.total and depth:
                what = say("core.render.inspector.data")
            else:
                what = say("core.render.inspector.header")
            label = "  " * depth + say(
                "core.render.inspector.stack-line",
                osi_name=by_number(layer.osi).name,
                osi=layer.osi,
                name=layer.name,
                what=what,
                size=size,
            )
            if inner:
                label += say("core.render.inspector.inside", size=inner)
            if colourless(console):  # the active layer by a marker, not by reverse video alone
                label = ("▶ " if self.active == layer.name else "  ") + label
            line = Text(label.ljust(width)[:width], style=style)
            if self.active == layer.name:
                line.stylize("bold reverse")
            yield line


if __name__ == "__main__":
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view

    view = packet_view(build("http"), "http")
    Console().print(LayerStack(view.layers, len(view.raw)))
