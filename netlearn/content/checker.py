"""The content checker: every problem in `lessons/`, each as `file:line: message`.

Run by the tests and by `netlearn check`, so a teacher learns of a broken lesson before a
learner does. The quiz banks are checked by `netlearn.quiz.check`, called from `check()`.
"""

from __future__ import annotations

from pathlib import Path

from netlearn.content.lesson import ContentError, LessonText, SceneRef, parse
from netlearn.content.manifest import load
from netlearn.paths import lessons_dir


def check_lesson_text(lesson: LessonText) -> list[ContentError]:
    """Scene names and arguments the engine knows; step ids unique."""
    from netlearn.scenes import SCENES

    problems: list[ContentError] = []
    seen: dict[str, int] = {}
    for step in lesson.steps:
        if step.id in seen:
            problems.append(
                ContentError(
                    lesson.path,
                    step.line,
                    f"duplicate step id {step.id!r} (first at line "
                    f"{seen[step.id]}); give one an explicit {{#id}}",
                )
            )
        seen.setdefault(step.id, step.line)
        if not step.blocks:
            problems.append(ContentError(lesson.path, step.line, f"step {step.title!r} is empty"))
        for block in step.blocks:
            if not isinstance(block, SceneRef):
                continue
            spec = SCENES.get(block.name)
            if spec is None:
                import difflib

                close = difflib.get_close_matches(block.name, SCENES, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    ContentError(lesson.path, block.line, f"unknown scene {block.name!r}{hint}")
                )
                continue
            for key in block.args:
                if key not in spec.args:
                    allowed = ", ".join(spec.args) or "none"
                    problems.append(
                        ContentError(
                            lesson.path,
                            block.line,
                            f"scene {block.name!r} takes no argument {key!r} (allowed: {allowed})",
                        )
                    )
    return problems


def check(root: Path | None = None) -> list[ContentError]:
    """All problems in the content tree (an empty list means it is sound)."""
    root = root or lessons_dir()
    try:
        lessons = load(root)
    except ContentError as exc:
        return [exc]
    problems: list[ContentError] = []
    for info in lessons:
        if not info.path.is_file():
            problems.append(
                ContentError(
                    root / "lessons.toml", info.line, f"lesson file {info.path} is missing"
                )
            )
            continue
        try:
            text = parse(info.path)
        except ContentError as exc:
            problems.append(exc)
            continue
        problems.extend(check_lesson_text(text))
    from netlearn.quiz.check import check_quizzes  # the question banks, lessons/<id>/quiz.toml

    problems.extend(check_quizzes(root, lessons))
    return problems
