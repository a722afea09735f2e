"""The house rules, checked: the import contracts (pyproject.toml, `[tool.importlinter]`), no
module over about 400 lines, and little learner-facing prose left in Python (tools/prose.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MAX_LINES = 400
MAX_PROSE = 5000


def test_the_import_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    assert lint.exists(), f"{lint} is missing: pip install -e '.[test]' (import-linter)"
    result = subprocess.run(
        [str(lint), "--no-cache"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_module_is_over_400_lines() -> None:
    long = []
    for path in sorted((REPO / "netlearn").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert not long, "split these into modules of one idea each:\n" + "\n".join(long)


def test_little_prose_is_left_in_python() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "prose.py"), "--limit", str(MAX_PROSE)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
