"""Where the shipped content lives, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def _data_dir(name: str) -> Path:
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    # A source checkout or an editable install: the folder at the top of the repository.
    return _PKG.parent / name


def lessons_dir() -> Path:
    """The folder holding `lessons.toml` and one folder per lesson."""
    return _data_dir("lessons")


def assets_dir() -> Path:
    """The folder holding bundled captures, the browser pages and pictures."""
    return _data_dir("assets")
