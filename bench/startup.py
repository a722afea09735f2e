"""Start-up benchmark: netlearn's commands against a baseline measured in the same run.

Prints median wall-clock times and their ratio; machines are noisy, so these are not tests.

    python bench/startup.py [--runs N] [--idle SECONDS]

Targets (from the foundation issue, and the full-screen player's):
  netlearn --help             / python -c "import typer"              <= 1.25
  netlearn osi --format plain / python -c "import scapy.layers.inet"  <= 1.5
  netlearn learn osi, to the first frame on an 80x24 pseudo-terminal
                              / python -c "import textual.app"        <= 1.5
  idle CPU of `netlearn learn osi` waiting for a key (utime+stime from /proc) < 1 %
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

PY = sys.executable
# The console script a user types, when installed beside this Python; else `python -m netlearn`.
_SCRIPT = Path(PY).parent / "netlearn"
NETLEARN = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "netlearn"]


def median_time(cmd: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")
FIRST_FRAME = rb"step 1 of \d+"  # the lesson screen's header: the app has drawn


def _in_pty(cmd: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    """Start `cmd` on the slave side of an 80x24 pseudo-terminal; return it and the master."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**env, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        cmd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
    )
    os.close(slave)
    return proc, master


def _read_until(master: int, pattern: bytes, timeout: float = 30.0) -> None:
    buf = b""
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if select.select([master], [], [], 0.02)[0]:
            try:
                buf += os.read(master, 65536)
            except OSError:
                break
            if re.search(pattern, _ANSI.sub(b"", buf)):
                return
    raise RuntimeError(f"{pattern!r} never appeared")


def _drain(master: int, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        if select.select([master], [], [], 0.1)[0]:
            try:
                os.read(master, 65536)
            except OSError:
                return


def _stop(proc: subprocess.Popen[bytes], master: int) -> None:
    proc.kill()
    proc.wait()
    os.close(master)


def first_frame_time(cmd: list[str], env: dict[str, str]) -> float:
    """Seconds from starting `cmd` in a pty to the app's first drawn lesson header."""
    start = time.perf_counter()
    proc, master = _in_pty(cmd, env)
    try:
        _read_until(master, FIRST_FRAME)
        return time.perf_counter() - start
    finally:
        _stop(proc, master)


def idle_cpu(cmd: list[str], env: dict[str, str], seconds: float) -> float:
    """Percent of one CPU the app uses while it waits for a key (after 3 s to settle)."""
    proc, master = _in_pty(cmd, env)
    try:
        _read_until(master, FIRST_FRAME)
        _drain(master, 3.0)

        def ticks() -> int:
            with open(f"/proc/{proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return int(fields[11]) + int(fields[12])  # utime + stime

        before, t0 = ticks(), time.perf_counter()
        _drain(master, seconds)
        used = (ticks() - before) / os.sysconf("SC_CLK_TCK")
        return 100 * used / (time.perf_counter() - t0)
    finally:
        _stop(proc, master)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle to measure")
    args = parser.parse_args()
    env = {**os.environ, "NETLEARN_HOME": tempfile.mkdtemp(prefix="netlearn-bench-")}
    # Measure what a user runs: an installed netlearn has its bytecode cached, as the baselines'
    # site-packages do. With PYTHONDONTWRITEBYTECODE set (as in some CI shells) every run would
    # compile netlearn's modules from source; the warm-up runs below write the caches instead.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    pairs = [
        (
            "netlearn --help",
            [*NETLEARN, "--help"],
            'python -c "import typer"',
            [PY, "-c", "import typer"],
            1.25,
        ),
        (
            "netlearn osi --format plain",
            [*NETLEARN, "osi", "--format", "plain"],
            'python -c "import scapy.layers.inet"',
            [PY, "-c", "import scapy.layers.inet"],
            1.5,
        ),
    ]
    failed = False
    print(f"{'command':34} {'median':>9} {'baseline':>9} {'ratio':>6} {'target':>7}")
    for name, cmd, base_name, base, target in pairs:
        # warm the file cache, then interleave so both see the same machine state
        median_time(cmd, 1, env)
        median_time(base, 1, env)
        t_cmd, t_base = [], []
        for _ in range(args.runs):
            t_cmd.append(median_time(cmd, 1, env))
            t_base.append(median_time(base, 1, env))
        m_cmd, m_base = statistics.median(t_cmd), statistics.median(t_base)
        ratio = m_cmd / m_base
        ok = ratio <= target
        failed |= not ok
        print(
            f"{name:34} {m_cmd * 1000:7.1f}ms {m_base * 1000:7.1f}ms {ratio:6.2f} "
            f"{'<=' if ok else '> '}{target:4}  (baseline: {base_name})"
        )
    # The full-screen player: time to the first frame against importing Textual's app.
    learn = [*NETLEARN, "learn", "osi"]
    base = [PY, "-c", "import textual.app"]
    first_frame_time(learn, env)
    median_time(base, 1, env)
    t_cmd, t_base = [], []
    for _ in range(args.runs):
        t_cmd.append(first_frame_time(learn, env))
        t_base.append(median_time(base, 1, env))
    m_cmd, m_base = statistics.median(t_cmd), statistics.median(t_base)
    ratio = m_cmd / m_base
    ok = ratio <= 1.5
    failed |= not ok
    print(
        f"{'netlearn learn osi (first frame)':34} {m_cmd * 1000:7.1f}ms {m_base * 1000:7.1f}ms "
        f'{ratio:6.2f} {"<=" if ok else "> "}{1.5:4}  (baseline: python -c "import textual.app")'
    )
    cpu = idle_cpu(learn, env, args.idle)
    ok = cpu < 1.0
    failed |= not ok
    print(
        f"{'netlearn learn osi, idle CPU':34} {cpu:8.2f}% over {args.idle:g} s waiting for a key "
        f"({'<' if ok else '>='} 1 %)"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
