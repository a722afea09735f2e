"""Shared by the lab tests: run a lab check on a variant and normalise what varies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
SEED = 7
SCALE = "0.3"  # every wait 0.3 times the learner's: broken variants fail fast

_NORMALISE = (
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:PORT"),
    (re.compile(r"NETLEARN_PORT=\d+"), "NETLEARN_PORT=PORT"),
    (re.compile(r"port \d+, not"), "port OTHER, not"),
    (re.compile(r"\d+\.\d+ s\b"), "T s"),
    # how much of a big payload was on its way when a wrong byte came back depends on timing
    (re.compile(r"sent \d{5,} bytes"), "sent N bytes"),
    (re.compile(r"\(\d{5,} bytes in all\)"), "(N bytes in all)"),
)


def normalise(text: str) -> str:
    text = text.replace(sys.executable, "python3").replace(str(ROOT), "tests/labs")
    for pattern, repl in _NORMALISE:
        text = pattern.sub(repl, text)
    return text


def run_check(lab: str, program: list[str], *extra: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NETLEARN_LAB_TIME_SCALE": SCALE, "NETLEARN_HOME": str(home)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "netlearn",
            "lab",
            "check",
            lab,
            "--seed",
            str(SEED),
            *extra,
            "--",
            *program,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def compare(lab: str, variant: str, output: str) -> None:
    path = ROOT / lab / "golden" / f"{variant}.txt"
    text = normalise(output)
    if os.environ.get("NETLEARN_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{path} differs (NETLEARN_UPDATE_GOLDEN=1 rewrites it)"
