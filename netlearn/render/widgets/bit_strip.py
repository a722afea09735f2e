"""The first bits of a header, labelled, as the RFCs draw them: one row of labels, one of bits.

    F R R R opcode M payload len
    1 0 0 0  0001  1   0000101

Each segment is (label, bits, style); a segment is as wide as the wider of its label and its
bits, and both are centred in it. Without colour the two rows still say everything.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

Segment = tuple[str, int, str]  # label, number of bits, style

# RFC 6455 section 5.2: the first two bytes of a WebSocket frame.
WEBSOCKET: tuple[Segment, ...] = (
    ("F", 1, "bold"),
    ("R", 1, "dim"),
    ("R", 1, "dim"),
    ("R", 1, "dim"),
    ("opcode", 4, "magenta"),
    ("M", 1, "cyan"),
    ("payload len", 7, "green"),
)


class BitStrip:
    """`raw`: the header's bytes (at least as many bits as the segments take)."""

    def __init__(self, raw: bytes, segments: Sequence[Segment] = WEBSOCKET, indent: str = "  "):
        self.raw = raw
        self.segments = tuple(segments)
        self.indent = indent

    def cells(self) -> list[tuple[str, str, str]]:
        """(label, bits, style) per segment, each padded to the segment's width."""
        total = sum(n for _, n, _ in self.segments)
        value = int.from_bytes(self.raw[: (total + 7) // 8], "big")
        value >>= (total + 7) // 8 * 8 - total
        out = []
        left = total
        for label, n, style in self.segments:
            left -= n
            bits = format(value >> left & ((1 << n) - 1), f"0{n}b")
            width = max(len(label), n)
            out.append((f"{label:^{width}}", f"{bits:^{width}}", style))
        return out

    def lines(self) -> tuple[str, str]:
        """The bits row and the labels row, without indent or style."""
        cells = self.cells()
        bits = " ".join(b for _, b, _ in cells)
        labels = " ".join(label.strip() if len(cells) == 1 else label for label, _, _ in cells)
        return bits, labels.rstrip()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        _, labels = self.lines()
        yield Text(self.indent + labels, style="dim")
        strip = Text(self.indent)
        for _, bits, style in self.cells():
            strip.append(bits + " ", style=style)
        yield strip


if __name__ == "__main__":
    for frame in (
        bytes.fromhex("810548656c6c6f"),
        bytes.fromhex("8a80"),
        bytes.fromhex("027e0100"),
    ):
        strip = BitStrip(frame)
        Console().print(strip)
        print("plain:", *strip.lines(), sep="\n  ")
