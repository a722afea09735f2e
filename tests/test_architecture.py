"""The house rules, checked: the import contracts (pyproject.toml, `[tool.importlinter]`), no
module over about 400 lines, and little learner-facing prose left in Python (tools/prose.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

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


MARKED = """
import pytest

@pytest.mark.tools("no-such-program-anywhere")
def test_needs_a_tool():
    pass

@pytest.mark.browser
@pytest.mark.tools("sh")
def test_needs_what_is_here():
    pass

def test_plain():
    pass
"""


def test_a_missing_tool_skips_with_a_reason_and_ci_fails_on_any_skip(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest((REPO / "tests" / "conftest.py").read_text(encoding="utf-8"))
    fork_server = (REPO / "tests" / "forkserver.py").read_text(encoding="utf-8")
    (pytester.path / "forkserver.py").write_text(fork_server, encoding="utf-8")
    pytester.makeini("[pytest]\nmarkers =\n    root\n    browser\n    tools\n")
    pytester.makepyfile(test_marked=MARKED)
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}:/usr/bin:/bin")
    monkeypatch.delenv("NETLEARN_CI", raising=False)
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2 if _browser() else 1, skipped=1 if _browser() else 2)
    result.stdout.fnmatch_lines(["*needs no-such-program-anywhere: not found*"])
    assert result.ret == 0
    monkeypatch.setenv("NETLEARN_CI", "1")
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(
        [
            "*NETLEARN_CI=1: * skipped, so the run fails*",
            "test_marked.py::test_needs_a_tool: needs no-such-program-anywhere: not found",
        ]
    )


def _browser() -> bool:
    import shutil

    return all(
        shutil.which(n) or Path(f"/usr/bin/{n}").exists() for n in ("chromium", "chromedriver")
    )
