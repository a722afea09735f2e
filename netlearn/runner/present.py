"""Presenter mode (`--present`): a scene for a projector, paced by the page, not by the step.

On a terminal in rich format, each event is drawn as usual but with wider margins and a blank
line between events, and without the animation beats of the normal renderer (no sleeps on
static screens: a table appears at once). The output stops when a screen is full: Enter shows
the next page (q stops); with `--auto` it waits a reading time per page instead
(`PAGE_SECONDS`, divided by --speed). Off a terminal nothing waits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from io import StringIO
from pathlib import Path

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event

MARGIN = 4  # columns left blank on each side
PAGE_SECONDS = 8.0  # reading time per page with --auto, at --speed 1


class Pages:
    """Prints lines with margins, and waits once a screen is full."""

    def __init__(self, env: Env, auto: bool, keys: Iterator[str] | None) -> None:
        self.env = env
        self.auto = auto
        self.keys = keys
        self.height = max(5, env.height - 2)  # the prompt line and a spare one
        self.used = 0
        self.waits = 0
        self.stopped = False

    def put(self, line: object) -> None:
        from rich.text import Text

        if self.used >= self.height:
            self.wait()
        if self.stopped:
            return
        console = self.env.console()
        console.print(Text(" " * MARGIN) + line, overflow="crop", no_wrap=True)  # type: ignore[operator]
        self.used += 1

    def wait(self) -> None:
        """A full page: wait for Enter (or the reading time with --auto)."""
        self.waits += 1
        self.used = 0
        if self.auto:
            self.env.sleep(PAGE_SECONDS / self.env.speed)
            return
        if self.keys is None:
            return
        from netlearn.runner.stepper import Key, key_of

        console = self.env.console()
        console.print(f"{' ' * MARGIN}[dim]{say('core.render.present.next-page')}[/]")
        while True:
            raw = next(self.keys, "q")
            if raw == "\x03":
                raise KeyboardInterrupt
            key = key_of(raw)
            if key in (Key.NEXT, Key.QUIT):
                break
        if key is Key.QUIT:
            self.stopped = True


def present_scene(
    events: Iterable[Event],
    env: Env,
    export: Path | None = None,
    *,
    auto: bool = False,
    theme: str = "dark",
) -> list[Event]:
    """Render `events` for a class (see the module's docstring); return them, as `run_scene`."""
    from rich.console import Console
    from rich.text import Text

    from netlearn.render import check_export_path, export_events
    from netlearn.render.drawer import Drawer

    if export is not None:
        check_export_path(export)
    width = max(40, env.width - 2 * MARGIN)
    # Drawn without animation beats, at the narrower width, through an env and a drawer of its
    # own (the drawer keeps a ladder in progress).
    drawer = Drawer(replace(env, animate=False, width=width, _console=None))
    shown = env.console()
    canvas = Console(
        file=StringIO(),
        width=width,
        force_terminal=True,
        color_system=shown.color_system or "truecolor",
        no_color=not env.color,
        highlight=False,
        emoji=False,
    )
    seen: list[Event] = []
    with ExitStack() as stack:
        keys = None
        if not auto and env.is_tty and env.stdin_tty:
            from netlearn.runner.keys import raw_keys

            keys = stack.enter_context(raw_keys(env.stdin, signals=True))  # type: ignore[type-var]
        pages = Pages(env, auto, keys)
        for event in events:
            seen.append(event)
            with canvas.capture() as cap:
                drawer.draw(event, canvas)
            text = Text.from_ansi(cap.get().rstrip("\n"))
            for line in [*text.split("\n", allow_blank=True), Text("")]:
                pages.put(line)
                if pages.stopped:
                    break
            if pages.stopped:
                break
        close = getattr(events, "close", None)
        if close is not None:
            close()
    if export is not None:
        export_events(seen, export, theme=theme)
    return seen
