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
import tomllib
from dataclasses import dataclass
from pathlib import Path

from netlearn.errors import NetlearnError
from netlearn.paths import lessons_dir

MANIFEST = "lessons.toml"


@dataclass(frozen=True)
class LessonInfo:
    id: str
    number: int
    title: str
    minutes: int
    summary: str
    path: Path
    line: int


def _line_of(text: str, needle: str, occurrence: int) -> int:
    seen = -1
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == needle:
            seen += 1
            if seen == occurrence:
                return number
    return 1


def load(root: Path | None = None) -> list[LessonInfo]:
    """Read the manifest. Structural problems raise ContentError (file and line)."""
    from netlearn.content.lesson import ContentError

    root = root or lessons_dir()
    path = root / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, 1, "the lesson manifest is missing") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = int(str(exc).rsplit("line ", 1)[-1].split(",")[0]) if "line " in str(exc) else 1
        raise ContentError(path, line, f"not valid TOML: {exc}") from None
    entries = data.get("lesson")
    if not isinstance(entries, list) or not entries:
        raise ContentError(path, 1, "no [[lesson]] entries")
    out: list[LessonInfo] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        line = _line_of(text, "[[lesson]]", index)
        for key, kind in (("id", str), ("title", str), ("minutes", int), ("summary", str)):
            if key not in entry:
                raise ContentError(path, line, f"lesson {index + 1} has no {key!r}")
            if not isinstance(entry[key], kind):
                raise ContentError(
                    path, line, f"lesson {index + 1}: {key!r} must be a {kind.__name__}"
                )
        lid = entry["id"]
        if lid in seen:
            raise ContentError(
                path, line, f"duplicate lesson id {lid!r} (first at line {seen[lid]})"
            )
        seen[lid] = line
        unknown = set(entry) - {"id", "title", "minutes", "summary", "file"}
        if unknown:
            raise ContentError(path, line, f"lesson {lid!r}: unknown key(s) {sorted(unknown)}")
        rel = entry.get("file", f"{lid}/lesson.md")
        out.append(
            LessonInfo(
                id=lid,
                number=index + 1,
                title=entry["title"],
                minutes=entry["minutes"],
                summary=entry["summary"],
                path=root / rel,
                line=line,
            )
        )
    return out


def find(query: str, lessons: list[LessonInfo]) -> LessonInfo:
    """A lesson by id or number; a clear error with a suggestion otherwise."""
    q = query.strip().lower()
    for lesson in lessons:
        if lesson.id == q or str(lesson.number) == q:
            return lesson
    ids = [lesson.id for lesson in lessons]
    close = difflib.get_close_matches(q, ids, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise NetlearnError(
        f"no lesson {query!r}.{hint} Lessons: {', '.join(ids)} (or a number 1-{len(ids)})."
    )
