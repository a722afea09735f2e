"""The lessons' code: one package per lesson, `netlearn.lessons.<id>`, named by the id of its
folder under `lessons/`.

Each lesson package declares what it offers in its `__init__.py` as `SPEC` (a
`netlearn.lessonspec.LessonSpec`: its command, scenes and quiz generators, as strings); the
registries are built from every package found here, in `lessons.toml` order. Nothing else names a
lesson: adding one means a folder under `lessons/` (words) and a package here (code).

Lesson code kept elsewhere (a lesson being written, or a test's example lesson): set
`NETLEARN_LESSON_CODE` to one or more folders (separated like PATH, `os.pathsep`), each holding
lesson packages (`<folder>/<id>/__init__.py`, ...). They are added to this package's `__path__`
when it is first imported, after the shipped folder, so `netlearn.lessons.<id>` imports them and a
shipped lesson keeps its name. Code that is already running can extend `__path__` itself.
"""

from __future__ import annotations

import os

CODE_ENV = "NETLEARN_LESSON_CODE"


def _extra_folders() -> list[str]:
    """The folders `NETLEARN_LESSON_CODE` names, absolute."""
    raw = os.environ.get(CODE_ENV, "")
    return [os.path.abspath(os.path.expanduser(f)) for f in raw.split(os.pathsep) if f.strip()]


__path__.extend(f for f in _extra_folders() if f not in __path__)
