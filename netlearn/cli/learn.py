"""`netlearn learn LESSON`, `netlearn next` and `netlearn check` (the content checker)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from netlearn.cli.app import app
from netlearn.content.words import help_text, say
from netlearn.errors import NetlearnError
from netlearn.options import ExportOpt, FormatOpt, SpeedOpt, build_env, open_store

if TYPE_CHECKING:
    from netlearn.content.lesson import LessonText
    from netlearn.content.manifest import LessonInfo
    from netlearn.env import Env

RecordOpt = Annotated[
    bool,
    typer.Option(
        "--record",
        help=help_text("core.cli.learn.record"),
    ),
]


@app.command("learn")
def learn(
    lesson: Annotated[str, typer.Argument(help=help_text("core.cli.learn.lesson"))],
    fmt: FormatOpt = "auto",
    auto: Annotated[bool, typer.Option("--auto", help=help_text("core.cli.learn.auto"))] = False,
    record: RecordOpt = False,
    speed: SpeedOpt = 1.0,
    restart: Annotated[
        bool, typer.Option("--restart", help=help_text("core.cli.learn.restart"))
    ] = False,
    step: Annotated[
        int | None, typer.Option("--step", help=help_text("core.cli.learn.step"), min=1)
    ] = None,
    export: ExportOpt = None,
) -> None:
    """Run a lesson step by step (Enter next, b back, r replay, h hint, q quit)."""
    from netlearn.app import hold_gc, release_gc

    hold_gc()  # start-up: no garbage collection until the first frame (or the plain player)
    try:
        _learn(lesson, fmt, auto, record, speed, restart, step, export)
    finally:
        release_gc()


def _learn(
    lesson: str,
    fmt: str,
    auto: bool,
    record: bool,
    speed: float,
    restart: bool,
    step: int | None,
    export: Path | None,
) -> None:
    """`learn`'s body: refuse a broken lesson in one line, then play it."""
    from netlearn.content.checker import load_lesson, refusal
    from netlearn.content.lesson import ContentError
    from netlearn.content.manifest import MANIFEST, find, load_report
    from netlearn.paths import lessons_dir

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
    _run(env, info, text, step, restart, auto, record, export)


@app.command("next")
def next_cmd(
    fmt: FormatOpt = "auto",
    speed: SpeedOpt = 1.0,
) -> None:
    """Continue where you stopped: the lesson in progress, or the next one."""
    from netlearn.app import hold_gc, release_gc

    hold_gc()  # as in `learn`
    try:
        _next(fmt, speed)
    finally:
        release_gc()


def _next(fmt: str, speed: float) -> None:
    """`next`'s body."""
    from netlearn.content.checker import load_lesson, refusal
    from netlearn.content.lesson import ContentError
    from netlearn.content.manifest import MANIFEST
    from netlearn.home import next_lesson, survey
    from netlearn.paths import lessons_dir

    env = build_env(fmt, speed=speed)
    try:
        found = survey()
    except ContentError as exc:
        raise refusal([exc]) from None
    with open_store(env) as store:
        info = next_lesson(store, found.lessons, found.broken)
    if info is None:
        print(say("core.cli.learn.all-done", n=len(found.lessons)), file=env.stdout)
        return
    try:
        text = load_lesson(info, lessons_dir() / MANIFEST)
    except ContentError as exc:
        raise refusal([exc]) from None
    _run(env, info, text, None, False, False, False, None)


def _run(
    env: Env,
    info: LessonInfo,
    text: LessonText,
    step: int | None,
    restart: bool,
    auto: bool,
    record: bool,
    export: Path | None,
) -> None:
    """Play a lesson: in the app for a learner at a terminal, else through the renderers.

    Progress counts only what a learner reached: interactive runs save it; piped, JSON and
    export runs leave it as it was, and so do `--auto` runs unless `--record`.
    """
    from netlearn.app import wanted
    from netlearn.home import resume_index

    interactive = env.interactive and not auto and export is None
    with open_store(env) as store:
        start = 0
        if step is not None:
            start = step - 1
        elif interactive and not restart:
            start = resume_index(store.get(info.id), [s.id for s in text.steps])
        if interactive and wanted(env):
            from netlearn.app.lesson import LessonScreen
            from netlearn.app.shell import run_app

            code = run_app(env, LessonScreen(info, text, store, start))
            if code:
                raise typer.Exit(code)
            return
        from netlearn.app import release_gc

        release_gc()  # the plain player: no first frame to wait for
        from netlearn.render import make_renderer
        from netlearn.runner.player import Player

        renderer = make_renderer(env)
        if interactive:
            from netlearn.runner.keys import raw_keys

            with raw_keys(env.stdin) as keys:
                result = Player(env, info, text, renderer, store, keys=keys).run(start)
        else:
            saving = store if auto and record else None
            result = Player(env, info, text, renderer, saving, auto=auto).run(start)
    if export is not None:
        from netlearn.render import export_events

        export_events(result.events, export, title=info.title)


@app.command("check")
def check(
    path: Annotated[
        Path | None,
        typer.Argument(help=help_text("core.cli.check.folder"), file_okay=False),
    ] = None,
) -> None:
    """Check lesson content: each problem as file:line: message; exit 1 if any.

    With no folder given: `NETLEARN_LESSONS` if set, else `./lessons` when it holds `lessons.toml`
    (a checkout), else the lessons shipped with netlearn; any but `./lessons` is named first.
    """
    from netlearn.content.checker import check as run_check
    from netlearn.content.checker import which_lessons

    folder, why = which_lessons(path)
    if why:
        print(f"checking {folder} ({why})")  # `check` must run when the words are broken
    problems = run_check(folder)
    for problem in problems:
        print(problem)
    if problems:
        raise typer.Exit(1)
    print("content OK")
