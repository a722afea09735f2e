"""Where the code names words: an AST scan for `say`, `help_text`, `table`, `items`, `known` and
`lookup` calls.

A call counts when it has one of those names (bare, or as an attribute such as `words.say`) and
its first argument is a literal key (`say("tcp.reasons.syn-isn", isn=1)`) or an
f-string with a literal prefix (`say(f"glossary.tcp-states.{state.value}")`, which names every key
under `glossary.tcp-states.`), or a choice of those (`say("a.b" if x else "a.c")`); a lookup
imported under another name (`from netlearn.content.words import table as words_table`) counts
too. Nothing is imported: the scan reads source files only, so it is fast and never pulls in
scapy or a lesson.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from pathlib import Path

LOOKUPS = frozenset({"say", "help_text", "table", "items", "known", "lookup"})
# A key names a folder and at least one key under it: `core.home.title`, `labs.tcp-echo.intro`.
_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)+$")
_PREFIX = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]*$")
# A file that may look words up: it calls one of LOOKUPS or imports from the words store (under
# any name). Only those are parsed.
_MAY_LOOK_UP = re.compile(
    r"\b(?:" + "|".join(sorted(LOOKUPS)) + r")\s*\(|content\.words|import words"
)


@dataclass(frozen=True)
class KeyUse:
    """One call that names words: where it is, what it asks for and what it fills."""

    path: Path
    line: int
    func: str  # say, table, items, known or lookup
    key: str  # the literal key, or the f-string's literal prefix
    prefix: bool  # True for an f-string: every key starting with `key` is meant
    fields: frozenset[str] | None  # the keyword names given; None when `**kwargs` is passed


def _name(func: ast.expr, aliases: dict[str, str]) -> str | None:
    if isinstance(func, ast.Name):
        return aliases.get(func.id, func.id)
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _keys(arg: ast.expr) -> list[tuple[str, bool]]:
    """The keys an argument names: (literal key or f-string prefix, is it a prefix)."""
    if isinstance(arg, ast.IfExp):  # say("a.b" if x else "a.c")
        return _keys(arg.body) + _keys(arg.orelse)
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [(arg.value, False)] if _KEY.match(arg.value) else []
    if isinstance(arg, ast.JoinedStr) and arg.values:
        head = arg.values[0]
        if not (isinstance(head, ast.Constant) and isinstance(head.value, str)):
            return []
        if len(arg.values) == 1:  # an f-string with no placeholder is a literal key
            return [(head.value, False)] if _KEY.match(head.value) else []
        return [(head.value, True)] if _PREFIX.match(head.value) else []
    return []


def _uses(path: Path, call: ast.Call, aliases: dict[str, str]) -> list[KeyUse]:
    func = _name(call.func, aliases)
    if func not in LOOKUPS or not call.args:
        return []
    fields: frozenset[str] | None = frozenset(k.arg for k in call.keywords if k.arg is not None)
    if any(k.arg is None for k in call.keywords):
        fields = None
    return [
        KeyUse(path, call.lineno, func, key, prefix, fields) for key, prefix in _keys(call.args[0])
    ]


def _aliases(nodes: list[ast.AST]) -> dict[str, str]:
    """`from netlearn.content.words import table as words_table` -> {"words_table": "table"}."""
    out: dict[str, str] = {}
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module == "netlearn.content.words":
            for alias in node.names:
                if alias.asname and alias.name in LOOKUPS:
                    out[alias.asname] = alias.name
    return out


def scan_source(path: Path, source: str) -> list[KeyUse]:
    """The word lookups in one file's source (a file that does not parse names none)."""
    if not _MAY_LOOK_UP.search(source):  # most files: no parse at all
        return []
    try:
        tree = ast.parse(source, filename=str(path))
    except (SyntaxError, ValueError):
        return []
    nodes = list(ast.walk(tree))  # one walk serves the aliases and the calls
    aliases = _aliases(nodes)
    uses = [u for node in nodes if isinstance(node, ast.Call) for u in _uses(path, node, aliases)]
    return sorted(uses, key=lambda u: u.line)


_cache: dict[Path, tuple[tuple[int, int], list[KeyUse]]] = {}


def scan_file(path: Path) -> list[KeyUse]:
    """The word lookups in one file, cached until the file changes."""
    try:
        st = path.stat()
    except OSError:
        return []
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _cache.get(path)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    uses = scan_source(path, source)
    _cache[path] = (stamp, uses)
    return uses


def python_files(folder: Path) -> list[Path]:
    """Every `.py` file under a folder, sorted, skipping caches and hidden folders."""
    out: list[Path] = []
    for here, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith((".", "__pycache__")))
        out.extend(Path(here) / f for f in sorted(files) if f.endswith(".py"))
    return out


def code_folders() -> list[Path]:
    """netlearn's own code, and any extra lesson package folder on `netlearn.lessons.__path__`."""
    import importlib.util

    import netlearn

    main = Path(netlearn.__file__).resolve().parent
    folders = [main]
    spec = importlib.util.find_spec("netlearn.lessons")  # its folders, without importing a lesson
    for extra in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(extra).resolve()
        if not folder.is_relative_to(main) and folder not in folders:
            folders.append(folder)
    return folders


def scan(folders: list[Path] | None = None) -> list[KeyUse]:
    """Every word lookup under the given code folders (netlearn's own by default)."""
    uses: list[KeyUse] = []
    for folder in folders if folders is not None else code_folders():
        for path in python_files(folder):
            uses.extend(scan_file(path))
    return uses
