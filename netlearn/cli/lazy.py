"""Lazy command families: `netlearn --help` lists every command without importing them all.

Typer builds every command's Click object (and imports every module that declares one) before it
can print help. For the lesson families (each lesson's command, declared in its spec:
`netlearn.lessonspec`) and the quiz and lab commands, we keep their names and one-line help and
import a family's module only when its command runs, or when its own `--help` is asked for
(`netlearn.cli.app.LazyGroup`, beside `attach` and `load_all`). A test checks that these lines
match the real commands.
"""

from __future__ import annotations

from typing import Any

# The core's lazy commands: name -> (module that registers it on `netlearn.cli.app.app`, its
# one-line help). Each lesson's command comes from its spec ("module:name" or "module"; see
# `netlearn.cli.app.attach`).
CORE_LAZY: dict[str, tuple[str, str]] = {
    "quiz": (
        "netlearn.cli.quiz",
        "Quiz yourself: questions from the lessons, each explained after your answer (single keys "
        "on a terminal).",
    ),
    "lab": (
        "netlearn.cli.lab",
        "Labs: write a client or server yourself; netlearn checks its bytes and explains each "
        "mistake.",
    ),
    "review": (
        "netlearn.cli.quiz",
        "Review the questions that are due (spaced repetition: missed ones soon, known ones "
        "later).",
    ),
}

# The order `netlearn --help` lists commands in, the learner's path through netlearn: these,
# then the lessons' commands in `lessons.toml` order, then `AFTER`, then the rest by name.
BEFORE = ("lessons", "learn")
AFTER = ("quiz", "review", "lab", "progress", "check")


def lazy_table() -> dict[str, tuple[str, str]]:
    """Every lazy command: the lessons' (in `lessons.toml` order), then the core's."""
    from netlearn.lessonspec import command_table

    table = {name: entry for name, entry in command_table().items() if name not in CORE_LAZY}
    table.update(CORE_LAZY)  # a lesson may not take a core command's name
    return table


def order() -> tuple[str, ...]:
    """The order `netlearn --help` lists the commands it knows by name."""
    from netlearn.lessonspec import command_table

    lessons = tuple(name for name in command_table() if name not in BEFORE + AFTER)
    return BEFORE + lessons + AFTER


def __getattr__(name: str) -> Any:
    """`LAZY` (name -> (module, one-line help)) and `ORDER`, built from the lesson specs."""
    if name == "LAZY":
        return lazy_table()
    if name == "ORDER":
        return order()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class OutputClosed(Exception):
    """The reader of our output went away (`netlearn ... | head`): not an error of ours.

    Click turns a BrokenPipeError into exit status 1 before we could see it; this type passes
    through Click so that `main` can exit quietly with 0.
    """


class Interrupted(Exception):
    """Ctrl-C reached the top: Typer would turn it into a silent exit; `main` says so first."""
