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
from functools import singledispatch
from typing import TYPE_CHECKING

from netlearn.env import Env
from netlearn.events import (
    Event,
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
CORE_DRAWINGS: dict[str, tuple[str, ...]] = {
    "netlearn.events": ("netlearn.render.basics",),
}
# Core events drawn by the ladder (and so by Rich): only these import it, so that a plain listing
# that prints a Note never loads the ladder.
LADDER_EVENTS = frozenset(
    {"Segment", "TcpSegment", "StateChange", "Peers", "WindowSample", "WindowChart"}
)

_imported: set[str] = set()  # drawing modules already imported (or found missing)


def drawing_modules(kind: type) -> tuple[str, ...]:
    """The modules that draw events of `kind`: see the module docstring."""
    module = kind.__module__
    if module == "netlearn.events" and kind.__name__ in LADDER_EVENTS:
        return ("netlearn.render.tcp",)
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
