"""Start-up benchmark: netlearn's commands against a baseline measured in the same run.

Prints median wall-clock times and their ratio; machines are noisy, so these are not tests.

    python bench/startup.py [--runs N]

Targets (from the foundation issue):
  netlearn --help             / python -c "import typer"              <= 1.25
  netlearn osi --format plain / python -c "import scapy.layers.inet"  <= 1.5
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "NETLEARN_HOME": tempfile.mkdtemp(prefix="netlearn-bench-")}
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
