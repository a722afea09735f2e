"""The scene registry: names a lesson can embed, mapped to the producers that make their events.

A scene is a function `(env, **args) -> Iterator[Event]`. Each lesson package declares its scenes
in its spec (`netlearn.lessonspec`, `SPEC.scenes`), as "module:function" strings, so that the
content checker can validate a lesson without importing scapy or any lesson module. `SCENES` is
built from those specs, in `lessons.toml` order, under full names (`tcp.handshake`). Each
argument a scene takes is an `Arg` that says which values it accepts (a list of choices, or a
test and the values in words), so `netlearn check` can reject `order=sideways` with the file and
line, and `play` refuses it before the producer runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.lessonspec import Arg, SceneSpec, number, scene_table

if TYPE_CHECKING:
    from netlearn.events import Event

__all__ = ["Arg", "SceneSpec", "number", "play", "resolve"]


def __getattr__(name: str) -> Any:
    """`SCENES`: every lesson's scenes by full name, built from the lesson specs when asked."""
    if name == "SCENES":
        return scene_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resolve(name: str) -> Callable[..., Iterator[Event]]:
    """The producer function for a scene name."""
    spec = scene_table().get(name)
    if spec is None:
        raise NetlearnError(f"unknown scene {name!r}")
    module, func = spec.target.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def play(name: str, env: Env, args: dict[str, str] | None = None) -> Iterator[Event]:
    """Run a scene by name with the arguments a lesson gave it (refused first if not accepted)."""
    spec = scene_table().get(name)
    if spec is None:
        raise NetlearnError(f"unknown scene {name!r}")
    problems = spec.problems(name, args or {})
    if problems:
        raise NetlearnError(problems[0])
    return resolve(name)(env, **(args or {}))
