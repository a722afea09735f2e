"""`netlearn lab`: exit codes, --format json, --gradescope, progress, Ctrl-C, start."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from forkserver import run_netlearn

HERE = Path(__file__).parent / "labs" / "tcp-echo"


def _run(home: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NETLEARN_HOME": str(home), "NETLEARN_LAB_TIME_SCALE": "0.3"}
    return run_netlearn(["lab", *args], env=env, cwd=cwd, timeout=60)


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    missing = _run(tmp_path, "check", "tcp-echo")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1
    unknown = _run(tmp_path, "check", "nope", "--", "true")
    assert unknown.returncode == 1 and "no lab 'nope'" in unknown.stderr
    absent = _run(tmp_path, "check", "tcp-echo", "--", "/no/such/program")
    assert absent.returncode == 1 and "program not found" in absent.stderr


def test_json_gradescope_and_best_result(tmp_path: Path) -> None:
    grades = tmp_path / "results.json"
    bad = _run(
        tmp_path,
        "check",
        "tcp-echo",
        "--seed",
        "3",
        "--format",
        "json",
        "--",
        sys.executable,
        str(HERE / "broken_sequential.py"),
    )
    assert bad.returncode == 1
    data = json.loads(bad.stdout)
    assert data["lab"] == "tcp-echo" and data["seed"] == 3 and data["passed"] is False
    assert [s["status"] for s in data["stages"]] == ["passed", "failed"] + ["skipped"] * 3
    assert bytes.fromhex(data["stages"][0]["bytes"]["received"]).endswith(b"\n")
    assert data["stages"][1]["rfc"] == "RFC 862"
    good = _run(
        tmp_path,
        "check",
        "tcp-echo",
        "--gradescope",
        str(grades),
        "--",
        sys.executable,
        str(HERE / "ref.py"),
    )
    assert good.returncode == 0
    results = json.loads(grades.read_text())
    assert results["score"] == results["max_score"] == 5
    assert all(t["status"] == "passed" and t["max_score"] == 1 for t in results["tests"])
    assert grades.stat().st_mode & 0o777 == 0o600
    # best is best: record a pass by a learner's check, then a worse run does not lower it
    _run(tmp_path, "check", "tcp-echo", "--", sys.executable, str(HERE / "ref.py"))
    _run(tmp_path, "check", "tcp-echo", "--", sys.executable, str(HERE / "broken_sequential.py"))
    listing = _run(tmp_path)
    assert "done (5/5 stages)" in listing.stdout


def test_gradescope_never_follows_a_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("keep")
    (tmp_path / "link.json").symlink_to(target)
    result = _run(
        tmp_path,
        "check",
        "tcp-echo",
        "--gradescope",
        str(tmp_path / "link.json"),
        "--",
        sys.executable,
        str(HERE / "ref.py"),
    )
    assert result.returncode == 1 and "symbolic link" in result.stderr
    assert target.read_text() == "keep"


def test_ctrl_c_stops_the_program_and_frees_the_port(tmp_path: Path) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(tmp_path)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "netlearn",
            "lab",
            "check",
            "tcp-echo",
            "--",
            sys.executable,
            str(HERE / "broken_never_close.py"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    port = None
    seen_three = False
    for line in proc.stdout:  # wait until the program listens, then until stage 4 runs
        seen_three = seen_three or line.startswith("[3/5]")
        if "listens on 127.0.0.1:" in line:
            port = int(line.rsplit(":", 1)[1])
        if line.startswith("  PASS") and seen_three:
            break
    assert port is not None
    pids = subprocess.run(
        ["pgrep", "-f", "broken_never_close.py"], capture_output=True, text=True
    ).stdout.split()
    assert pids
    start = time.monotonic()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=5) == 130
    assert time.monotonic() - start < 0.5
    for pid in pids:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0


def test_start_writes_the_starter_and_refuses_to_overwrite(tmp_path: Path) -> None:
    first = _run(tmp_path, "start", "tcp-echo", cwd=tmp_path)
    assert first.returncode == 0 and (tmp_path / "tcp_echo.py").is_file()
    again = _run(tmp_path, "start", "tcp-echo", cwd=tmp_path)
    assert again.returncode == 1 and "--force" in again.stderr
    (tmp_path / "tcp_echo.js").symlink_to(tmp_path / "elsewhere")
    link = _run(tmp_path, "start", "tcp-echo", "--lang", "js", "--force", cwd=tmp_path)
    assert link.returncode == 1 and not (tmp_path / "elsewhere").exists()
    assert _run(tmp_path, "start", "tcp-echo", "--force", cwd=tmp_path).returncode == 0
