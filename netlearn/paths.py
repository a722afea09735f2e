"""Where the shipped content lives, installed or in a source checkout.

`NETLEARN_LESSONS=/path/to/lessons` points every command (`learn`, `lessons`, `quiz`, `review`,
`check`, the home screen) at another lessons folder: a teacher's working copy, or a test's broken
copy. The folder holds `lessons.toml` and one folder per lesson, like the shipped one.
"""

from __future__ import annotations

import os
from pathlib import Path

_PKG = Path(__file__).resolve().parent

LESSONS_ENV = "NETLEARN_LESSONS"


def _data_dir(name: str) -> Path:
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    # A source checkout or an editable install: the folder at the top of the repository.
    return _PKG.parent / name


def lessons_dir() -> Path:
    """The folder holding `lessons.toml` and one folder per lesson (`NETLEARN_LESSONS` if set)."""
    override = os.environ.get(LESSONS_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return _data_dir("lessons")


def shipped_lessons_dir() -> Path:
    """The lessons netlearn ships with, whatever `NETLEARN_LESSONS` says."""
    return _data_dir("lessons")


def assets_dir() -> Path:
    """The folder holding bundled captures, the browser pages and pictures."""
    return _data_dir("assets")
