"""A hex dump coloured by layer: which bytes belong to which header."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from netlearn.events import LayerInfo
from netlearn.render.style import osi_style
from netlearn.render.text import ascii_of


def layer_at(layers: Sequence[LayerInfo], offset: int) -> LayerInfo | None:
    """The layer whose header holds byte `offset`."""
    for layer in layers:
        if layer.start <= offset < layer.end:
            return layer
    return None


class HexDump:
    """Offset, 16 bytes in hex, and their ASCII; each byte in its layer's colour."""

    def __init__(
        self,
        raw: bytes,
        layers: Sequence[LayerInfo] = (),
        highlight: tuple[int, int] | None = None,
        per_line: int = 16,
        legend: bool = True,
    ) -> None:
        self.raw = raw
        self.layers = layers
        self.highlight = highlight
        self.per_line = per_line
        self.legend = legend

    def _style(self, offset: int) -> str:
        layer = layer_at(self.layers, offset)
        style = osi_style(layer.osi) if layer else ""
        if self.highlight and self.highlight[0] <= offset < self.highlight[1]:
            style = f"bold reverse {style}".strip()
        return style

    def _sep(self, offset: int, marked: bool, first: bool) -> str:
        """The character before byte `offset`: without colour it marks where a layer or the
        highlighted range begins (`|`, `[`) or where the highlight ends (`]`)."""
        if not marked:
            return " "
        if self.highlight and offset == self.highlight[0]:
            return "["
        if self.highlight and offset == self.highlight[1]:
            return "]"
        if not first and any(layer.start == offset for layer in self.layers):
            return "|"
        return " "

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from netlearn.render.style import colourless

        marked = colourless(console)
        per_line = self.per_line
        if options.max_width < 6 + per_line * 3 + per_line + 2:
            per_line = 8
        for start in range(0, len(self.raw), per_line):
            line = Text()
            line.append(f"{start:04x} ", style="dim")  # only the offset is dim
            chunk = self.raw[start : start + per_line]
            for i, byte in enumerate(chunk):
                line.append(self._sep(start + i, marked, start + i == 0))
                line.append(f"{byte:02x}", style=self._style(start + i))
            end = start + len(chunk)
            closing = self.highlight and end == self.highlight[1] and marked
            line.append("]" if closing else " ")
            line.append("   " * (per_line - len(chunk)))
            line.append(" ")
            for i, byte in enumerate(chunk):
                ch = chr(byte) if 32 <= byte < 127 else "."
                line.append(ch, style=self._style(start + i))
            if marked and self.layers:
                names: list[str] = []
                for offset in range(start, end):
                    layer = layer_at(self.layers, offset)
                    if layer and layer.name not in names:
                        names.append(layer.name)
                tag = f"  [{', '.join(names)}]" if names else ""
                if len(line) + len(tag) <= options.max_width:
                    line.append(tag, style="dim")
            yield line
        if self.layers and self.legend:
            legend = Text()
            legend.append("bytes: ", style="dim")
            for i, layer in enumerate(self.layers):
                span = f"{layer.name} {layer.start}-{layer.end - 1}"
                if marked:  # four identical squares would say nothing: names and ranges
                    legend.append(("" if i == 0 else " | ") + span, "bold" if i % 2 else "")
                else:
                    legend.append(f"■ {span}  ", osi_style(layer.osi))
            yield legend


def plain_hexdump(raw: bytes, layers: Sequence[LayerInfo] = (), per_line: int = 16) -> list[str]:
    """The same dump without colour: each line names the layers its bytes belong to."""
    out = []
    for start in range(0, len(raw), per_line):
        chunk = raw[start : start + per_line]
        hexpart = " ".join(f"{b:02x}" for b in chunk).ljust(per_line * 3 - 1)
        asc = ascii_of(chunk)
        names: list[str] = []
        for i in range(len(chunk)):
            layer = layer_at(layers, start + i)
            if layer and layer.name not in names:
                names.append(layer.name)
        tag = f"  [{', '.join(names)}]" if names else ""
        out.append(f"{start:04x}  {hexpart}  {asc.ljust(per_line)}{tag}")
    return out


if __name__ == "__main__":
    from netlearn.packets.build import build
    from netlearn.packets.fields import packet_view

    view = packet_view(build("http"), "http")
    Console().print(HexDump(view.raw, view.layers))
