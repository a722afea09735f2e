"""The lesson text format: Markdown split into steps, with scenes and hints as directive lines.

    # The lesson's title

    ## A step's title {#stable-id}
    Markdown the learner reads.
    ::: scene osi.encapsulate packet=http
    More Markdown, shown after the scene.
    ::: hint A nudge shown when the learner presses h.

Each `## ` heading starts a step. Its id is the `{#id}` given, or the heading made into a slug;
progress and quiz questions refer to steps by that id, never by position. Lines inside fenced code
blocks are never read as headings or directives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_ID = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$")
_DIRECTIVE = re.compile(r"^:::\s*(\S+)\s*(.*)$")


@dataclass(frozen=True)
class SceneRef:
    name: str
    args: dict[str, str]
    line: int


@dataclass(frozen=True)
class Text:
    markdown: str
    line: int


Block = Text | SceneRef


@dataclass
class Step:
    id: str
    title: str
    line: int
    blocks: list[Block] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)


@dataclass
class LessonText:
    path: Path
    title: str
    intro: str
    steps: list[Step]


class ContentError(Exception):
    """A problem in a content file, at a line."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message


def slug(text: str) -> str:
    """A heading as a stable id: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "step"


def parse_args(text: str, path: Path, line: int) -> dict[str, str]:
    """`key=value key2=value2` after a scene name."""
    args: dict[str, str] = {}
    for part in text.split():
        if "=" not in part:
            raise ContentError(path, line, f"scene argument {part!r} is not key=value")
        key, value = part.split("=", 1)
        if not key or not value:
            raise ContentError(path, line, f"scene argument {part!r} is not key=value")
        args[key] = value
    return args


def parse(path: Path, text: str | None = None) -> LessonText:
    """Read a lesson file into steps; raise ContentError with the line of the first problem."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(path, 1, f"not UTF-8 text ({exc.reason})") from None
    title = ""
    intro: list[str] = []
    steps: list[Step] = []
    buf: list[str] = []
    buf_line = 0
    in_code = False

    def flush() -> None:
        nonlocal buf
        body = "\n".join(buf).strip("\n")
        if body.strip() and steps:
            steps[-1].blocks.append(Text(body, buf_line))
        elif body.strip():
            intro.append(body)
        buf = []

    for number, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code or line.lstrip().startswith("```"):
            if not buf:
                buf_line = number
            buf.append(line)
            continue
        if line.startswith("# ") and not title and not steps:
            title = line[2:].strip()
            continue
        if line.startswith("## "):
            flush()
            heading = line[3:].strip()
            match = _ID.search(heading)
            if match:
                step_id = match.group(1)
                heading = heading[: match.start()].strip()
            else:
                step_id = slug(heading)
            if not heading:
                raise ContentError(path, number, "a step heading needs a title")
            steps.append(Step(id=step_id, title=heading, line=number))
            continue
        directive = _DIRECTIVE.match(line)
        if directive:
            if not steps:
                raise ContentError(path, number, "a directive must be inside a step (after ##)")
            flush()
            kind, rest = directive.group(1), directive.group(2).strip()
            if kind == "scene":
                if not rest:
                    raise ContentError(path, number, "'::: scene' needs a scene name")
                name, _, arg_text = rest.partition(" ")
                steps[-1].blocks.append(SceneRef(name, parse_args(arg_text, path, number), number))
            elif kind == "hint":
                if not rest:
                    raise ContentError(path, number, "'::: hint' needs the hint's text")
                steps[-1].hints.append(rest)
            else:
                raise ContentError(
                    path, number, f"unknown directive {kind!r} (use '::: scene' or '::: hint')"
                )
            continue
        if not buf:
            buf_line = number
        buf.append(line)
    if in_code:
        raise ContentError(path, len(text.splitlines()), "a ``` code block is never closed")
    flush()
    if not title:
        raise ContentError(path, 1, "the lesson needs a '# Title' line before its first step")
    if not steps:
        raise ContentError(path, 1, "the lesson has no steps ('## ' headings)")
    return LessonText(path=path, title=title, intro="\n\n".join(intro), steps=steps)
