"""The content checker: every problem in `lessons/`, each as `file:line: message`.

Run by the tests and by `netlearn check`, so a teacher learns of a broken lesson before a
learner does. The quiz banks and the words are checked too (`MORE_CHECKS`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from netlearn.content.lesson import ContentError, LessonText, SceneRef, parse, quote
from netlearn.content.manifest import MANIFEST, LessonInfo, load_report
from netlearn.errors import NetlearnError
from netlearn.paths import lessons_dir

# The other checks `check()` runs, each `f(root, lessons) -> list[ContentError]`, named by string:
# the question banks belong to the quiz engine, which imports `content`, never the reverse.
MORE_CHECKS = (
    "netlearn.quiz.check:check_quizzes",  # lessons/<id>/quiz.toml
    "netlearn.content.words_check:check_tree",  # the words, lessons/*/*.toml, against the code
)


def check_lesson_text(lesson: LessonText) -> list[ContentError]:
    """Scene names, arguments and argument values the engine knows; step ids unique."""
    from netlearn.scenes import SCENES

    problems: list[ContentError] = []
    seen: dict[str, int] = {}
    for step in lesson.steps:
        if step.id in seen:
            problems.append(
                ContentError(
                    lesson.path,
                    step.line,
                    f"duplicate step id {quote(step.id)} (first at line "
                    f"{seen[step.id]}); give one an explicit {{#id}}",
                )
            )
        seen.setdefault(step.id, step.line)
        if not step.blocks:
            problems.append(
                ContentError(lesson.path, step.line, f"step {quote(step.title)} is empty")
            )
        for block in step.blocks:
            if not isinstance(block, SceneRef):
                continue
            spec = SCENES.get(block.name)
            if spec is None:
                import difflib

                close = difflib.get_close_matches(block.name[:100], SCENES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    ContentError(
                        lesson.path, block.line, f"unknown scene {quote(block.name)}{hint}"
                    )
                )
                continue
            for message in spec.problems(block.name, block.args):
                problems.append(ContentError(lesson.path, block.line, message))
    return problems


def read_lesson(info: LessonInfo, manifest: Path) -> tuple[LessonText | None, list[ContentError]]:
    """A listed lesson's text (None if unreadable) and all its problems.

    A missing file is named at its line in the manifest, where the mistake is.
    """
    if not info.path.exists() and not info.path.is_symlink():
        return None, [ContentError(manifest, info.line, f"lesson file {info.path} is missing")]
    try:
        text = parse(info.path)
    except ContentError as exc:
        return None, [exc]
    return text, check_lesson_text(text)


def load_lesson(info: LessonInfo, manifest: Path) -> LessonText:
    """A listed lesson's text, refused with its first problem (as `netlearn check` reports it)."""
    text, problems = read_lesson(info, manifest)
    if problems or text is None:
        raise problems[0]
    return text


def check(root: Path | None = None) -> list[ContentError]:
    """All problems in the content tree (an empty list means it is sound)."""
    root = root or lessons_dir()
    try:
        report = load_report(root)
    except ContentError as exc:
        return [exc]
    problems: list[ContentError] = list(report.problems)
    for info in report.lessons:
        problems.extend(read_lesson(info, root / MANIFEST)[1])
    for name in MORE_CHECKS:
        module, _, function = name.partition(":")
        problems.extend(getattr(importlib.import_module(module), function)(root, report.lessons))
    return problems


def which_lessons(given: Path | None = None) -> tuple[Path, str]:
    """The folder `netlearn check` checks, and why (empty for one given or `./lessons`).

    A folder given wins, then `NETLEARN_LESSONS`, then `./lessons` when it holds `lessons.toml`
    (run inside a checkout, a teacher checks the copy they edit), then the shipped lessons.
    """
    import os

    from netlearn.paths import LESSONS_ENV

    if given is not None:
        return given, ""
    if os.environ.get(LESSONS_ENV, "").strip():
        return lessons_dir(), LESSONS_ENV
    here = Path.cwd() / "lessons"
    if (here / MANIFEST).is_file():
        return here, ""
    # In code, not words: `netlearn check` must run to report broken words.
    return lessons_dir(), "the lessons shipped with netlearn; no ./lessons/lessons.toml here"


def refusal(problems: list[ContentError]) -> NetlearnError:
    """The one line a command gives for broken content: the first problem and what to do."""
    more = len(problems) - 1
    also = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    return NetlearnError(f"{problems[0]}{also} (try: netlearn check)")
