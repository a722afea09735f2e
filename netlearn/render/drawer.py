"""A drawer: draws events one by one and remembers what a drawing needs between them.

Some drawings need memory between events: the TCP ladder keeps its two columns, each side's state
and the segment numbering from one segment to the next. That memory belongs to the thing doing
the drawing, so two scenes drawn side by side never mix: every renderer owns a `Drawer`, and a
program that draws event by event itself (a player, a live view) holds one too:

    drawer = Drawer(env)
    for event in events:
        drawer.draw(event, console)      # or drawer.lines(event) for plain text

While a drawer draws, a registered drawing finds its memory with `memory(env).part(Kind)`.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

from netlearn.env import Env
from netlearn.events import Event

if TYPE_CHECKING:
    from rich.console import Console

T = TypeVar("T")

_DRAWING: ContextVar[Drawer | None] = ContextVar("netlearn_drawer", default=None)


class Drawer:
    """Draws events through `env` and keeps the drawings' memory (one part per kind)."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self._parts: dict[type, object] = {}

    def part(self, kind: type[T]) -> T:
        """This drawer's `kind` of memory (a `LadderState` ...), made on first use."""
        found = self._parts.get(kind)
        if found is None:
            found = self._parts[kind] = kind()
        return found  # type: ignore[return-value]

    @contextmanager
    def active(self) -> Iterator[Drawer]:
        """Make this the drawer whose memory the drawings use, for the `with` block."""
        token = _DRAWING.set(self)
        try:
            yield self
        finally:
            _DRAWING.reset(token)

    def lines(self, event: Event) -> list[str]:
        """The event as plain lines."""
        from netlearn.render.registry import plain_lines

        with self.active():
            return plain_lines(event, self.env)

    def draw(self, event: Event, console: Console | None = None) -> None:
        """The event drawn on `console` (the environment's own by default)."""
        from netlearn.render.registry import draw_rich

        with self.active():
            draw_rich(event, self.env, console if console is not None else self.env.console())


# Callers that still call `plain_lines`/`draw_rich` directly, event after event, with no drawer
# (the TCP player, the scene player, the app's views): one drawer per environment, as the ladder
# was kept before it belonged to a drawer. It goes when they all hold a `Drawer`.
_LOOSE: dict[int, tuple[weakref.ref[Env], Drawer]] = {}


def memory(env: Env) -> Drawer:
    """The drawer drawing now (its memory), or for a caller without one, `env`'s own."""
    drawing = _DRAWING.get()
    if drawing is not None:
        return drawing
    entry = _LOOSE.get(id(env))
    if entry is not None and entry[0]() is env:
        return entry[1]
    for key in [k for k, (ref, _) in _LOOSE.items() if ref() is None]:
        del _LOOSE[key]
    drawer = Drawer(env)
    _LOOSE[id(env)] = (weakref.ref(env), drawer)
    return drawer
