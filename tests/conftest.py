"""Shared fixtures: an isolated NETLEARN_HOME, environments on a string buffer, the CLI in a
subprocess, and headless Chromium for the browser pages.

Markers (registered in pyproject.toml): a test marked `root`, `browser` or `tools("tshark", ...)`
is skipped, with the reason, where that is missing (not root; no Chromium; a program not found),
so the suite runs on a laptop. With NETLEARN_CI=1 (`.ci/run`) any skipped test fails the run,
listed at the end: CI has everything, so a skip there is a test that did not run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest
from forkserver import ForkServer, run_netlearn, shared

from netlearn.env import Env

REPO = Path(__file__).resolve().parent.parent
CI = "NETLEARN_CI"

pytest_plugins = ["pytester"]


def find_program(name: str) -> str | None:
    """A program a `tools` test needs, on PATH (`wstest`, Autobahn's, also by NETLEARN_WSTEST)."""
    if name == "wstest" and os.environ.get("NETLEARN_WSTEST"):
        return os.environ["NETLEARN_WSTEST"]
    return shutil.which(name)


def missing(item: pytest.Item) -> str | None:
    """Why a marked test cannot run here, or None."""
    if item.get_closest_marker("root") is not None and os.geteuid() != 0:
        return "needs root (sudo, or CI)"
    if item.get_closest_marker("browser") is not None:
        for name in ("chromium", "chromedriver"):  # where the chromium fixture looks
            if find_program(name) is None and not os.access(f"/usr/bin/{name}", os.X_OK):
                return (
                    f"needs a browser: {name} not found (apt-get install chromium chromium-driver)"
                )
    for marker in item.iter_markers("tools"):
        for name in marker.args:
            if find_program(name) is None:
                return f"needs {name}: not found"
    return None


# Files whose tests wait longest (live demos, lab graders, many subprocesses): run first, so that
# pytest-xdist's workers do not end the run waiting on one of them alone.
SLOW_FIRST = (
    "test_locale.py",
    "test_step_heights.py",
    "test_lab_socketio_client.py",
    "test_lab_websocket_client.py",
    "test_sio_demo.py",
    "test_sio_serve_load.py",
    "test_lab_tcp_echo.py",
    "test_app_wiring.py",
    "test_content_broken.py",
    "test_ws_autobahn.py",
)


def pytest_sessionstart(session: pytest.Session) -> None:
    """Compile netlearn's bytecode once, in the controller: the suite starts hundreds of
    `netlearn` subprocesses, and where PYTHONDONTWRITEBYTECODE is set (some CI hosts) each of
    them would otherwise compile the sources again (a fresh clone has no bytecode)."""
    if hasattr(session.config, "workerinput"):  # a pytest-xdist worker: the controller did it
        return
    import compileall

    compileall.compile_dir(str(REPO / "netlearn"), quiet=2)
    if sys.dont_write_bytecode:
        import threading

        threading.Thread(target=_rewrite_tests_ahead, args=(session.config,), daemon=True).start()


def _rewrite_tests_ahead(config: pytest.Config) -> None:
    """Where PYTHONDONTWRITEBYTECODE is set, pytest still reads its cache of assert-rewritten
    test modules but never writes it, so each xdist worker would rewrite all 120 files again
    (half of its collection time). The controller writes that cache once, while the workers
    start (in collection order: they read what is ready and rewrite what is not). pytest's
    own functions, private: should they change, this does nothing and costs only time."""
    import contextlib

    with contextlib.suppress(Exception):
        from _pytest.assertion import rewrite

        state = config.stash[rewrite.assertstate_key]
        for fn in sorted((REPO / "tests").glob("*.py")):
            if not (fn.name.startswith("test_") or fn.name == "conftest.py"):
                continue
            cache = rewrite.get_cache_dir(fn)
            pyc = cache / (fn.name[:-3] + rewrite.PYC_TAIL)
            if rewrite._read_pyc(fn, pyc) is None and rewrite.try_makedirs(cache):
                source_stat, code = rewrite._rewrite_test(fn, config)
                rewrite._write_pyc(state, code, source_stat, pyc)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes the `chromium` fixture needs a browser, marked or not; the slow files
    go first (a stable sort: the order within them is kept)."""
    for item in items:
        if "chromium" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    why = missing(item)
    if why is not None:
        pytest.skip(why)


_skipped: list[str] = []


def _note_skip(report: pytest.CollectReport | pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        _skipped.append(f"{report.nodeid}: {reason.removeprefix('Skipped: ')}")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _note_skip(report)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _note_skip(report)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get(CI) and _skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:  # type: ignore[no-untyped-def]
    if os.environ.get(CI) and _skipped:
        terminalreporter.write_sep(
            "=", f"{CI}=1: {len(_skipped)} skipped, so the run fails", red=True
        )
        for line in _skipped:
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def netlearn_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own progress store."""
    home = tmp_path / "netlearn-home"
    monkeypatch.setenv("NETLEARN_HOME", str(home))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return home


@pytest.fixture
def make_env(netlearn_home: Path) -> Callable[..., tuple[Env, StringIO]]:
    """`make_env("plain")` -> (env, buffer): an environment whose output lands in `buffer`."""

    def factory(fmt: str = "plain", width: int = 80, seed: int | None = 1, **kw: object):
        buf = StringIO()
        env = Env.build(
            fmt,
            stdout=buf,
            stderr=StringIO(),
            stdin=StringIO(),
            width=width,
            seed=seed,
            data_dir=netlearn_home,
            animate=False,
            **kw,  # type: ignore[arg-type]
        )
        return env, buf

    return factory


@pytest.fixture(scope="session")
def fork_server() -> Iterator[ForkServer]:
    """One pre-started `python -m netlearn` per worker (tests/forkserver.py says why and how)."""
    yield shared()


@pytest.fixture
def run_cli(netlearn_home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m netlearn ARGS` as a user would (stdout a pipe, not a terminal), in a
    process of its own forked from a fork server (tests/forkserver.py)."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NETLEARN_HOME": str(netlearn_home), "COLUMNS": "80"}
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        return run_netlearn(list(args), input=input or "", env=full_env, cwd=REPO, timeout=timeout)

    return run


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[object]:
    """Headless Debian Chromium driven by Selenium through /usr/bin/chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(binary).exists() and Path(driver_path).exists()):
        pytest.fail(
            "chromium and chromedriver are needed: apt-get install chromium chromium-driver"
        )
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
