"""Every word a learner reads, kept under `lessons/` and looked up by key.

Code names a key and fills its placeholders; the sentence lives in a TOML file a teacher edits:

    say("tcp.reasons.syn-isn", isn=1000)   # lessons/tcp/words.toml, table [reasons], key syn-isn

A key's first part is a folder under `lessons/` (a lesson id, `glossary`, `labs` or `core`). Every
`*.toml` file in that folder except `quiz.toml` holds words: `words.toml` at the folder's top
level, any other file under its own name (`lessons/glossary/tcp-states.toml` holds the keys
`glossary.tcp-states.*`). A value is a string with `{name}` placeholders (Python's `str.format`;
`{{` for a brace), or a table of such strings. `netlearn check` verifies that every key the code
names exists, that every placeholder is filled, and that no key is left unused.
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
from pathlib import Path
from typing import Any

from netlearn.errors import NetlearnError
from netlearn.paths import LESSONS_ENV, lessons_dir, shipped_lessons_dir

NOT_WORDS = frozenset({"lessons.toml", "quiz.toml"})

# Keyed by NETLEARN_LESSONS as set (which decides every path): one dictionary lookup per `say`,
# no file system call (a frame drawn with twenty words must stay microseconds).
# (lessons setting, first part of a key) -> that folder's words
_books: dict[tuple[str, str], dict[str, Any]] = {}
# (lessons setting, first, second part) -> the words of `<first>/<second>.toml` alone, or None
_files: dict[tuple[str, str, str], dict[str, Any] | None] = {}


class WordsError(NetlearnError):
    """A key the code asked for is missing, or a placeholder was not filled."""


def words_files(folder: Path) -> list[Path]:
    """The words files of one folder under `lessons/`, sorted."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.toml") if p.name not in NOT_WORDS and p.is_file())


def prefix_of(root: Path, path: Path) -> str:
    """The key prefix a words file's keys take (`tcp`, `glossary.tcp-states`, `labs.tcp-echo`)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "words":
        parts.pop()
    return ".".join(parts)


def flatten(prefix: str, table: dict[str, Any], out: dict[str, Any]) -> None:
    """`{"a": {"b": "x"}}` under `p` -> `{"p.a.b": "x"}`, tables kept too (`p.a`)."""
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        out[full] = value
        if isinstance(value, dict):
            flatten(full, value, out)


def load_book(root: Path, first: str) -> dict[str, Any]:
    """Every key under one top folder of `lessons/`, flattened."""
    out: dict[str, Any] = {}
    for path in words_files(root / first):
        _read(root, path, out)
    return out


def _read(root: Path, path: Path, out: dict[str, Any]) -> None:
    """One words file's keys, flattened into `out`."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise WordsError(f"{path}: cannot read words: {exc}") from None
    flatten(prefix_of(root, path), data, out)


def _folder_root(first: str) -> Path:
    """The lessons folder that holds `first`: `NETLEARN_LESSONS` when it has that folder, else the
    shipped one (a teacher's copy of one lesson still finds the core's and glossaries' words)."""
    root = lessons_dir()
    if (root / first).is_dir():
        return root
    shipped = shipped_lessons_dir()  # the shipped lessons, whatever NETLEARN_LESSONS says
    return shipped if (shipped / first).is_dir() else root


def _book(first: str) -> dict[str, Any]:
    key = (os.environ.get(LESSONS_ENV, ""), first)
    book = _books.get(key)
    if book is None:
        book = _books[key] = load_book(_folder_root(first), first)
    return book


def _file_book(first: str, second: str) -> dict[str, Any] | None:
    """The keys of `lessons/<first>/<second>.toml` alone, when that file exists: a command's help
    needs one small file, not every file of its folder (start-up time)."""
    key = (os.environ.get(LESSONS_ENV, ""), first, second)
    if key in _files:
        return _files[key]
    book: dict[str, Any] | None = None
    if second not in ("words", "quiz", "lessons"):
        root = _folder_root(first)
        path = root / first / f"{second}.toml"
        if path.is_file():
            book = {}
            _read(root, path, book)
    _files[key] = book
    return book


def clear_cache() -> None:
    """Forget loaded words (tests that point `NETLEARN_LESSONS` elsewhere)."""
    _books.clear()
    _files.clear()
    placeholders.cache_clear()


def lookup(key: str) -> Any:
    """The raw value of a key: a string, or a table (dict) of them."""
    parts = key.split(".", 2)
    first = parts[0]
    if len(parts) == 3:
        one_file = _file_book(first, parts[1])
        if one_file is not None and key in one_file:
            return one_file[key]
    book = _book(first)
    if key not in book:
        raise WordsError(f"no words for {key!r} under {_folder_root(first) / first}")
    return book[key]


def known(key: str) -> bool:
    """Whether a key exists (for an optional glossary entry)."""
    try:
        lookup(key)
    except WordsError:
        return False
    return True


@functools.lru_cache(maxsize=4096)
def placeholders(text: str) -> frozenset[str]:
    """The names a text's `{...}` placeholders ask for."""
    names: set[str] = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is not None:
            names.add(field.split(".", 1)[0].split("[", 1)[0])
    return frozenset(names)


def fill(key: str, text: str, fields: dict[str, object]) -> str:
    """`text` with its placeholders filled from `fields`; a missing or extra name is an error."""
    wanted = placeholders(text)
    missing = wanted - set(fields)
    if missing:
        raise WordsError(f"words {key!r} need {', '.join(sorted(missing))}")
    extra = set(fields) - wanted
    if extra:
        raise WordsError(f"words {key!r} have no place for {', '.join(sorted(extra))}")
    return text.format(**fields) if wanted else text.replace("{{", "{").replace("}}", "}")


def say(key: str, /, **fields: object) -> str:
    """The text of `key` with its placeholders filled."""
    value = lookup(key)
    if not isinstance(value, str):
        raise WordsError(f"words {key!r} are a table, not a text")
    return fill(key, value, fields)


def help_text(key: str) -> str:
    """A text needed while the command line is being built (an option's help): never raises.

    A broken words file must not stop `netlearn check` from starting and reporting it, so a
    lookup that fails gives the key itself.
    """
    try:
        return say(key)
    except NetlearnError:
        return key


def table(key: str) -> dict[str, str]:
    """A table of texts (a glossary: name -> meaning), without placeholders filled."""
    value = lookup(key)
    if not isinstance(value, dict):
        raise WordsError(f"words {key!r} are a text, not a table")
    return {k: v for k, v in value.items() if isinstance(v, str)}


def items(key: str) -> list[str]:
    """A list of texts (a checklist's lines)."""
    value = lookup(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WordsError(f"words {key!r} are not a list of texts")
    return list(value)
