"""How each kind of event is drawn, as plain lines and on a Rich console.

Two single-dispatch functions keyed by event type. A lesson module that defines its own events
registers its drawing with `@plain_lines.register` and `@draw_rich.register` in its own render
module; nothing here needs to change, and nobody imports that module for its side effect: the
first time an event type has no drawing, the `render` module of the event's own package is
imported (an event of `netlearn.lessons.websocket.events` is drawn by
`netlearn.lessons.websocket.render`) and the event dispatched again. The core's own events
(`netlearn.events`) are drawn by the core render modules named in `CORE_DRAWINGS`.
"""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import replace
from functools import singledispatch
from typing import TYPE_CHECKING

from netlearn.env import Env
from netlearn.events import (
    Encapsulate,
    Event,
    Note,
    PacketView,
    Progress,
    Table,
    Title,
    to_dict,
)

if TYPE_CHECKING:
    from rich.console import Console


def wrap_markdown(text: str, width: int) -> list[str]:
    """Markdown as plain lines (see `netlearn.render.plaintext`)."""
    from netlearn.render.plaintext import markdown_to_plain

    return markdown_to_plain(text, width)


# ------------------------------------------------------------------ finding a drawing

# Core event modules and the core render modules that draw their events (those not drawn here).
CORE_DRAWINGS: dict[str, tuple[str, ...]] = {"netlearn.events": ("netlearn.render.tcp",)}

_imported: set[str] = set()  # drawing modules already imported (or found missing)


def drawing_modules(kind: type) -> tuple[str, ...]:
    """The modules that draw events of `kind`: see the module docstring."""
    module = kind.__module__
    if module in CORE_DRAWINGS:
        return CORE_DRAWINGS[module]
    package = module.rpartition(".")[0]
    return (f"{package}.render",) if package else ()


def _load_drawing(kind: type) -> bool:
    """Import the drawing modules of `kind` and its bases not imported yet; True if any was."""
    loaded = False
    for base in kind.__mro__:
        if base is Event or base is object:
            continue
        for name in drawing_modules(base):
            if name in _imported:
                continue
            _imported.add(name)
            try:
                importlib.import_module(name)
            except ModuleNotFoundError as err:
                if err.name != name:  # a missing import inside the drawing module: a real bug
                    raise
                continue
            loaded = True
    return loaded


# ------------------------------------------------------------------ plain


@singledispatch
def plain_lines(event: Event, env: Env) -> list[str]:
    """Fallback: the event's kind and its fields, on one line.

    First time round, import the drawing of the event's package and dispatch again."""
    if _load_drawing(type(event)) and plain_lines.dispatch(type(event)) is not _plain_fallback:
        return plain_lines(event, env)
    data = to_dict(event)
    data.pop("type", None)
    parts = [f"{k}={v}" for k, v in data.items() if v not in ("", 0.0, [], None)]
    return [f"[{event.kind}] " + " ".join(parts)]


_plain_fallback = plain_lines.dispatch(object)


@plain_lines.register(Title)
def _(event: Title, env: Env) -> list[str]:
    lines = ["", event.text, "=" * min(len(event.text), env.width)]
    if event.subtitle:
        lines.extend(wrap_markdown(event.subtitle, env.width))
    return lines


@plain_lines.register(Note)
def _(event: Note, env: Env) -> list[str]:
    prefix = {"tip": "Tip: ", "warn": "Warning: ", "rfc": "RFC: ", "hint": "Hint: "}.get(
        event.tone, ""
    )
    lines = wrap_markdown(prefix + event.text, env.width)
    return [*lines, ""]


@plain_lines.register(Table)
def _(event: Table, env: Env) -> list[str]:
    lines = textwrap.wrap(event.title, width=env.width, subsequent_indent="  ")
    for row in event.rows:
        if not any(event.columns):  # a key/value table: "key: value"
            text = f"{row[0]}: " + "; ".join(row[1:])
            lines.extend(textwrap.wrap(text, width=env.width, subsequent_indent="  "))
            continue
        cells = [f"{c}: {v}" for c, v in zip(event.columns, row, strict=False)]
        lines.extend(
            textwrap.wrap("- " + "; ".join(cells), width=env.width, subsequent_indent="  ")
        )
    if event.caption:
        lines.extend(wrap_markdown(event.caption, env.width))
    return [*lines, ""]


@plain_lines.register(PacketView)
def _(event: PacketView, env: Env) -> list[str]:
    from netlearn.render.widgets.hexdump import plain_hexdump

    lines = textwrap.wrap(
        f"Packet: {event.label} ({len(event.raw)} bytes): {event.summary}",
        width=env.width,
        subsequent_indent="  ",
    )
    for layer in event.layers:
        lines.append(
            f"Layer {layer.osi} {layer.osi_name}: {layer.long_name} "
            f"bytes {layer.start}-{layer.end - 1} ({layer.end - layer.start} bytes)"
        )
        for f in layer.fields:
            text = f"  {f.name} ({f.bits} bit{'' if f.bits == 1 else 's'}) = {f.value}"
            if f.meaning:
                text += f" -- {f.meaning}"
            lines.extend(textwrap.wrap(text, width=env.width, subsequent_indent="      "))
    lines.append("Hex dump:")
    lines.extend(plain_hexdump(event.raw, event.layers, per_line=16 if env.width >= 100 else 8))
    return [*lines, ""]


def _article(n: int) -> str:
    """'an' before numbers said with a vowel sound (8, 11, 18, 80...), else 'a'."""
    digits = str(n)
    vowel = digits.startswith("8") or (len(digits) in (2, 5) and digits[:2] in ("11", "18"))
    return "an" if vowel else "a"


def encapsulate_text(event: Encapsulate) -> str:
    """One sentence for a wrapping or unwrapping step, the same in every format."""
    layer = event.layer
    size = layer.end - layer.start
    where = f"{layer.long_name} (layer {layer.osi}, {layer.osi_name})"
    if event.direction == "wrap":
        if len(event.pdu) == size:  # the innermost layer: the data itself
            return f"{where}: {size} bytes of data, handed down to be wrapped"
        return (
            f"wrap: {where} adds {_article(size)} {size}-byte header -> {event.unit} of "
            f"{len(event.pdu)} bytes"
        )
    if not event.pdu:
        return f"{where}: the program receives its {size} bytes of data"
    return (
        f"unwrap: {where} reads and removes its {size}-byte header -> {len(event.pdu)} bytes go up"
    )


@plain_lines.register(Encapsulate)
def _(event: Encapsulate, env: Env) -> list[str]:
    text = f"[{event.step}/{event.steps}] {encapsulate_text(event)}"
    lines = textwrap.wrap(text, width=env.width, subsequent_indent="    ")
    if event.note:
        lines.extend(
            textwrap.wrap(
                event.note, width=env.width, initial_indent="    ", subsequent_indent="    "
            )
        )
    if event.stack:
        from netlearn.render.widgets.wrap_strip import plain_strip

        lines.append(f"    now: {plain_strip(event.stack)}")
    if event.step == event.steps:
        lines.append("")
    return lines


@plain_lines.register(Progress)
def _(event: Progress, env: Env) -> list[str]:
    return ["", f"--- Step {event.index + 1} of {event.total}: {event.title} ---"]


# ------------------------------------------------------------------ rich


@singledispatch
def draw_rich(event: Event, env: Env, console: Console) -> None:
    """Fallback: the plain lines, so a new event kind is never invisible.

    First time round, import the drawing of the event's package and dispatch again."""
    if _load_drawing(type(event)) and draw_rich.dispatch(type(event)) is not _rich_fallback:
        draw_rich(event, env, console)
        return
    for line in plain_lines(event, env):
        console.print(line, markup=False, highlight=False)


_rich_fallback = draw_rich.dispatch(object)


@draw_rich.register(Title)
def _(event: Title, env: Env, console: Console) -> None:
    from rich.markdown import Markdown
    from rich.rule import Rule

    console.print()
    console.print(Rule(f"[bold]{event.text}[/]", style="bright_blue"))
    if event.subtitle:
        console.print(Markdown(event.subtitle))


@draw_rich.register(Note)
def _(event: Note, env: Env, console: Console) -> None:
    from rich.markdown import Markdown
    from rich.panel import Panel

    md = Markdown(event.text)
    if event.tone == "explain":
        console.print(md)
    else:
        style = {"tip": "green", "warn": "red", "rfc": "blue", "hint": "yellow"}.get(
            event.tone, "white"
        )
        label = {"tip": "tip", "warn": "careful", "rfc": "the RFC says"}.get(event.tone, event.tone)
        console.print(Panel(md, title=label, title_align="left", border_style=style))
    console.print()
    env.pause(0.4)


@draw_rich.register(Table)
def _(event: Table, env: Env, console: Console) -> None:
    from rich.table import Table as RichTable

    table = RichTable(title=event.title, title_justify="left", show_lines=True, expand=True)
    for col in event.columns:
        table.add_column(col, overflow="fold")
    for row in event.rows:
        table.add_row(*row)
    height = len(console.render_lines(table, console.options, pad=False))
    # Too many long columns for the width (cells wrapping into tall, thin towers): switch to one
    # record per row, its fields one under another.
    narrow = any(event.columns) and height > 4 * len(event.rows) + 6
    if narrow:
        table = RichTable(title=event.title, title_justify="left", show_lines=False, expand=True)
        # Too many columns for the width: one record per row, its fields one under another.
        table.add_column(event.columns[0], style="bold", no_wrap=True)
        table.add_column("", ratio=1)
        for row in event.rows:
            table.add_row(row[0], "", style="bold")
            pairs = list(zip(event.columns[1:], row[1:], strict=False))
            for i, (col, value) in enumerate(pairs):
                table.add_row(f"  {col}", value, end_section=i == len(pairs) - 1)
    if event.caption:
        table.caption = event.caption
    console.print(table)
    console.print()
    env.pause(0.6)


@draw_rich.register(PacketView)
def _(event: PacketView, env: Env, console: Console) -> None:
    from rich.text import Text

    from netlearn.render.widgets.field_table import FieldTable
    from netlearn.render.widgets.hexdump import HexDump
    from netlearn.render.widgets.layer_stack import LayerStack

    console.print(Text(f"{event.label}  ({len(event.raw)} bytes)", style="bold"))
    console.print(LayerStack(event.layers, len(event.raw)))
    console.print()
    for layer in event.layers:
        console.print(FieldTable(layer))
        env.pause(0.3)
    console.print(HexDump(event.raw, event.layers))
    console.print()


@draw_rich.register(Encapsulate)
def _(event: Encapsulate, env: Env, console: Console) -> None:
    from rich.text import Text

    from netlearn.render.style import osi_style
    from netlearn.render.widgets.hexdump import HexDump

    layer = event.layer
    size = layer.end - layer.start
    style = osi_style(layer.osi)
    console.print(
        Text(f"{event.step}/{event.steps}  {encapsulate_text(event)}", style=f"bold {style}")
    )
    if event.note:
        console.print(Text(f"   {event.note}", style=style))
    if event.stack:
        from netlearn.render.widgets.wrap_strip import WrapStrip

        console.print(WrapStrip(event.stack, highlight=layer.name))
    if event.direction == "wrap":
        # The new header is the first `size` bytes of the PDU: highlight them.
        shifted = [replace(layer, start=0, end=size)]
        console.print(HexDump(event.pdu[:64], shifted, highlight=(0, size), legend=False))
        if len(event.pdu) > 64:
            console.print(Text(f"      ... {len(event.pdu) - 64} more bytes", style="dim"))
    console.print()
    env.pause(0.9)


@draw_rich.register(Progress)
def _(event: Progress, env: Env, console: Console) -> None:
    from rich.rule import Rule

    console.print(
        Rule(f"Step {event.index + 1} of {event.total} · {event.title}", style="bright_black")
    )
