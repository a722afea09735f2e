"""What `netlearn lab ...` does: list, show, start, check (the CLI module only wires options)."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

from netlearn.content.words import items, say
from netlearn.errors import NetlearnError
from netlearn.labs import get_lab, lab_names
from netlearn.labs.report import wrap

if TYPE_CHECKING:
    from netlearn.env import Env
    from netlearn.labs.runner import LabResult

EXTENSIONS = {"python": "py", "js": "js"}
RUN_WITH = {"python": "python3", "js": "node"}

_GREEN, _RED, _DIM, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m"


def _paint(line: str, env: Env) -> str:
    if not env.color:
        return line
    if line.startswith("  PASS"):
        return _GREEN + line + _RESET
    if line.startswith("  FAIL"):
        return _RED + line + _RESET
    if line.startswith(("program | ", "program + ")):
        return _DIM + line + _RESET
    if line.startswith("["):
        return _BOLD + line + _RESET
    return line


def _emit(env: Env, lines: list[str]) -> None:
    for line in lines:
        env.stdout.write(_paint(line, env) + "\n")
    env.stdout.flush()


def _open_store(env: Env):  # type: ignore[no-untyped-def]
    """The progress store for this environment (warnings go to stderr), as the CLI opens it."""
    from netlearn.progress.store import ProgressStore

    return ProgressStore.open(env.data_dir, env.warn)


def lab_file(name: str) -> Path:
    from netlearn.paths import lessons_dir

    return lessons_dir() / "labs" / f"{name}.md"


def reflow(lines: list[str]) -> list[str]:
    """Markdown text re-wrapped at 80 columns: paragraphs and list items are joined and wrapped
    with a hanging indent; headings, code blocks (```) and blank lines are kept as they are."""
    import re

    out: list[str] = []
    block: list[str] = []
    first = indent = ""

    def flush() -> None:
        if block:
            out.extend(wrap(first, " ".join(block), indent))
            block.clear()

    fenced = False
    for line in lines:
        if line.startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
            continue
        if fenced or not line.strip() or line.startswith("#"):
            flush()
            out.append(line)
            continue
        item = re.match(r"(\s*)([-*]|\d+\.) ", line)
        if item or not block:  # a list item or a paragraph starts
            flush()
            lead = item.group(0) if item else line[: len(line) - len(line.lstrip())]
            first, indent = lead, " " * len(lead)
        block.append(line.strip() if not item else line[len(item.group(0)) :].strip())
    flush()
    return out


def list_labs(env: Env) -> None:
    """The labs in order, with each one's best result."""
    from netlearn.labs.progress import all_best

    with _open_store(env) as store:
        best = all_best(store)
    lines = [say("labs.commands.list-title"), ""]
    for number, name in enumerate(lab_names(), start=1):
        try:
            lab = get_lab(name)
        except ImportError:
            lines.append(f"  {number}. {name:<18} (not available in this version)")
            continue
        record = best.get(name)
        if record is None:
            status = "not tried"
        elif record.best >= len(lab.stages):
            status = f"done ({len(lab.stages)}/{len(lab.stages)} stages)"
        else:
            status = f"best {record.best}/{len(lab.stages)} stages"
        lines += wrap(f"  {number}. {name:<17} {status:<18} ", lab.title, " " * 42)
    lines += ["", *items("labs.commands.list-help")]
    _emit(env, lines)


def show_lab(env: Env, name: str) -> None:
    """The task (lessons/labs/NAME.md), then the stages as the checker runs them."""
    lab = get_lab(name)
    path = lab_file(name)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        raise NetlearnError(f"the text of lab {name!r} is missing ({path})") from None
    lines = reflow(text.rstrip("\n").splitlines())
    lines += ["", say("labs.commands.stages-heading", name=name), ""]
    for index, stage in enumerate(lab.stages, start=1):
        lines.append(f"{index}. {stage.title} ({stage.id})")
    ext = EXTENSIONS[lab.starters[0]]
    file = f"{name.replace('-', '_')}.{ext}"
    lines += [
        "",
        f"Start: netlearn lab start {name}" + (" [--lang js]" if "js" in lab.starters else ""),
        f"Check: netlearn lab check {name} -- {RUN_WITH[lab.starters[0]]} {file}",
    ]
    _emit(env, lines)


def start_lab(env: Env, name: str, lang: str, force: bool, folder: Path | None = None) -> Path:
    """Copy the starter into `folder` (the current one); refuse to replace a file unless forced."""
    from netlearn.paths import assets_dir
    from netlearn.safefile import check_target

    lab = get_lab(name)
    if lang not in EXTENSIONS:
        raise NetlearnError(f"no language {lang!r}: use python or js")
    if lang not in lab.starters:
        raise NetlearnError(
            f"lab {name!r} has no {lang} starter (it has: {', '.join(lab.starters)})"
        )
    ext = EXTENSIONS[lang]
    source = assets_dir() / "labs" / name / f"starter.{ext}"
    try:
        data = source.read_bytes()
    except OSError:
        raise NetlearnError(f"the starter file {source} is missing") from None
    target = (folder or Path.cwd()) / f"{name.replace('-', '_')}.{ext}"
    exists = check_target(target)  # refuses a symlink, a folder, a FIFO, another's file
    if exists and not force:
        raise NetlearnError(say("labs.commands.exists", file=target.name))
    _write_source(target, data, replace=exists)
    run = f"{RUN_WITH[lang]} {target.name}"
    _emit(
        env,
        [
            say("labs.commands.wrote", file=target.name),
            "Read the task:",
            f"  netlearn lab show {name}",
            "Check your work:",
            f"  netlearn lab check {name} -- {run}",
            "Or check it again on each save:",
            f"  netlearn lab watch {name} -- {run}",
        ],
    )
    return target


def _write_source(target: Path, data: bytes, replace: bool) -> None:
    """A new 0644 file (never through a symlink); a replacement goes in by rename."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    path = target
    if replace:
        path = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    try:
        fd = os.open(path, flags, 0o644)
    except FileExistsError:
        raise NetlearnError(f"cannot write {target.name}: it appeared meanwhile") from None
    except OSError as exc:
        raise NetlearnError(f"cannot write {target.name}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if replace:
            os.replace(path, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise NetlearnError(f"cannot write {target.name}: {exc.strerror}") from None


def check_lab(
    env: Env,
    name: str,
    command: list[str],
    *,
    seed: int | None = None,
    fmt: str = "auto",
    gradescope: Path | None = None,
    record: bool = True,
) -> int:
    """Run the checker; print the report; return the exit status (0 all passed, 1 not)."""
    from netlearn.labs import report
    from netlearn.labs.runner import run_lab

    lab = get_lab(name)
    if not command:
        raise NetlearnError(
            say("labs.commands.needs-command", name=name, file=f"{name.replace('-', '_')}.py"),
            exit_code=2,
        )
    if seed is None:
        seed = secrets.randbelow(1_000_000)
    as_text = fmt != "json"

    def on_setup(result: LabResult) -> None:
        if as_text:
            _emit(env, report.header_lines(result) + report.setup_lines(result))

    def on_stage(res) -> None:  # type: ignore[no-untyped-def]
        if as_text:
            _emit(env, report.stage_lines(res, len(lab.stages)))

    result = run_lab(lab, command, seed, on_setup=on_setup, on_stage=on_stage)
    if as_text:
        _emit(env, report.summary_lines(result))
    else:
        env.stdout.write(report.dumps(report.json_report(result)))
        env.stdout.flush()
    if gradescope is not None:
        from netlearn.safefile import write_private

        write_private(gradescope, report.dumps(report.gradescope_report(result)).encode())
    if record:
        _record(env, result)
    return 0 if result.ok else 1


def _record(env: Env, result: LabResult) -> None:
    """The learner's best result for this lab (never lowered by a worse run)."""
    from netlearn.labs.progress import record

    try:
        with _open_store(env) as store:
            record(store, result.lab.name, result.passed, result.total)
    except NetlearnError as exc:
        env.warn(f"the result was not saved: {exc}")
