"""Renderers: turn events into Rich (animated), plain text, or JSON lines.

`make_renderer(env)` picks one by `env.fmt`. `run_scene(events, env, export=...)` drives a producer
through it and, with `export`, draws the same events again on a recording console for slides.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, to_dict


class Renderer(Protocol):
    def emit(self, event: Event) -> None: ...

    def close(self) -> None: ...


class _Lines:
    """Writes whole events and flushes after every `batch` of them (1: after each).

    A producer that never waits (a file being listed) asks for a bigger batch: one flush per
    event was a system call per line. `flush()` writes out the rest; `run_scene` calls it.
    """

    def __init__(self, env: Env, batch: int = 1) -> None:
        from netlearn.render.drawer import Drawer

        self.env = env
        self.batch = max(1, batch)
        self._pending = 0
        self.drawer = Drawer(env)  # what the drawings remember between events

    def _write(self, text: str) -> None:
        self.env.stdout.write(text)
        self._pending += 1
        if self._pending >= self.batch:
            self.flush()

    def flush(self) -> None:
        self._pending = 0
        self.env.stdout.flush()

    def close(self) -> None:
        pass


class JsonRenderer(_Lines):
    """One JSON object per event per line: for tools, graders and golden files."""

    def emit(self, event: Event) -> None:
        self._write(json.dumps(to_dict(event), ensure_ascii=False) + "\n")


class PlainRenderer(_Lines):
    """Readable lines, no ANSI: for pipes, CI, screen readers."""

    def emit(self, event: Event) -> None:
        self._write("".join(line.rstrip() + "\n" for line in self.drawer.lines(event)))


class RichRenderer:
    """Rich widgets on a terminal, with animation beats when `env.animate`."""

    def __init__(self, env: Env) -> None:
        from netlearn.render.drawer import Drawer

        self.env = env
        self.drawer = Drawer(env)  # what the drawings remember between events (a ladder)

    def emit(self, event: Event) -> None:
        self.drawer.draw(event)

    def close(self) -> None:
        pass


def make_renderer(env: Env, batch: int = 1) -> Renderer:
    """The renderer for the environment's resolved format.

    `batch`: plain and JSON lines are flushed after every `batch` events (and at the end);
    more than 1 only for a producer that never waits (for time, the network or a key).
    """
    if env.fmt == "json":
        return JsonRenderer(env, batch)
    if env.fmt == "plain":
        return PlainRenderer(env, batch)
    return RichRenderer(env)


EXPORT_SUFFIXES = (".svg", ".html", ".htm", ".txt")


def check_export_path(path: Path) -> None:
    """Fail early, before a scene runs, on an export file we cannot write."""
    from netlearn.errors import NetlearnError

    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise NetlearnError(say("core.render.errors.export-suffix", name=path.name))
    if not path.parent.is_dir():
        raise NetlearnError(
            say("core.render.errors.export-folder", path=str(path), folder=str(path.parent))
        )
    from netlearn.safefile import check_target

    check_target(path)  # a symlink, FIFO or folder there fails now, before the scene runs


THEMES = ("dark", "light")


def check_theme(theme: str) -> None:
    """Refuse an unknown export theme in one line."""
    from netlearn.errors import NetlearnError

    if theme not in THEMES:
        raise NetlearnError(say("core.render.errors.theme", theme=theme))


def terminal_theme(theme: str):  # type: ignore[no-untyped-def]
    """Rich's terminal theme for an export: its own dark one, or a light one for white slides.

    The light palette keeps every ANSI colour dark enough to read on white: "white" (OSI layer
    1) becomes a mid grey and yellow an ochre, so no text vanishes into the background."""
    from rich.terminal_theme import SVG_EXPORT_THEME, TerminalTheme

    check_theme(theme)
    if theme == "dark":
        return SVG_EXPORT_THEME
    return TerminalTheme(
        (255, 255, 255),  # background
        (30, 30, 30),  # foreground
        [  # black, red, green, yellow, blue, magenta, cyan, white
            (30, 30, 30),
            (180, 30, 30),
            (20, 120, 40),
            (150, 100, 0),
            (30, 70, 180),
            (150, 40, 150),
            (0, 120, 140),
            (110, 110, 110),
        ],
        [  # their bright forms
            (80, 80, 80),
            (210, 50, 50),
            (40, 150, 60),
            (170, 120, 0),
            (60, 100, 210),
            (180, 60, 180),
            (20, 140, 160),
            (60, 60, 60),
        ],
    )


def export_events(
    events: Iterable[Event], path: Path, title: str = "netlearn", theme: str = "dark"
) -> None:
    """Draw events on Rich's recording console and save them as SVG, HTML or text."""
    from io import StringIO

    from rich.console import Console

    from netlearn.render.drawer import Drawer

    check_export_path(path)
    colours = terminal_theme(theme)
    console = Console(
        file=StringIO(),
        record=True,
        width=100,
        force_terminal=True,
        color_system="truecolor",
        highlight=False,
        emoji=False,
    )
    drawer = Drawer(Env.build("rich", stdout=StringIO(), animate=False, width=100))
    for event in events:
        drawer.draw(event, console)
    suffix = path.suffix.lower()
    if suffix == ".svg":
        text = console.export_svg(title=title, theme=colours)
    elif suffix in (".html", ".htm"):
        text = console.export_html(theme=colours)
    else:
        text = console.export_text()
    from netlearn.safefile import write_private

    write_private(path, text.encode("utf-8"))  # never through a symlink; 0600; whole or nothing


def run_scene(
    events: Iterable[Event],
    env: Env,
    export: Path | None = None,
    theme: str = "dark",
    batch: int = 1,
) -> list[Event]:
    """Render every event as it is produced; return them (for export, tests and replay).

    `batch`: see `make_renderer`; what is held back is flushed at the end, and before an
    error goes on (unless the output itself is gone: a closed pipe stays quiet).
    """
    if export is not None:
        check_export_path(export)
    renderer = make_renderer(env, batch)
    flush = getattr(renderer, "flush", None)
    seen: list[Event] = []
    try:
        for event in events:
            seen.append(event)
            renderer.emit(event)
        if flush is not None:
            flush()
    except BaseException:
        if flush is not None:
            with contextlib.suppress(OSError, ValueError):
                flush()
        raise
    finally:
        renderer.close()
    if export is not None:
        export_events(seen, export, theme=theme)
    return seen
