"""`netlearn capture` without capturing: --read, --stream, --osi, --replay, bad options, and
the whole command as a user without the privilege to capture (a real unprivileged process).
"""

from __future__ import annotations

import json
import os
import pty
import select
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from netlearn.lessons.capture.demo import BUNDLED
from netlearn.paths import assets_dir

REPO = Path(__file__).resolve().parent.parent
BUNDLE = assets_dir() / "pcaps" / BUNDLED


def test_read_lists_the_bundled_connection(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("capture", "--read", str(BUNDLE))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    flat = " ".join(result.stdout.split())
    assert "10 packets (10 TCP, Ethernet) over" in flat and "1 TCP connection" in flat
    # At 80 columns a connection takes two lines: who, then how it went.
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("1 "))
    row = lines[at] + lines[at + 1]
    assert "127.0.0.1:" in lines[at] and max(len(x) for x in lines) <= 80
    assert "complete, iRTT" in row and "14/14 B" in row and "FIN, client first" in row


def test_read_json_has_one_event_per_connection(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("capture", "--read", str(BUNDLE), "--format", "json")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert [e["type"] for e in events] == ["capture-summary", "connection", "note"]
    conn = events[1]
    assert conn["opened_by"] == "client" and conn["handshake"] == "complete"
    assert 0 < conn["irtt"] < 0.01 and conn["packets"] == 10


def test_stream_shows_the_ladder_and_osi_opens_a_packet(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("capture", "--read", str(BUNDLE), "--stream", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    segs = [e for e in events if e["type"] == "segment"]
    assert [s["flags"] for s in segs[:3]] == ["S", "SA", "A"] and len(segs) == 10
    assert any(e["type"] == "table" and "options" in e["title"] for e in events)
    result = run_cli("capture", "--read", str(BUNDLE), "--osi", "4")
    assert result.returncode == 0, result.stderr
    assert "Layer 4 Transport: TCP" in result.stdout and "hello, server" in result.stdout


def test_replay_needs_no_capture(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("capture", "--replay")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "replayed from a capture" in out and "TIME-WAIT" in out
    assert "as recorded right after the close" in " ".join(out.split())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--count", "3"], "--count and --duration go with --port N"),
        (["--stream", "1"], "--stream N goes with --read FILE"),
        (["--write", "x.txt"], "name it *.pcap"),
        (["--read", "nowhere.pcap"], "no capture file 'nowhere.pcap'"),
        (["--read", "x.pcap", "--replay"], "not both"),
        (["--port", "80", "--osi", "2"], "--osi N opens a packet"),
        (["--replay", "--osi", "99"], "has 10 packets, not 99"),
        (["--read", str(BUNDLE), "--stream", "2"], "no TCP connection number 2"),
    ],
)
def test_bad_options_are_one_clear_line(run_cli, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("capture", *args)
    assert result.returncode == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


# ---------------------------------------------------------------------- no privilege to capture

Unprivileged = tuple[list[str], dict[str, str]]


@pytest.fixture(scope="module")
def unprivileged() -> Iterator[Unprivileged]:
    """A command prefix running netlearn without CAP_NET_RAW, and its environment.

    As the user `nobody` (setpriv) when this interpreter and checkout are readable to it;
    otherwise as root with CAP_NET_RAW removed from the capability bounding set. Either way the
    kernel refuses the packet socket exactly as it would for a learner.
    """
    if os.geteuid() != 0:  # already unprivileged
        yield [sys.executable, "-m", "netlearn"], {**os.environ, "NETLEARN_NETNS_FAIL": "EPERM"}
        return
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed"
    home = tempfile.mkdtemp(prefix="netlearn-nobody-")
    os.chmod(home, 0o777)
    # These tests are about the refusal and its fallback: make the private network namespace
    # (which would let nobody capture, tests/test_netns_capture.py) unavailable.
    env = {
        **os.environ,
        "NETLEARN_HOME": home,
        "COLUMNS": "80",
        "HOME": home,
        "NETLEARN_NETNS_FAIL": "EPERM",
    }
    site = next(p for p in sys.path if p.endswith("site-packages"))
    boot = (
        f"import site, sys; site.addsitedir({site!r}); sys.path.insert(0, {str(REPO)!r}); "
        "from netlearn.cli import main; sys.argv[0] = 'netlearn'; main()"
    )
    as_nobody = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    candidates = [
        [*as_nobody, sys.executable, "-c", boot],
        [*as_nobody, f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}", "-c",
         boot],
    ]  # fmt: skip
    chosen = None
    for cmd in candidates:
        probe = subprocess.run([*cmd, "--version"], capture_output=True, text=True, env=env)
        if probe.returncode == 0 and "netlearn" in probe.stdout:
            chosen = cmd
            break
    if chosen is None:
        chosen = [setpriv, "--bounding-set=-net_raw", sys.executable, "-m", "netlearn"]
    yield chosen, env
    shutil.rmtree(home, ignore_errors=True)


def run_as(who: Unprivileged, *args: str) -> subprocess.CompletedProcess[str]:
    prefix, env = who
    return subprocess.run(
        [*prefix, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd="/",
        stdin=subprocess.DEVNULL,
    )


def test_without_privilege_one_clear_message_and_the_offer(unprivileged) -> None:  # type: ignore[no-untyped-def]
    for args in (["capture"], ["capture", "--port", "8080"]):
        result = run_as(unprivileged, *args)
        assert result.returncode == 1, result.stdout + result.stderr
        err = result.stderr
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert "CAP_NET_RAW" in err and "sudo" in err and "netlearn capture --replay" in err
        assert result.stdout == ""


def test_without_privilege_read_and_replay_work(unprivileged) -> None:  # type: ignore[no-untyped-def]
    result = run_as(unprivileged, "capture", "--replay", "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert "TIME-WAIT" in result.stdout
    result = run_as(unprivileged, "capture", "--read", str(BUNDLE))
    assert result.returncode == 0, result.stderr
    assert "FIN, client first" in result.stdout


def test_without_privilege_on_a_terminal_the_replay_is_offered(unprivileged) -> None:  # type: ignore[no-untyped-def]
    prefix, env = unprivileged
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*prefix, "capture", "--speed", "50"],
        stdin=slave, stdout=slave, stderr=slave, env={**env, "TERM": "xterm"}, cwd="/",
        close_fds=True,
    )  # fmt: skip
    os.close(slave)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal seen
        deadline = time.monotonic() + timeout
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        assert marker in seen, seen.decode(errors="replace")[-2000:]

    try:
        read_until(b"[Y/n]")
        assert b"CAP_NET_RAW" in seen and b"Traceback" not in seen
        os.write(master, b"\n")
        read_until(b"TIME-WAIT")
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert proc.returncode == 0
