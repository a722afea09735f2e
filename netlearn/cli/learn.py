"""`netlearn learn LESSON` and `netlearn check` (the content checker)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netlearn.cli.app import app
from netlearn.cli.common import ExportOpt, FormatOpt, SpeedOpt, build_env, open_store
from netlearn.errors import NetlearnError


@app.command("learn")
def learn(
    lesson: Annotated[str, typer.Argument(help="Lesson id or number (see `netlearn lessons`).")],
    fmt: FormatOpt = "auto",
    auto: Annotated[bool, typer.Option("--auto", help="Play through on its own.")] = False,
    speed: SpeedOpt = 1.0,
    restart: Annotated[
        bool, typer.Option("--restart", help="Start from the first step, not where you stopped.")
    ] = False,
    step: Annotated[
        int | None, typer.Option("--step", help="Start at this step number.", min=1)
    ] = None,
    export: ExportOpt = None,
) -> None:
    """Run a lesson step by step (Enter next, b back, r replay, h hint, q quit)."""
    from netlearn.content.checker import load_lesson, refusal
    from netlearn.content.lesson import ContentError
    from netlearn.content.manifest import MANIFEST, find, load_report
    from netlearn.paths import lessons_dir
    from netlearn.render import export_events, make_renderer
    from netlearn.runner.player import Player

    env = build_env(fmt, speed=speed)
    if export is not None:
        from netlearn.render import check_export_path

        check_export_path(export)
    root = lessons_dir()
    try:
        manifest = load_report(root)
        info = find(lesson, manifest.lessons, manifest.broken)
        text = load_lesson(info, root / MANIFEST)
    except ContentError as exc:
        raise refusal([exc]) from None
    if manifest.problems:  # other lessons are broken: say so, but let this one run
        env.warn(str(refusal(manifest.problems)))
    if step is not None and step > len(text.steps):
        raise NetlearnError(f"lesson {info.id!r} has {len(text.steps)} steps, not {step}")
    interactive = env.interactive and not auto
    with open_store(env) as store:
        start = 0
        if step is not None:
            start = step - 1
        elif interactive and not restart:
            saved = store.get(info.id)
            if saved is not None and not saved.done:
                ids = [s.id for s in text.steps]
                start = ids.index(saved.step_id) if saved.step_id in ids else 0
        renderer = make_renderer(env)
        if interactive:
            from netlearn.runner.keys import raw_keys

            with raw_keys(env.stdin) as keys:
                result = Player(env, info, text, renderer, store, keys=keys).run(start)
        else:
            result = Player(env, info, text, renderer, store, auto=auto).run(start)
    if export is not None:
        export_events(result.events, export, title=info.title)


@app.command("check")
def check(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A lessons folder (the one shipped with netlearn by default).", file_okay=False
        ),
    ] = None,
) -> None:
    """Check lesson content: each problem as file:line: message; exit 1 if any."""
    from netlearn.content.checker import check as run_check

    problems = run_check(path)
    for problem in problems:
        print(problem)
    if problems:
        raise typer.Exit(1)
    print("content OK")
