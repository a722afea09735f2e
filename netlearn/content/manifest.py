"""The lesson manifest, `lessons/lessons.toml`: which lessons exist, in which order.

[[lesson]]
id = "osi"                # stable id: progress and quiz answers are keyed by it
title = "The OSI model, layer by layer"
minutes = 15
summary = "What each of the seven layers does, shown on a real packet."
file = "osi/lesson.md"    # optional; defaults to "<id>/lesson.md"
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from netlearn.errors import NetlearnError
from netlearn.paths import lessons_dir

if TYPE_CHECKING:
    from netlearn.content.lesson import ContentError

MANIFEST = "lessons.toml"
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
KEYS = ("id", "title", "minutes", "summary", "file")


@dataclass(frozen=True)
class LessonInfo:
    id: str
    number: int
    title: str
    minutes: int
    summary: str
    path: Path
    line: int


@dataclass(frozen=True)
class Manifest:
    """The lessons the manifest lists soundly, and a problem for each entry it had to skip.

    `broken` maps a skipped entry's id and its number (as text) to its problem, so that asking
    for that lesson names what is wrong with it rather than "no such lesson".
    """

    lessons: list[LessonInfo]
    problems: list[ContentError] = field(default_factory=list)
    broken: dict[str, ContentError] = field(default_factory=dict)


def _line_of(text: str, needle: str, occurrence: int) -> int:
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == needle:
            seen += 1
            if seen == occurrence:
                return number
    return 1


def toml_error_line(exc: Exception) -> int:
    """The line a tomllib error names ("... (at line 4, column 9)"), else 1."""
    match = re.search(r"line (\d+)", str(exc))
    return int(match.group(1)) if match else 1


def parse_toml(path: Path, text: str, invalid: str = "not valid TOML") -> dict[str, Any]:
    """TOML text as a table; any failure (nesting too deep, a 5000-digit number) a ContentError."""
    from netlearn.content.lesson import ContentError

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ContentError(path, toml_error_line(exc), f"{invalid}: {exc}") from None
    except RecursionError:
        raise ContentError(path, 1, f"{invalid}: values nested too deeply") from None
    except ValueError:  # int() refusing a number with thousands of digits
        raise ContentError(path, 1, f"{invalid}: a number has too many digits") from None


def _entry_problem(entry: object, index: int) -> str | None:
    """What is wrong with one `[[lesson]]` table, or None."""
    from netlearn.content.lesson import quote

    if not isinstance(entry, dict):
        return f"lesson {index + 1} is not a table: write it as [[lesson]] with id, title, ..."
    for key, kind in (("id", str), ("title", str), ("minutes", int), ("summary", str)):
        if key not in entry:
            return f"lesson {index + 1} has no {key!r}"
        value = entry[key]
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"lesson {index + 1}: {key!r} must be a {kind.__name__}"
        if kind is str and not value.strip():
            return f"lesson {index + 1}: {key!r} is empty"
    lid = entry["id"]
    if not ID_RE.fullmatch(lid):
        return f"lesson {index + 1}: id {quote(lid)} must be lowercase letters, digits and hyphens"
    if entry["minutes"] < 1:
        return f"lesson {lid!r}: 'minutes' must be 1 or more"
    unknown = sorted(set(entry) - set(KEYS))
    if unknown:
        return f"lesson {lid!r}: unknown key(s) {[quote(k) for k in unknown]}"
    rel = entry.get("file", f"{lid}/lesson.md")
    if not isinstance(rel, str) or not rel.strip() or "\x00" in rel:
        return f"lesson {lid!r}: 'file' must be a path such as \"{lid}/lesson.md\""
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        return f"lesson {lid!r}: 'file' {quote(rel)} must be a path inside the lessons folder"
    return None


def load_report(root: Path | None = None) -> Manifest:
    """Read the manifest, keeping every sound entry and a problem for each entry skipped.

    A manifest that cannot be read at all (missing, not TOML, no entries) raises ContentError.
    """
    from netlearn.content.lesson import ContentError, read_content

    root = root or lessons_dir()
    path = root / MANIFEST
    try:
        text = read_content(path)
    except ContentError as exc:
        if exc.message == "is missing":
            raise ContentError(path, 0, "the lesson manifest is missing") from None
        raise
    data = parse_toml(path, text)
    entries = data.get("lesson")
    if not isinstance(entries, list) or not entries:
        raise ContentError(path, 1, "no [[lesson]] entries")
    manifest = Manifest(lessons=[])
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        line = _line_of(text, "[[lesson]]", index)
        message = _entry_problem(entry, index)
        lid = entry.get("id") if isinstance(entry, dict) else None
        if message is None and lid in seen:
            message = f"duplicate lesson id {lid!r} (first at line {seen[lid]})"
            lid = None  # the first entry keeps the id
        if message is not None:
            problem = ContentError(path, line, message)
            manifest.problems.append(problem)
            manifest.broken.setdefault(str(index + 1), problem)
            if isinstance(lid, str) and lid not in seen:
                manifest.broken.setdefault(lid.strip().lower(), problem)
            continue
        assert isinstance(entry, dict) and isinstance(lid, str)
        seen[lid] = line
        manifest.lessons.append(
            LessonInfo(
                id=lid,
                number=index + 1,
                title=entry["title"],
                minutes=entry["minutes"],
                summary=entry["summary"],
                path=root / entry.get("file", f"{lid}/lesson.md"),
                line=line,
            )
        )
    return manifest


def load(root: Path | None = None) -> list[LessonInfo]:
    """Read the manifest. Any problem raises ContentError (file and line)."""
    manifest = load_report(root)
    if manifest.problems:
        raise manifest.problems[0]
    return manifest.lessons


def find(
    query: str, lessons: list[LessonInfo], broken: dict[str, ContentError] | None = None
) -> LessonInfo:
    """A lesson by id or number; a clear error with a suggestion otherwise.

    `broken` (from `Manifest.broken`) turns asking for a skipped entry into that entry's problem.
    """
    q = query.strip().lower()
    for lesson in lessons:
        if lesson.id == q or str(lesson.number) == q:
            return lesson
    if broken and q in broken:
        raise broken[q]
    from netlearn.content.lesson import quote

    ids = [lesson.id for lesson in lessons]
    numbers = [lesson.number for lesson in lessons]
    if numbers == list(range(1, len(numbers) + 1)):
        by_number = f"a number 1-{len(numbers)}"
    else:
        by_number = "a number: " + ", ".join(map(str, numbers))
    close = difflib.get_close_matches(q[:100], ids, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    also = ""
    if broken:
        first = next(iter(broken.values()))
        also = f" The manifest has problems: {first} (try: netlearn check)."
    raise NetlearnError(
        f"no lesson {quote(query)}.{hint} Lessons: {', '.join(ids)} (or {by_number}).{also}"
    )
