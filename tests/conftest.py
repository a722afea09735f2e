"""Shared fixtures: an isolated NETLEARN_HOME, environments on a string buffer, the CLI in a
subprocess, and headless Chromium for the browser pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path

import pytest

from netlearn.env import Env

REPO = Path(__file__).resolve().parent.parent


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


@pytest.fixture
def run_cli(netlearn_home: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run `python -m netlearn ARGS` as a user would (stdout a pipe, not a terminal)."""

    def run(
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {**os.environ, "NETLEARN_HOME": str(netlearn_home), "COLUMNS": "80"}
        full_env.pop("NO_COLOR", None)
        full_env.update(env or {})
        return subprocess.run(
            [sys.executable, "-m", "netlearn", *args],
            input=input if input is not None else "",
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            cwd=REPO,
        )

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
