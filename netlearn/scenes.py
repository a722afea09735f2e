"""The scene registry: names a lesson can embed, mapped to the producers that make their events.

A scene is a function `(env, **args) -> Iterator[Event]`. Names map to "module:function" strings so
that the content checker can validate a lesson without importing scapy or any lesson module.
Later lessons add their scenes to `SCENES` here (one line each).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event


@dataclass(frozen=True)
class SceneSpec:
    target: str
    args: tuple[str, ...] = ()
    about: str = ""


SCENES: dict[str, SceneSpec] = {
    "osi.layers": SceneSpec(
        "netlearn.osi.scenes:layers", ("order",), "the seven layers as a table"
    ),
    "osi.layer": SceneSpec("netlearn.osi.scenes:one_layer", ("n",), "one layer in detail"),
    "osi.tcpip": SceneSpec("netlearn.osi.scenes:tcpip", (), "OSI beside the TCP/IP model"),
    "osi.encapsulate": SceneSpec(
        "netlearn.osi.scenes:encapsulate", ("packet",), "wrap a packet layer by layer"
    ),
    "osi.unwrap": SceneSpec("netlearn.osi.scenes:unwrap", ("packet",), "unwrap it at the receiver"),
    "osi.inspect": SceneSpec("netlearn.osi.scenes:inspect", ("packet",), "the layer inspector"),
}


def resolve(name: str) -> Callable[..., Iterator[Event]]:
    """The producer function for a scene name."""
    spec = SCENES.get(name)
    if spec is None:
        raise NetlearnError(f"unknown scene {name!r}")
    module, func = spec.target.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def play(name: str, env: Env, args: dict[str, str] | None = None) -> Iterator[Event]:
    """Run a scene by name with the arguments a lesson gave it."""
    return resolve(name)(env, **(args or {}))
