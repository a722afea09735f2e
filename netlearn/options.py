"""Options every scene command shares, and the glue from options to environment to renderer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netlearn.content.words import help_text

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import Event

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help=help_text("core.cli.options.format"),
        metavar="auto|rich|plain|json",
    ),
]
ExportOpt = Annotated[
    Path | None,
    typer.Option(
        "--export",
        help=help_text("core.cli.options.export"),
        metavar="FILE",
        dir_okay=False,
    ),
]
SeedOpt = Annotated[int | None, typer.Option("--seed", help=help_text("core.cli.options.seed"))]
SpeedOpt = Annotated[
    float, typer.Option("--speed", help=help_text("core.cli.options.speed"), min=0.01)
]
PresentOpt = Annotated[
    bool,
    typer.Option(
        "--present",
        help=help_text("core.cli.options.present"),
    ),
]
ThemeOpt = Annotated[
    str,
    typer.Option(
        "--theme",
        help=help_text("core.cli.options.theme"),
        metavar="dark|light",
    ),
]


def build_env(
    fmt: str = "auto", seed: int | None = None, speed: float = 1.0, animate: bool | None = None
) -> Env:
    """The command's environment, from the process state and the shared options."""
    import os

    from netlearn.env import Env

    if fmt == "auto" and os.environ.get("TERM") == "dumb":
        fmt = "plain"  # a dumb terminal cannot place a cursor or draw boxes: plain sentences
    return Env.build(fmt, seed=seed, speed=speed, animate=animate)


def uses_app(env: Env) -> bool:
    """True when the full-screen player (Textual) runs: a learner at a terminal, both ends a
    TTY, format auto or rich, and a terminal able to draw it (not TERM=dumb)."""
    import os

    return env.interactive and os.environ.get("TERM") != "dumb"


def show(
    events: Iterable[Event],
    env: Env,
    export: Path | None = None,
    *,
    present: bool = False,
    auto: bool = False,
    theme: str = "dark",
) -> list[Event]:
    """Render a producer's events with the chosen renderer (and export them when asked).

    `present`: presenter mode (`netlearn.runner.present`) on a terminal in rich format; in a
    pipe or another format it changes nothing. `theme` colours the export (dark or light)."""
    from netlearn.render import check_theme, run_scene

    check_theme(theme)
    if present and env.fmt == "rich":
        from netlearn.runner.present import present_scene

        return present_scene(events, env, export, auto=auto, theme=theme)
    return run_scene(events, env, export, theme=theme)


def open_store(env: Env):  # type: ignore[no-untyped-def]
    """The progress store for this environment (warnings go to stderr)."""
    from netlearn.progress.store import ProgressStore

    return ProgressStore.open(env.data_dir, env.warn)
