"""The fork server (tests/forkserver.py) gives what a plain `python -m netlearn` subprocess gives.

Its oracle is a plain subprocess: the same arguments, input, environment and working folder
must give the same exit status, standard output and standard error, byte for byte.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from forkserver import ForkServer

REPO = Path(__file__).resolve().parent.parent


def plain(
    args: list[str | bytes], env: dict[str, str], cwd: Path, input: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "netlearn", *args],
        input=input,
        capture_output=True,
        env=env,
        cwd=cwd,
        timeout=60,
    )


def forked(
    server: ForkServer, args: list[str | bytes], env: dict[str, str], cwd: Path, input: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    return server.run(args, input=input, env=env, cwd=str(cwd), timeout=60, text=False)


CASES = [
    pytest.param(["--version"], b"", id="version"),
    pytest.param(["lessons", "--format", "plain"], b"", id="lessons"),
    pytest.param(["lern", "osi"], b"", id="usage-error-exit-2"),
    pytest.param(["learn", "tpc"], b"", id="netlearn-error-exit-1"),
    pytest.param(["quiz", "osi", "-n", "2", "--seed", "3"], b"1\n2\n", id="answers-on-stdin"),
    pytest.param(["socketio", "decode", "--", b'42["\xff"]'], b"", id="argv-bytes"),
    pytest.param(["osi", "--format", "json"], b"", id="json"),
]


@pytest.mark.parametrize(("args", "stdin"), CASES)
def test_a_fork_answers_as_a_plain_subprocess(
    args: list[str | bytes], stdin: bytes, netlearn_home: Path, fork_server: ForkServer
) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(netlearn_home), "COLUMNS": "80"}
    env.pop("NO_COLOR", None)
    want = plain(args, env, REPO, stdin)
    got = forked(fork_server, args, env, REPO, stdin)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


def test_the_environment_and_folder_are_the_runs_own(
    tmp_path: Path, netlearn_home: Path, fork_server: ForkServer
) -> None:
    """`check` reads NETLEARN_LESSONS and the working folder; a run before must leave nothing."""
    env = {**os.environ, "NETLEARN_HOME": str(netlearn_home)}
    forked(fork_server, ["check"], env, REPO)  # the shipped lessons, from the checkout
    mine = {**env, "NETLEARN_LESSONS": str(tmp_path / "none")}
    want = plain(["check"], mine, tmp_path)
    got = forked(fork_server, ["check"], mine, tmp_path)
    assert want.returncode == 1 and str(tmp_path / "none") in want.stdout.decode()
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


def test_other_start_up_settings_get_their_own_server(
    netlearn_home: Path, fork_server: ForkServer
) -> None:
    """An ASCII locale is fixed when Python starts: the run forks from a server started so."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    env.pop("LANG", None)
    env.update(
        LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0", NETLEARN_HOME=str(netlearn_home)
    )
    args: list[str | bytes] = ["tcp", "handshake", "--seed", "1", "--format", "plain"]
    want = plain(args, env, REPO)
    got = forked(fork_server, args, env, REPO)
    assert want.returncode == 0 and want.stdout.isascii() and b"->" in want.stdout
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)


def test_an_address_space_cap_holds_in_the_child(
    netlearn_home: Path, fork_server: ForkServer
) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(netlearn_home)}
    big = '42["' + "a" * 4_000_000 + '"]'
    capped = fork_server.run(
        ["socketio", "decode", "--", big],
        input="",
        env=env,
        cwd=str(REPO),
        timeout=60,
        address_space=1 << 20,
    )
    assert capped.returncode != 0 and "MemoryError" in capped.stderr
    roomy = fork_server.run(
        ["socketio", "decode", "--", '42["a"]'], input="", env=env, cwd=str(REPO), timeout=60
    )
    assert roomy.returncode == 0, roomy.stderr
