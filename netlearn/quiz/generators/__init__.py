"""The registry of question generators: name -> where it lives, what it needs.

Each lesson package declares its generators in its spec (`netlearn.lessonspec`,
`SPEC.generators`); `GENERATORS` is built from those specs. Like `netlearn.scenes`, targets are
"module:function" strings so that the content checker can validate a bank without importing
scapy. A generator is `def g(rng: random.Random, question: Question) -> Asked` and builds its
question from real packets; `common` holds the helpers generators share (the quiz engine's).
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable
from typing import Any

from netlearn.lessonspec import GeneratorSpec, generator_table
from netlearn.quiz.model import Asked, Question

__all__ = ["GeneratorSpec", "generate", "resolve"]


def __getattr__(name: str) -> Any:
    """`GENERATORS`: every lesson's generators by name, built from the lesson specs when asked."""
    if name == "GENERATORS":
        return generator_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def resolve(name: str) -> Callable[[random.Random, Question], Asked]:
    """The generator function for a name (imports its module now)."""
    spec = generator_table()[name]
    module, func = spec.target.split(":")
    return getattr(importlib.import_module(module), func)  # type: ignore[no-any-return]


def generate(question: Question, rng: random.Random) -> Asked:
    """A fresh concrete question for a generated or capture bank entry."""
    return resolve(question.generator)(rng, question)
