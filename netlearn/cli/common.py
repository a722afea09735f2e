"""Options every scene command shares, and the glue from options to environment to renderer."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.events import Event

FormatOpt = Annotated[
    str,
    typer.Option(
        "--format",
        "-f",
        help="auto (animated on a terminal, plain in a pipe), rich, plain, or json (one event "
        "per line).",
        metavar="auto|rich|plain|json",
    ),
]
ExportOpt = Annotated[
    Path | None,
    typer.Option(
        "--export",
        help="Also save the scene as SVG, HTML or text (by the file's ending).",
        metavar="FILE",
        dir_okay=False,
    ),
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", help="Fix the random numbers so a run repeats exactly.")
]
SpeedOpt = Annotated[
    float, typer.Option("--speed", help="Animation speed: 2 is twice as fast, 0.5 half.", min=0.01)
]


def build_env(
    fmt: str = "auto", seed: int | None = None, speed: float = 1.0, animate: bool | None = None
) -> Env:
    """The command's environment, from the process state and the shared options."""
    from netlearn.env import Env

    return Env.build(fmt, seed=seed, speed=speed, animate=animate)


def show(events: Iterable[Event], env: Env, export: Path | None = None) -> list[Event]:
    """Render a producer's events with the chosen renderer (and export them when asked)."""
    from netlearn.render import run_scene

    return run_scene(events, env, export)


def open_store(env: Env):  # type: ignore[no-untyped-def]
    """The progress store for this environment (warnings go to stderr)."""
    from netlearn.progress.store import ProgressStore

    return ProgressStore.open(env.data_dir, env.warn)
