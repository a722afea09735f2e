"""How each kind of event is drawn, as plain lines and on a Rich console.

Two single-dispatch functions keyed by event type. A lesson module that defines its own events
registers its drawing with `@plain_lines.register` and `@draw_rich.register` in its own render
module; nothing here needs to change, and nobody imports that module for its side effect: the
first time an event type has no drawing, the `render` module of the event's own package is
imported (an event of `netlearn.lessons.websocket.events` is drawn by
`netlearn.lessons.websocket.render`) and the event dispatched again. The core's own events
(`netlearn.events`) are drawn by `netlearn.render.basics`, the ladder's by `netlearn.render.tcp`.
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

# Core events drawn by the ladder (and so by Rich): only these import it, so that a plain listing
# that prints a Note never loads the ladder.
LADDER_EVENTS = frozenset(
    {"Segment", "TcpSegment", "StateChange", "Peers", "WindowSample", "WindowChart"}
)

_imported: set[str] = set()  # drawing modules already imported (or found missing)


def drawing_module(kind: type) -> str | None:
    """The module that draws events of `kind`: see the module docstring."""
    module = kind.__module__
    if module == "netlearn.events":
        return "netlearn.render.tcp" if kind.__name__ in LADDER_EVENTS else "netlearn.render.basics"
    package = module.rpartition(".")[0]
    return f"{package}.render" if package else None


def _load_drawing(kind: type) -> bool:
    """Import the drawing modules of `kind` and its bases not imported yet; True if any was."""
    loaded = False
    for base in kind.__mro__:
        if base is Event or base is object:
            continue
        name = drawing_module(base)
        if name is None or name in _imported:
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
