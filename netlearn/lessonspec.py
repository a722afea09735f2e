"""A lesson declared once: its command, its scenes and its quiz generators, as strings.

Each lesson package says what it offers in its `__init__.py`, and nothing else registers it:

    SPEC = LessonSpec(
        id="tcp",
        command=("netlearn.lessons.tcp.cli", "Watch TCP open, carry and close a connection, ..."),
        scenes={"handshake": SceneSpec("netlearn.lessons.tcp.scenes:handshake", (ABSOLUTE,))},
        generators={"tcp.synack_ack": GeneratorSpec("netlearn.lessons.tcp.quiz:synack_ack", ...)},
    )

Targets are "module:function" strings and the help texts are plain strings, so importing every
lesson's `__init__` stays cheap (no scapy, Rich or Textual): `netlearn --help` lists the commands
and `netlearn check` validates scene arguments and generator names without importing a lesson's
real code. The registries (`netlearn.scenes.SCENES`, `netlearn.quiz.generators.GENERATORS`,
`netlearn.cli.lazy.LAZY`) are built from `lesson_specs()`.

Naming: a scene's key in `scenes` is its short name; its full name, the one a lesson's text
embeds, is `<lesson id>.<short name>`. Generator names are written whole, since quiz banks and
learners' progress store them (`ws.accept` belongs to the `websocket` lesson). The command is
`netlearn <lesson id>`: `command` names it as "module:name", a function (one command) or a
`typer.Typer` (a group of subcommands) that the command tree adds under the lesson's id, so the
lesson never imports the tree above it (a bare "module" adds itself to `netlearn.cli.app.app`
when imported); and its one-line help, the first paragraph of the command's own help (a test
checks they agree).

Where lessons are found: every package under `netlearn.lessons.__path__` (see
`netlearn/lessons/__init__.py` for adding folders to it), taken in the order of
`lessons.toml`, then any package the manifest does not list, by name. A lesson id `foo-bar` is
the package `foo_bar`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from netlearn.errors import NetlearnError


class _Record:
    """A small frozen record, cheap to define: `netlearn --help` reads every lesson's spec, and
    a dataclass costs its definition time at every start-up (these four cost 3 ms)."""

    __slots__ = ()
    _fields: tuple[str, ...] = ()

    def _set(self, **values: object) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is frozen")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__, *map(repr, self._values())))

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({inner})"


def _quote(value: object) -> str:
    """`repr(value)`, cut short, as `netlearn.content.lesson.quote` (the spec types import
    nothing from the engine above them: `netlearn.content` reads the registries)."""
    text = repr(value)
    return text if len(text) <= 40 else text[:36] + "...'"


class Arg(_Record):
    """One scene argument and the values it accepts: `choices`, or those `test` says yes to.

    `about`: the accepted values in words, when they are not a short list."""

    __slots__ = ("name", "choices", "test", "about")
    _fields = __slots__
    name: str
    choices: tuple[str, ...]
    test: Callable[[str], bool] | None
    about: str

    def __init__(
        self,
        name: str,
        choices: tuple[str, ...] = (),
        test: Callable[[str], bool] | None = None,
        about: str = "",
    ) -> None:
        self._set(name=name, choices=choices, test=test, about=about)

    def problem(self, value: str) -> str | None:
        """Why `value` is refused (None when it is accepted)."""
        if self.choices:
            if value in self.choices:
                return None
            import difflib

            close = difflib.get_close_matches(value[:100], self.choices, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            return f"{self.name}={_quote(value)}: choose one of {', '.join(self.choices)}{hint}"
        if self.test is None or self.test(value):
            return None
        return f"{self.name}={_quote(value)}: give {self.about}"


class SceneSpec(_Record):
    """A scene: the producer `(env, **args) -> Iterator[Event]` that makes its events."""

    __slots__ = ("target", "args", "about")
    _fields = __slots__
    target: str
    args: tuple[Arg, ...]
    about: str

    def __init__(self, target: str, args: tuple[Arg, ...] = (), about: str = "") -> None:
        self._set(target=target, args=args, about=about)

    @property
    def arg_names(self) -> tuple[str, ...]:
        return tuple(arg.name for arg in self.args)

    def problems(self, name: str, args: dict[str, str]) -> list[str]:
        """What is wrong with the arguments a lesson gives scene `name` (empty when all is well)."""
        out: list[str] = []
        known = {arg.name: arg for arg in self.args}
        for key, value in args.items():
            arg = known.get(key)
            if arg is None:
                allowed = ", ".join(known) or "none"
                out.append(f"scene {name!r} takes no argument {_quote(key)} (allowed: {allowed})")
                continue
            problem = arg.problem(value)
            if problem is not None:
                out.append(f"scene {name!r}: {problem}")
        return out


class GeneratorSpec(_Record):
    """A quiz generator `(rng, question) -> Asked`: where it lives and what it needs.

    `source`: "generated" (packets built with the seed) or "capture" (the bundled capture)."""

    __slots__ = ("target", "source", "params", "about")
    _fields = __slots__
    target: str
    source: str
    params: tuple[str, ...]
    about: str

    def __init__(
        self, target: str, source: str, params: tuple[str, ...] = (), about: str = ""
    ) -> None:
        self._set(target=target, source=source, params=params, about=about)


class LessonSpec(_Record):
    """What one lesson package offers the rest of netlearn.

    `command`: ("module:name" of `netlearn <id>`, its one-line help), or None: no command."""

    __slots__ = ("id", "command", "scenes", "generators")
    _fields = __slots__
    id: str
    command: tuple[str, str] | None
    scenes: Mapping[str, SceneSpec]
    generators: Mapping[str, GeneratorSpec]

    def __init__(
        self,
        id: str,  # noqa: A002 (the lesson's id, as lessons.toml names it)
        command: tuple[str, str] | None = None,
        scenes: Mapping[str, SceneSpec] | None = None,
        generators: Mapping[str, GeneratorSpec] | None = None,
    ) -> None:
        self._set(id=id, command=command, scenes=scenes or {}, generators=generators or {})

    def full_scenes(self) -> dict[str, SceneSpec]:
        """The scenes under the names a lesson's text uses (`tcp.handshake`)."""
        return {f"{self.id}.{name}": spec for name, spec in self.scenes.items()}


def number(low: int, high: int) -> Callable[[str], bool]:
    """A test for a whole number from `low` to `high` (plain digits, at most 6 of them)."""
    return lambda value: (
        re.fullmatch(r"[0-9]{1,6}", value) is not None and (low <= int(value) <= high)
    )


YES_NO = ("yes", "no", "true", "false", "on", "off", "1", "0")


def package_name(lesson_id: str) -> str:
    """The package under `netlearn.lessons` holding a lesson's code (`foo-bar` -> `foo_bar`)."""
    return lesson_id.replace("-", "_")


_IDENTIFIER = re.compile(r"[a-z][a-z0-9_]*")
_cache: dict[tuple[str, tuple[str, ...]], tuple[LessonSpec, ...]] = {}


def _packages(folders: list[str]) -> list[str]:
    """The lesson packages in the folders of `netlearn.lessons.__path__` (first one wins)."""
    seen: list[str] = []
    for folder in folders:
        try:
            children = sorted(Path(folder).iterdir())
        except OSError:
            continue
        for child in children:
            if (
                _IDENTIFIER.fullmatch(child.name)
                and child.name not in seen
                and (child / "__init__.py").is_file()
            ):
                seen.append(child.name)
    return seen


def _load(name: str) -> LessonSpec:
    import importlib

    module = importlib.import_module(f"netlearn.lessons.{name}")
    spec = getattr(module, "SPEC", None)
    if not isinstance(spec, LessonSpec):
        raise NetlearnError(f"netlearn.lessons.{name} declares no SPEC (a LessonSpec)")
    if package_name(spec.id) != name:
        raise NetlearnError(
            f"netlearn.lessons.{name}: SPEC.id is {spec.id!r}; a lesson's id names its package"
        )
    return spec


def manifest_ids(root: Path) -> list[str]:
    """The lesson ids `root/lessons.toml` lists, in order, read leniently: for ordering the
    registries, never for checking (that is `netlearn.content.manifest`). [] when unreadable."""
    import tomllib

    try:
        data = tomllib.loads((root / "lessons.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, ValueError):
        return []
    entries = data.get("lesson")
    out: list[str] = []
    for entry in entries if isinstance(entries, list) else []:
        lid = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(lid, str) and lid not in out:
            out.append(lid)
    return out


def lesson_specs() -> tuple[LessonSpec, ...]:
    """Every lesson's spec, in `lessons.toml` order, then lessons the manifest does not list.

    Imports each lesson package's `__init__` (cheap by rule), not its modules. Built once per
    lessons folder and package path.
    """
    import importlib

    from netlearn.paths import lessons_dir

    # By name, as every lesson is reached from the core: the core never imports the lessons.
    package = importlib.import_module("netlearn.lessons")
    root = lessons_dir()
    folders = [str(folder) for folder in package.__path__]
    key = (str(root), tuple(folders))
    cached = _cache.get(key)
    if cached is not None:
        return cached
    found = _packages(folders)
    order = [package_name(lid) for lid in manifest_ids(root)]
    ranked = [name for name in order if name in found]
    ranked += sorted(name for name in found if name not in ranked)
    specs = tuple(_load(name) for name in ranked)
    _cache[key] = specs
    return specs


_tables: dict[str, tuple[tuple[LessonSpec, ...], dict[str, Any]]] = {}


def _table(kind: str, build: Callable[[tuple[LessonSpec, ...]], dict[str, Any]]) -> dict[str, Any]:
    """One registry, built again only when the lessons found change."""
    specs = lesson_specs()
    hit = _tables.get(kind)
    if hit is not None and hit[0] is specs:
        return hit[1]
    table = build(specs)
    _tables[kind] = (specs, table)
    return table


def _scenes(specs: tuple[LessonSpec, ...]) -> dict[str, Any]:
    table: dict[str, SceneSpec] = {}
    for spec in specs:
        table.update(spec.full_scenes())
    return table


def _generators(specs: tuple[LessonSpec, ...]) -> dict[str, Any]:
    table: dict[str, GeneratorSpec] = {}
    owner: dict[str, str] = {}
    for spec in specs:
        for name, gen in spec.generators.items():
            if name in table:
                raise NetlearnError(
                    f"quiz generator {name!r} is declared by both {owner[name]!r} and {spec.id!r}"
                )
            table[name] = gen
            owner[name] = spec.id
    return table


def _commands(specs: tuple[LessonSpec, ...]) -> dict[str, Any]:
    return {spec.id: spec.command for spec in specs if spec.command is not None}


def scene_table() -> dict[str, SceneSpec]:
    """Every scene of every lesson, by full name (`tcp.handshake`)."""
    return _table("scenes", _scenes)


def generator_table() -> dict[str, GeneratorSpec]:
    """Every quiz generator of every lesson, by name; two lessons may not claim one name."""
    return _table("generators", _generators)


def command_table() -> dict[str, tuple[str, str]]:
    """Each lesson's command: name -> ("module:name" of it, its one-line help)."""
    return _table("commands", _commands)
