"""Markdown source as plain text for pipes and screen readers.

Paragraphs and list items are joined and re-wrapped to the width, emphasis markers are dropped,
links keep their address, inline code keeps its backticks and is never split across lines (a
learner copies commands from it), fenced code and tables are kept as they are.
"""

from __future__ import annotations

import re

from netlearn.render.text import wrap

_NBSP = "\u00a0"
_ITEM = re.compile(r"^(\s*)([-*+] |\d{1,3}[.)] |> )")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EMPH = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


_CODE = re.compile(r"`[^`\n]*`")


def _inline(text: str) -> str:
    """Drop emphasis markers (around code spans too) and keep each code span unbreakable."""
    spans: list[str] = []

    def hide(match: re.Match[str]) -> str:
        spans.append(match.group(0).replace(" ", _NBSP))
        return f"\x00{len(spans) - 1}\x00"

    text = _CODE.sub(hide, text)
    text = _STRONG.sub(r"\2", text)
    text = _EMPH.sub(r"\1", text)
    text = _LINK.sub(r"\1 (\2)", text)
    return re.sub("\x00(\\d+)\x00", lambda m: spans[int(m.group(1))], text)


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines = wrap(_inline(text), width, first, rest, min_width=20, long_words=False)
    if lines == [first]:  # nothing to wrap
        return [first.rstrip()]
    return [line.replace(_NBSP, " ") for line in lines]


def markdown_to_plain(text: str, width: int) -> list[str]:
    """The lines a plain renderer prints for a piece of Markdown."""
    out: list[str] = []
    block: list[str] = []  # lines of the paragraph or list item being gathered
    first = rest = ""

    def flush() -> None:
        nonlocal block
        if block:
            out.extend(_wrap(" ".join(x.strip() for x in block), width, first, rest))
        block = []

    in_code = False
    for line in text.strip("\n").splitlines():
        if line.lstrip().startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            out.append("    " + line)
            continue
        if not line.strip():
            flush()
            if out and out[-1] != "":
                out.append("")
            continue
        if line.lstrip().startswith("|"):
            flush()
            out.append(line)
            continue
        if line.startswith("#"):
            flush()
            out.append(_inline(line.lstrip("#").strip()).replace(_NBSP, " ").upper())
            continue
        item = _ITEM.match(line)
        if item:
            flush()
            indent, mark = item.group(1), item.group(2)
            first = indent + mark
            rest = indent + " " * len(mark)
            block = [line[item.end() :]]
            continue
        if not block:
            first = rest = ""
        block.append(line)
    flush()
    while out and out[-1] == "":
        out.pop()
    return out
