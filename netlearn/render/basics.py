"""How the core's own events are drawn: titles, notes, tables, the packet inspector, the
wrapping and unwrapping of a packet, and step markers, as plain lines and in Rich.

The registry imports this module the first time it meets one of these events (see
`netlearn.render.registry.drawing_module`). The words are in `lessons/core/render.toml`.
"""

from __future__ import annotations

import textwrap
from dataclasses import replace
from typing import TYPE_CHECKING

from netlearn.content.words import say, table
from netlearn.env import Env
from netlearn.events import Encapsulate, Note, PacketView, Progress, Table, Title
from netlearn.render.registry import draw_rich, plain_lines, wrap_markdown

if TYPE_CHECKING:
    from rich.console import Console

# ------------------------------------------------------------------ plain


@plain_lines.register(Title)
def _(event: Title, env: Env) -> list[str]:
    lines = ["", event.text, "=" * min(len(event.text), env.width)]
    if event.subtitle:
        lines.extend(wrap_markdown(event.subtitle, env.width))
    return lines


@plain_lines.register(Note)
def _(event: Note, env: Env) -> list[str]:
    prefix = table("core.render.note-prefix").get(event.tone, "")
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

    head = say(
        "core.render.packet.head", label=event.label, size=len(event.raw), summary=event.summary
    )
    lines = textwrap.wrap(head, width=env.width, subsequent_indent="  ")
    for layer in event.layers:
        lines.append(
            say(
                "core.render.packet.layer",
                osi=layer.osi,
                osi_name=layer.osi_name,
                name=layer.long_name,
                first=layer.start,
                last=layer.end - 1,
                size=layer.end - layer.start,
            )
        )
        for f in layer.fields:
            if f.bits == 1:
                text = say("core.render.packet.field-one-bit", name=f.name, value=f.value)
            else:
                text = say("core.render.packet.field", name=f.name, bits=f.bits, value=f.value)
            text = "  " + text
            if f.meaning:
                text += say("core.render.packet.meaning", meaning=f.meaning)
            lines.extend(textwrap.wrap(text, width=env.width, subsequent_indent="      "))
    lines.append(say("core.render.packet.hex-dump"))
    lines.extend(plain_hexdump(event.raw, event.layers, per_line=16 if env.width >= 100 else 8))
    return [*lines, ""]


def _article(n: int) -> str:
    """'an' before numbers said with a vowel sound (8, 11, 18, 80...), else 'a'."""
    digits = str(n)
    vowel = digits.startswith("8") or (len(digits) in (2, 5) and digits[:2] in ("11", "18"))
    return (
        say("core.render.encapsulate.article-vowel")
        if vowel
        else say("core.render.encapsulate.article")
    )


def encapsulate_text(event: Encapsulate) -> str:
    """One sentence for a wrapping or unwrapping step, the same in every format."""
    layer = event.layer
    size = layer.end - layer.start
    where = say(
        "core.render.encapsulate.where",
        name=layer.long_name,
        osi=layer.osi,
        osi_name=layer.osi_name,
    )
    if event.direction == "wrap":
        if len(event.pdu) == size:  # the innermost layer: the data itself
            return say("core.render.encapsulate.data-down", where=where, size=size)
        return say(
            "core.render.encapsulate.wrap",
            where=where,
            article=_article(size),
            size=size,
            unit=event.unit,
            total=len(event.pdu),
        )
    if not event.pdu:
        return say("core.render.encapsulate.data-up", where=where, size=size)
    return say("core.render.encapsulate.unwrap", where=where, size=size, total=len(event.pdu))


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

        lines.append("    " + say("core.render.encapsulate.now", strip=plain_strip(event.stack)))
    if event.step == event.steps:
        lines.append("")
    return lines


@plain_lines.register(Progress)
def _(event: Progress, env: Env) -> list[str]:
    step = say(
        "core.render.progress.plain", number=event.index + 1, total=event.total, title=event.title
    )
    return ["", step]


# ------------------------------------------------------------------ rich


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
        label = table("core.render.note-title").get(event.tone, event.tone)
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

    head = say("core.render.packet.rich-head", label=event.label, size=len(event.raw))
    console.print(Text(head, style="bold"))
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
            more = say("core.render.encapsulate.more-bytes", count=len(event.pdu) - 64)
            console.print(Text(f"      {more}", style="dim"))
    console.print()
    env.pause(0.9)


@draw_rich.register(Progress)
def _(event: Progress, env: Env, console: Console) -> None:
    from rich.rule import Rule

    step = say(
        "core.render.progress.rich", number=event.index + 1, total=event.total, title=event.title
    )
    console.print(Rule(step, style="bright_black"))
