"""`InspectorScreen`: the layer inspector, interactive. Walk a packet's headers and fields with
the keys and watch each field's bytes light up in the hex dump.

Keys: ↑/↓ (k/j) move through the fields of a layer, ←/→ (h/l) or Tab/Shift+Tab move through the
layers, Enter opens or closes the selected field's meaning, q or Escape leaves.

Where a field sits comes from the `PacketView` event itself (a layer's byte range, each field's
`bit_offset` and `bits` inside its header), so any packet scapy dissects works, a capture's
included. A field that is not whole bytes (IPv4's 4-bit IHL, TCP's flags) lights up to the hex
digit when it fills whole nibbles; a caret line under the dump marks the same digits, so the
selection shows without colour (NO_COLOR) too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from netlearn.content.words import say
from netlearn.events import FieldInfo, LayerInfo, PacketView
from netlearn.render.style import osi_style


def field_bits(layer: LayerInfo, field: FieldInfo) -> tuple[int, int]:
    """The field's bits in the packet: [start, end) counted from the first bit of byte 0."""
    start = layer.start * 8 + field.bit_offset
    return start, start + field.bits


def byte_range(bits: tuple[int, int]) -> tuple[int, int]:
    """The bytes holding these bits: [first, end)."""
    return bits[0] // 8, -(-bits[1] // 8)


def where(layer: LayerInfo, field: FieldInfo) -> str:
    """Where the field is, in words: 'bytes 36-37 (2 bytes)', 'bits 4-7 of byte 14'."""
    lo, hi = field_bits(layer, field)
    first, end = byte_range((lo, hi))
    if lo % 8 or hi % 8:
        if end - first == 1:
            return say(
                "core.app.inspector.bits-in-byte",
                lo=lo % 8,
                hi=(hi - 1) % 8,
                byte=first,
                bits=field.bits,
            )
        return say(
            "core.app.inspector.bits", lo=lo, hi=hi - 1, first=first, last=end - 1, bits=field.bits
        )
    if end - first == 1:
        return say("core.app.inspector.byte", byte=first)
    return say("core.app.inspector.bytes", first=first, last=end - 1, n=end - first)


class FieldHexDump:
    """Offset, hex, ASCII; each byte in its layer's colour, the selected bits in reverse video
    to the hex digit, with a caret line under each row that holds them."""

    def __init__(
        self, raw: bytes, layers: Sequence[LayerInfo], bits: tuple[int, int] | None
    ) -> None:
        self.raw = raw
        self.layers = layers
        self.bits = bits

    def _lit(self, nibble: int) -> bool:
        return self.bits is not None and self.bits[0] < 4 * nibble + 4 and 4 * nibble < self.bits[1]

    def _layer_style(self, offset: int) -> str:
        for layer in self.layers:
            if layer.start <= offset < layer.end:
                return osi_style(layer.osi)
        return ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        per_line = 16 if options.max_width >= 6 + 16 * 4 + 2 else 8
        for start in range(0, len(self.raw), per_line):
            chunk = self.raw[start : start + per_line]
            line = Text(f"{start:04x}  ", style="dim")
            marks = [" "] * (6 + per_line * 3 + 1 + per_line)
            for i, byte in enumerate(chunk):
                offset = start + i
                style = self._layer_style(offset)
                for d, digit in enumerate(f"{byte:02x}"):
                    lit = self._lit(2 * offset + d)
                    line.append(digit, style=f"bold reverse {style}".strip() if lit else style)
                    if lit:
                        marks[6 + i * 3 + d] = "^"
                line.append(" ")
            line.append("   " * (per_line - len(chunk)) + " ")
            for i, byte in enumerate(chunk):
                offset = start + i
                lit = self._lit(2 * offset) or self._lit(2 * offset + 1)
                style = self._layer_style(offset)
                ch = chr(byte) if 32 <= byte < 127 else "."
                line.append(ch, style=f"bold reverse {style}".strip() if lit else style)
                if lit:
                    marks[6 + per_line * 3 + 1 + i] = "^"
            yield line
            if "^" in marks:
                yield Text("".join(marks).rstrip(), style="bold")


class InspectorScreen(Screen[None]):
    """One packet: its layers as tabs, the fields of the selected layer, and the hex dump."""

    DEFAULT_CSS = """
    InspectorScreen #tabs {
        height: auto;
        padding: 0 1;
    }
    InspectorScreen #fields {
        height: 1fr;
        padding: 0 1;
    }
    InspectorScreen #where {
        height: auto;
        padding: 0 1;
        text-style: bold;
    }
    InspectorScreen #hex {
        height: auto;
        max-height: 50%;
        padding: 0 1;
        border-top: solid $primary;
    }
    """

    def __init__(self, view: PacketView) -> None:
        super().__init__()
        self.view = view
        # Start on the first layer that has fields.
        self.layer_index = next((i for i, la in enumerate(view.layers) if la.fields), 0)
        self.field_index = 0
        self.expanded: set[tuple[int, int]] = set()

    # ------------------------------------------------------------ what is selected

    @property
    def current_layer(self) -> LayerInfo:
        return self.view.layers[self.layer_index]

    @property
    def current_field(self) -> FieldInfo | None:
        fields = self.current_layer.fields
        return fields[self.field_index] if fields else None

    def highlighted_bits(self) -> tuple[int, int] | None:
        """The selected field's bits in the packet (what the hex dump lights up)."""
        field = self.current_field
        return field_bits(self.current_layer, field) if field else None

    def highlighted_bytes(self) -> tuple[int, int] | None:
        bits = self.highlighted_bits()
        return byte_range(bits) if bits else None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="header", classes="step-header")
        yield Static("", id="tabs")
        with VerticalScroll(id="fields"):
            yield Static("", id="field-list")
        yield Static("", id="where")
        yield Static("", id="hex")
        yield Static(say("core.app.inspector.keys"), id="status", classes="status-line")

    def on_mount(self) -> None:
        self.query_one("#fields", VerticalScroll).can_focus = False  # the keys are the screen's
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _tabs(self) -> Text:
        out = Text()
        for i, layer in enumerate(self.view.layers):
            label = f" {layer.name} "
            if i == self.layer_index:
                out.append(f"[{label.strip()}]", style=f"bold reverse {osi_style(layer.osi)}")
            else:
                out.append(label, style=osi_style(layer.osi))
            out.append(" ")
        return out

    def _field_lines(self, width: int) -> tuple[list[Text], int]:
        """The selected layer's fields, one line each (meanings opened below); the line of the
        cursor."""
        lines: list[Text] = []
        at = 0
        layer = self.current_layer
        name_w = max((len(f.name) for f in layer.fields), default=4)
        for i, f in enumerate(layer.fields):
            chosen = i == self.field_index
            opened = (self.layer_index, i) in self.expanded
            head = f"{'›' if chosen else ' '} {'▾' if opened else '▸'} {f.name.ljust(name_w)} "
            head += f"{f.bits:>3}b  "
            value = f.value
            room = max(8, width - len(head))
            if len(value) > room:
                value = value[: room - 1] + "…"
            line = Text(head, style="bold")
            line.append(value)
            if chosen:
                at = len(lines)
                line.stylize("reverse")
            lines.append(line)
            if opened:
                meaning = f.meaning or say("core.app.inspector.no-meaning")
                for text in textwrap.wrap(meaning, max(20, width - 6)):
                    lines.append(Text("      " + text, style="italic"))
        if not layer.fields:
            lines.append(Text(say("core.app.inspector.no-fields")))
        return lines, at

    def _draw(self) -> None:
        view, layer = self.view, self.current_layer
        self.query_one("#header", Static).update(
            say(
                "core.app.inspector.header",
                label=view.label,
                size=len(view.raw),
                layer=layer.long_name,
                osi=layer.osi,
                osi_name=layer.osi_name,
                start=layer.start,
                end=layer.end - 1,
            )
        )
        self.query_one("#tabs", Static).update(self._tabs())
        width = max(30, self.size.width - 2)
        lines, at = self._field_lines(width)
        self.query_one("#field-list", Static).update(Text("\n").join(lines))
        box = self.query_one("#fields", VerticalScroll)
        box.scroll_to(y=max(0, at - 2), animate=False)
        field = self.current_field
        if field is None:
            self.query_one("#where", Static).update(f"{layer.name}: {layer.end - layer.start} B")
        else:
            text = f"{layer.name}.{field.name} = {field.value}: {where(layer, field)}"
            self.query_one("#where", Static).update(Text(text[: width + 2]))
        self.query_one("#hex", Static).update(
            FieldHexDump(view.raw, view.layers, self.highlighted_bits())
        )

    # ------------------------------------------------------------ keys

    def on_key(self, event: events.Key) -> None:
        key = event.key
        n_fields = len(self.current_layer.fields)
        if key in ("down", "j") and n_fields:
            self.field_index = (self.field_index + 1) % n_fields
        elif key in ("up", "k") and n_fields:
            self.field_index = (self.field_index - 1) % n_fields
        elif key in ("right", "l", "tab"):
            self._layer_to(self.layer_index + 1)
        elif key in ("left", "h", "shift+tab"):
            self._layer_to(self.layer_index - 1)
        elif key == "enter" and n_fields:
            self.expanded ^= {(self.layer_index, self.field_index)}
        elif key in ("q", "escape"):
            event.stop()
            self._leave()
            return
        else:
            return
        event.stop()
        event.prevent_default()
        self._draw()

    def _layer_to(self, index: int) -> None:
        self.layer_index = index % len(self.view.layers)
        self.field_index = 0

    def _leave(self) -> None:
        if len(self.app.screen_stack) > 2:
            self.dismiss(None)
        else:
            self.app.exit(0, return_code=0)
