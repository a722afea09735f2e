"""The tree stays tidy: ruff's lint and format checks pass on the code, and the wheel ships the
content so that a plain (non-editable) install finds it from any directory. No network: the wheel
is built with the venv's own hatchling (`--no-build-isolation`), not one fetched for the build."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CODE = ["netlearn", "tests", "bench"]


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["lint", "format"])
def test_ruff(args: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", *args, *CODE], cwd=REPO, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_wheel_ships_lessons_and_assets(tmp_path: Path) -> None:
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["-q", "-w", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    [wheel] = tmp_path.glob("netlearn-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "netlearn/_data/lessons/lessons.toml" in names
    assert "netlearn/_data/lessons/osi/lesson.md" in names
    assert any(n.startswith("netlearn/_data/assets/") for n in names)
    # Installed into a folder of its own and run from elsewhere, it finds its shipped content.
    site = tmp_path / "site"
    installed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            "--target",
            str(site),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = "from netlearn.paths import lessons_dir; print(lessons_dir())"
    probe = subprocess.run(
        [sys.executable, "-c", code],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == site / "netlearn" / "_data" / "lessons"
    check = subprocess.run(
        [sys.executable, "-m", "netlearn", "check"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "NETLEARN_HOME": str(tmp_path)},
    )
    shipped = site / "netlearn" / "_data" / "lessons"
    assert check.stdout.splitlines() == [
        f"checking {shipped} (the lessons shipped with netlearn; no ./lessons/lessons.toml here)",
        "content OK",
    ], check.stdout + check.stderr
