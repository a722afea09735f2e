"""`netlearn check` for the words: every key the code names exists, every placeholder is filled,
and no key is left unused, each problem as `file:line: message`.

The code side comes from `words_code` (an AST scan, no imports); the words side from the TOML
files under `lessons/` (see `netlearn.content.words`). A key is used when the code names it, names
a table holding it, or names an f-string prefix it starts with. Only folders present in the lessons
tree are checked, so a teacher's tree holding one lesson is not blamed for the others' words.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from netlearn.content.lesson import ContentError
from netlearn.content.words import flatten, placeholders, prefix_of, words_files
from netlearn.content.words_code import KeyUse, scan

_TOML_LINE = re.compile(r"at line (\d+)")
_HEADER = re.compile(r"^\s*\[\[?\s*(.+?)\s*\]\]?\s*(#.*)?$")
_ASSIGN = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)
_PART = re.compile(r"""[A-Za-z0-9_-]+|"([^"]*)"|'([^']*)'""")


@dataclass(frozen=True)
class Entry:
    """One words key: its value and where it is written."""

    value: Any
    path: Path
    line: int


def _parts(dotted: str) -> list[str]:
    return [
        m.group(1) if m.group(1) is not None else m.group(2) or m.group(0)
        for m in _PART.finditer(dotted)
    ]


def key_lines(text: str) -> dict[str, int]:
    """The line each key of a TOML text is written on (`table.key` -> line), tables included."""
    lines: dict[str, int] = {}
    table: list[str] = []
    fence: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if fence is not None:  # inside a multi-line string
            if line.count(fence) % 2 == 1:
                fence = None
            continue
        header = _HEADER.match(line)
        if header and "=" not in header.group(1):
            table = _parts(header.group(1))
            lines.setdefault(".".join(table), number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            key = ".".join([*table, *_parts(assign.group(1))])
            lines.setdefault(key, number)
            rest = line[assign.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    fence = quote
                    break
    return lines


def load_entries(root: Path) -> tuple[dict[str, Entry], list[ContentError]]:
    """Every words key under a lessons tree, with its file and line, and the broken files."""
    entries: dict[str, Entry] = {}
    problems: list[ContentError] = []
    if not root.is_dir():
        return entries, problems
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        for path in words_files(folder):
            try:
                text = path.read_text(encoding="utf-8")
                data = tomllib.loads(text)
            except (OSError, UnicodeDecodeError) as exc:
                problems.append(ContentError(path, 0, f"cannot read words: {exc}"))
                continue
            except tomllib.TOMLDecodeError as exc:
                found = _TOML_LINE.search(str(exc))
                line = int(found.group(1)) if found else 0
                problems.append(ContentError(path, line, f"not valid TOML: {exc}"))
                continue
            prefix = prefix_of(root, path)
            flat: dict[str, Any] = {}
            flatten(prefix, data, flat)
            where = key_lines(text)
            for key, value in flat.items():
                relative = key[len(prefix) + 1 :]
                line = where.get(relative, 0)
                if line == 0:  # a key inside an inline table: the line of its nearest parent
                    parts = relative.split(".")
                    while parts and line == 0:
                        parts.pop()
                        line = where.get(".".join(parts), 0)
                if key in entries:
                    first = entries[key]
                    problems.append(
                        ContentError(
                            path,
                            line,
                            f"words {key!r} are also written at {first.path}:{first.line}",
                        )
                    )
                    continue
                entries[key] = Entry(value, path, line)
    return entries, problems


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return "a text" if isinstance(value, str) else "not a text"


def _wants(func: str) -> str:
    return {"say": "a text", "help_text": "a text", "table": "a table", "items": "a list"}.get(
        func, ""
    )


def _fields_problem(use: KeyUse, key: str, text: str) -> str | None:
    if use.fields is None:
        return None
    wanted = placeholders(text)
    if wanted == use.fields:
        return None
    parts = []
    if wanted - use.fields:
        parts.append(f"does not fill {', '.join(sorted(wanted - use.fields))}")
    if use.fields - wanted:
        parts.append(f"fills {', '.join(sorted(use.fields - wanted))}, which the text never uses")
    return f"say({key!r}) {' and '.join(parts)}"


def _check_use(
    use: KeyUse, entries: dict[str, Entry], folders: set[str], literal: set[str]
) -> list[ContentError]:
    first = use.key.split(".", 1)[0]
    if first not in folders:
        return []
    if use.prefix:
        found = [k for k in entries if k.startswith(use.key)]
        if not found:
            return [ContentError(use.path, use.line, f"no words start with {use.key!r}")]
        if use.func not in ("say", "help_text"):
            return []
        # The family's members: the texts right under the prefix that no literal call claims
        # (`say(f"x.{op}", k=1)` beside `say("x.drop")`: drop is not one of the family).
        members = [k for k in found if "." not in k[len(use.key) :] and k not in literal]
        out = []
        for key in members:
            value = entries[key].value
            if isinstance(value, str) and (message := _fields_problem(use, key, value)):
                out.append(ContentError(use.path, use.line, message))
        return out
    entry = entries.get(use.key)
    if entry is None:
        if use.func == "known":  # an optional entry: absent is allowed
            return []
        return [ContentError(use.path, use.line, f"no words for {use.key!r} under {first}/")]
    wants = _wants(use.func)
    if wants and _kind(entry.value) != wants:
        return [
            ContentError(
                use.path,
                use.line,
                f"{use.func}({use.key!r}) wants {wants}, but {entry.path}:{entry.line} "
                f"holds {_kind(entry.value)}",
            )
        ]
    if use.func in ("say", "help_text") and isinstance(entry.value, str):
        message = _fields_problem(use, use.key, entry.value)
        if message:
            return [ContentError(use.path, use.line, message)]
    return []


def _used(key: str, literal: set[str], prefixes: list[str]) -> bool:
    if key in literal or any(key.startswith(p) for p in prefixes):
        return True
    parts = key.split(".")
    return any(".".join(parts[:n]) in literal for n in range(1, len(parts)))


def check_words(root: Path, code: list[Path] | None = None) -> list[ContentError]:
    """All words problems of a lessons tree, against the code under `code` (netlearn by default)."""
    entries, problems = load_entries(root)
    folders = {p.name for p in root.iterdir() if p.is_dir()} if root.is_dir() else set()
    uses = scan(code)
    literal = {u.key for u in uses if not u.prefix}
    for use in uses:
        problems.extend(_check_use(use, entries, folders, literal))
    prefixes = [u.key for u in uses if u.prefix]
    for key, entry in entries.items():
        if isinstance(entry.value, dict) or _used(key, literal, prefixes):
            continue
        problems.append(ContentError(entry.path, entry.line, f"words {key!r} are never used"))
    return problems


def check_tree(root: Path, lessons: object = None) -> list[ContentError]:
    """`check_words` as `netlearn.content.checker.check` calls it (the lesson list unused)."""
    return check_words(root)
