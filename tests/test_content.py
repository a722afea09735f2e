"""The content checker: the shipped lessons pass; each kind of breakage is named with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlearn.content.checker import check
from netlearn.content.lesson import ContentError, SceneRef, Text, parse
from netlearn.content.manifest import find, load
from netlearn.errors import NetlearnError

GOOD_MANIFEST = """\
[[lesson]]
id = "alpha"
title = "Alpha"
minutes = 5
summary = "The first."
"""

GOOD_LESSON = """\
# Alpha

Intro text.

## First step {#first}
Some text.
::: scene osi.layers order=up
::: hint A hint.

## Second step
More text.
"""


def make_tree(tmp_path: Path, manifest: str = GOOD_MANIFEST, lesson: str = GOOD_LESSON) -> Path:
    root = tmp_path / "lessons"
    (root / "alpha").mkdir(parents=True)
    (root / "lessons.toml").write_text(manifest)
    (root / "alpha" / "lesson.md").write_text(lesson)
    return root


def test_shipped_content_is_sound() -> None:
    problems = check()
    assert problems == [], "\n".join(str(p) for p in problems)


def test_a_good_tree_passes(tmp_path: Path) -> None:
    assert check(make_tree(tmp_path)) == []


def test_parse_steps_blocks_and_ids(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    text = parse(root / "alpha" / "lesson.md")
    assert text.title == "Alpha"
    assert text.intro == "Intro text."
    assert [s.id for s in text.steps] == ["first", "second-step"]
    first = text.steps[0]
    assert isinstance(first.blocks[0], Text) and first.blocks[0].line == 6
    assert first.blocks[1] == SceneRef("osi.layers", {"order": "up"}, 7)
    assert first.hints == ["A hint."]


def test_directives_inside_code_blocks_are_text(tmp_path: Path) -> None:
    lesson = "# T\n\n## S\n```\n::: scene nope\n## not a step\n```\n"
    text = parse(tmp_path / "x.md", lesson)
    assert len(text.steps) == 1
    assert "::: scene nope" in text.steps[0].blocks[0].markdown  # type: ignore[union-attr]


BROKEN = [
    # (what to change, expected file, expected line, expected words)
    ("manifest", GOOD_MANIFEST.replace("minutes = 5\n", ""), "lessons.toml", 1, "no 'minutes'"),
    ("manifest", GOOD_MANIFEST + "\n" + GOOD_MANIFEST, "lessons.toml", 7, "duplicate lesson id"),
    (
        "manifest",
        GOOD_MANIFEST.replace("minutes = 5", 'minutes = "five"'),
        "lessons.toml",
        1,
        "must be a int",
    ),
    ("manifest", GOOD_MANIFEST + "colour = 3\n", "lessons.toml", 1, "unknown key"),
    ("manifest", "[[lesson]\nid=", "lessons.toml", 1, "not valid TOML"),
    (
        "lesson",
        GOOD_LESSON.replace("osi.layers", "osi.tcpipp"),
        "lesson.md",
        7,
        "unknown scene 'osi.tcpipp'; did you mean 'osi.tcpip'?",
    ),
    (
        "lesson",
        GOOD_LESSON.replace("order=up", "colour=red"),
        "lesson.md",
        7,
        "takes no argument 'colour'",
    ),
    ("lesson", GOOD_LESSON.replace("order=up", "order"), "lesson.md", 7, "not key=value"),
    (
        "lesson",
        GOOD_LESSON.replace("::: hint A hint.", "::: quiz x"),
        "lesson.md",
        8,
        "unknown directive 'quiz'",
    ),
    (
        "lesson",
        GOOD_LESSON.replace("## Second step", "## First step {#first}"),
        "lesson.md",
        10,
        "duplicate step id 'first'",
    ),
    ("lesson", GOOD_LESSON + "```\ncode\n", "lesson.md", 13, "never closed"),
    ("lesson", GOOD_LESSON.replace("# Alpha\n", ""), "lesson.md", 1, "needs a '# Title'"),
    ("lesson", "# Alpha\n::: scene osi.layers\n", "lesson.md", 2, "inside a step"),
    ("lesson", GOOD_LESSON + "\n## Empty {#empty}\n", "lesson.md", 13, "is empty"),
]


@pytest.mark.parametrize(("where", "content", "file", "line", "words"), BROKEN)
def test_broken_content_is_named_with_file_and_line(
    tmp_path: Path, where: str, content: str, file: str, line: int, words: str
) -> None:
    root = (
        make_tree(tmp_path, manifest=content)
        if where == "manifest"
        else make_tree(tmp_path, lesson=content)
    )
    problems = check(root)
    assert problems, "the checker accepted broken content"
    first = problems[0]
    assert isinstance(first, ContentError)
    assert first.path.name == file
    assert first.line == line, str(first)
    assert words in first.message
    assert str(first).startswith(f"{first.path}:{line}: ")


def test_missing_lesson_file(tmp_path: Path) -> None:
    root = make_tree(tmp_path)
    (root / "alpha" / "lesson.md").unlink()
    [problem] = check(root)
    assert problem.path.name == "lessons.toml" and "missing" in problem.message


def test_check_command_reports_and_fails(tmp_path: Path, run_cli) -> None:
    root = make_tree(tmp_path, lesson=GOOD_LESSON.replace("osi.layers", "osi.nope"))
    result = run_cli("check", str(root))
    assert result.returncode == 1
    assert f"{root / 'alpha' / 'lesson.md'}:7: unknown scene 'osi.nope'" in result.stdout
    assert run_cli("check").stdout.strip() == "content OK"


def test_find_by_id_number_and_typo(tmp_path: Path) -> None:
    lessons = load(make_tree(tmp_path))
    assert find("alpha", lessons).id == "alpha"
    assert find("1", lessons).id == "alpha"
    with pytest.raises(NetlearnError, match="Did you mean 'alpha'"):
        find("alpah", lessons)
