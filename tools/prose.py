"""Measure the learner-facing prose left in Python files.

Counts non-docstring string literals of 40 or more characters that read as sentences (at least
six words, mostly letters), per file, and prints the total. Prose belongs under `lessons/`, where a
teacher can edit it and `netlearn check` can see it (CONTRIBUTING.md, "Words are content").

    python tools/prose.py            # the total and the 15 files with the most
    python tools/prose.py --all      # every file, and every literal counted
    python tools/prose.py --limit N  # exit 1 when the total is over N characters
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIN_CHARS = 40
MIN_WORDS = 6


def _docstring_nodes(tree: ast.AST) -> set[int]:
    ids: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


# Literals that are code in another language, not sentences: SQL statements, Textual CSS, an HTTP
# head template, a file system path, a dotted "module:function" target.
SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|PRAGMA|DROP|BEGIN)\b")
CSS = re.compile(r"[#.\w-]+\s*\{[^{}]*:[^{}]*;[^{}]*\}")
TARGET = re.compile(r"[\w.]+:\w+")


def is_code(text: str) -> bool:
    """SQL, CSS, an HTTP head, a path or a dotted target: read by machines, not learners."""
    stripped = text.strip()
    return bool(
        SQL.match(text)
        or CSS.search(text)
        or "\r\n" in text
        or (stripped.startswith("/") and " " not in stripped)
        or TARGET.fullmatch(stripped)
    )


def reads_as_sentence(text: str) -> bool:
    """A literal a learner would read: long, several words, mostly letters, not code or a regex."""
    if len(text) < MIN_CHARS or is_code(text):
        return False
    words = re.findall(r"[A-Za-z][A-Za-z'’-]+", text)
    if len(words) < MIN_WORDS:
        return False
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return letters / len(text) >= 0.75


def _literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants, an f-string counted as its literal parts joined."""
    skip = _docstring_nodes(tree)
    inside_fstring: set[int] = set()
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            for v in node.values:
                inside_fstring.add(id(v))
            out.append(
                (
                    node.lineno,
                    "".join(str(p) for p in parts) + " x" * (len(node.values) - len(parts)),
                )
            )
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in skip
            and id(node) not in inside_fstring
        ):
            out.append((node.lineno, node.value))
    return out


def measure(path: Path) -> list[tuple[int, str]]:
    """The sentence-like literals of one file, with their line numbers."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [(line, text) for line, text in _literals(tree) if reads_as_sentence(text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every file and literal")
    parser.add_argument("--limit", type=int, default=None, help="fail above this many characters")
    parser.add_argument("root", nargs="?", default=str(ROOT / "netlearn"))
    args = parser.parse_args(argv)
    per_file: list[tuple[int, Path, list[tuple[int, str]]]] = []
    for path in sorted(Path(args.root).rglob("*.py")):
        found = measure(path)
        if found:
            per_file.append((sum(len(t) for _, t in found), path, found))
    total = sum(n for n, _, _ in per_file)
    per_file.sort(key=lambda row: -row[0])
    for n, path, found in per_file if args.all else per_file[:15]:
        print(f"{n:7d}  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        if args.all:
            for line, text in found:
                print(f"         {line}: {text[:90]!r}")
    print(f"{total:7d}  characters of prose in {len(per_file)} files")
    if args.limit is not None and total > args.limit:
        print(f"over the limit of {args.limit} characters", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
