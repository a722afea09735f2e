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

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from netlearn.errors import NetlearnError

_ID = re.compile(r"\{#([a-z0-9][a-z0-9-]*)\}$")
_DIRECTIVE = re.compile(r"^:::\s*(\S+)\s*(.*)$")

# The most a content file (lesson text, manifest, question bank) may hold. The longest shipped
# file is about 24 kB, so 2 MiB is generous; anything bigger is a mistake, and is never read whole.
MAX_CONTENT_BYTES = 2 * 1024 * 1024
# How much of a learner-supplied value an error message quotes.
_QUOTE = 40


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


class ContentError(NetlearnError):
    """A problem in a content file, at a line (0 when no line applies, e.g. a missing file).

    A NetlearnError, so one that escapes a command is still one line, never a traceback.
    """

    def __init__(self, path: Path, line: int, message: str) -> None:
        where = f"{path}:{line}" if line > 0 else f"{path}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.message = message


def quote(value: object) -> str:
    """`repr(value)`, cut short: a message stays one readable line whatever the content holds."""
    text = repr(value)
    return text if len(text) <= _QUOTE else text[: _QUOTE - 4] + "...'"


def read_content(path: Path, limit: int = MAX_CONTENT_BYTES) -> str:
    """A content file as text, or a ContentError saying what is wrong with the file itself.

    Only a regular file is read (a FIFO would block, a device never ends), at most `limit` bytes,
    and it must be UTF-8 (a byte-order mark is dropped).
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise ContentError(path, 0, "is missing") from None
    except (OSError, ValueError) as exc:
        raise ContentError(path, 0, f"cannot be read ({_reason(exc)})") from None
    if stat.S_ISDIR(info.st_mode):
        raise ContentError(path, 0, "is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ContentError(path, 0, "is not a regular file")
    too_big = f"is larger than {limit // 1024} KiB, the most a content file may hold; split it up"
    if info.st_size > limit:
        raise ContentError(path, 0, too_big)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise ContentError(path, 0, f"cannot be read ({_reason(exc)})") from None
    if len(data) > limit:
        raise ContentError(path, 0, too_big)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start]
        raise ContentError(
            path, line, f"not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8"
        ) from None


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def slug(text: str) -> str:
    """A heading as a stable id: lowercase words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "step"


def parse_args(text: str, path: Path, line: int) -> dict[str, str]:
    """`key=value key2=value2` after a scene name."""
    args: dict[str, str] = {}
    for part in text.split():
        key, _, value = part.partition("=")
        if not key or not value:
            raise ContentError(path, line, f"scene argument {quote(part)} is not key=value")
        if key in args:
            raise ContentError(path, line, f"scene argument {quote(key)} is given twice")
        args[key] = value
    return args


def parse(path: Path, text: str | None = None) -> LessonText:
    """Read a lesson file into steps; raise ContentError with the line of the first problem."""
    if text is None:
        text = read_content(path)
    if not text.strip():
        raise ContentError(path, 1, "the lesson is empty: write a '# Title' line, then '## ' steps")
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
            # Find `{#id}` from the last "{#" (a regex search from every position is quadratic).
            brace = heading.rfind("{#")
            match = _ID.match(heading, brace) if brace >= 0 else None
            if match:
                step_id = match.group(1)
                heading = heading[:brace].strip()
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
                    path, number, f"unknown directive {quote(kind)} (use '::: scene' or '::: hint')"
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
