"""A non-UTF-8 locale (ISO-8859-1, or plain ASCII): every lesson and demo runs, JSON stays valid.

Before the fix `netlearn learn tcp | cat` under `LC_ALL=en_US.ISO-8859-1` died with a
UnicodeEncodeError traceback on the first arrow. Each command here runs in a subprocess, as a
learner would run it, with the locale set and nothing forcing UTF-8.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.env import _json_fallback, make_safe

REPO = Path(__file__).resolve().parent.parent
LESSONS = ("osi", "tcp", "capture", "websocket", "socketio")


def _latin1_locale() -> str | None:
    """An installed ISO-8859-1 locale's name, generating en_US's with localedef when we can."""

    def installed() -> str | None:
        try:
            names = subprocess.run(
                ["locale", "-a"], capture_output=True, text=True, timeout=10
            ).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            return None
        for name in names:
            if name.lower().replace("-", "").endswith(".iso88591"):
                return name
        return None

    found = installed()
    if found is None and os.geteuid() == 0 and shutil.which("localedef"):
        subprocess.run(
            ["localedef", "-i", "en_US", "-f", "ISO-8859-1", "en_US.ISO-8859-1"],
            capture_output=True,
            timeout=60,
        )
        found = installed()
    return found


def _locale_env(home: Path, lc_all: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "PYTHONIO"))}
    env.pop("LANG", None)
    env.pop("NO_COLOR", None)
    env.update(
        LC_ALL=lc_all,
        PYTHONUTF8="0",
        NETLEARN_HOME=str(home),
        COLUMNS="80",
        PYTHONCOERCECLOCALE="0",
    )
    return env


def _encoding(env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; print(sys.stdout.encoding)"],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
        check=True,
    )
    return out.stdout.strip()


@pytest.fixture(scope="module")
def latin1() -> str:
    name = _latin1_locale()
    return name if name is not None else "C"


def _run_all(
    commands: list[list[str]], env: dict[str, str], workers: int = 4
) -> list[tuple[list[str], int, bytes, str]]:
    """Run the commands a few at a time (the live demos spend most of their time waiting), each
    in a process forked from a server that started under this locale (tests/forkserver.py)."""

    def run(cmd: list[str]) -> tuple[list[str], int, bytes, str]:
        proc = run_netlearn(cmd, input=b"", env=env, cwd=REPO, timeout=120, text=False)
        return cmd, proc.returncode, proc.stdout, proc.stderr.decode("latin-1")

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(run, commands))


def test_every_lesson_and_demo_runs_under_a_latin1_locale(latin1: str, tmp_path: Path) -> None:
    env = _locale_env(tmp_path / "home", latin1)
    encoding = _encoding(env)
    assert not encoding.lower().replace("-", "").startswith("utf"), encoding
    commands = [
        # Live scenes at 8x: the same words, heartbeats and quiet windows eight times shorter.
        ["learn", lesson, "--format", fmt, "--speed", "8"]
        for lesson in LESSONS
        for fmt in ("plain", "json")
    ]
    commands += [
        ["websocket", "--format", "json", "--speed", "8"],
        ["socketio", "--format", "json", "--speed", "8"],
        ["websocket", "frame", "81", "05", "48", "65", "6c", "6c", "6f", "--format", "json"],
        ["socketio", "decode", '42["chat","hello"]', "--format", "json"],
        ["osi", "--format", "rich"],
        ["tcp", "handshake", "--format", "plain"],
    ]
    failures = []
    escaped = 0
    for cmd, rc, out, err in _run_all(commands, env):
        if rc != 0 or "Traceback" in err or "Error" in err:
            failures.append(f"{' '.join(cmd)}: exit {rc}: {err.strip()[-400:]}")
            continue
        text = out.decode(encoding)  # every byte is in the locale's encoding
        if "json" in cmd:
            for line in text.splitlines():
                event = json.loads(line)  # valid JSON, line by line
                escaped += any(ord(c) > 255 for c in json.dumps(event, ensure_ascii=False))
        else:
            assert text.strip(), cmd
    assert not failures, "\n".join(failures)
    # JSON kept the characters the locale cannot show, escaped (nothing replaced by "?").
    assert escaped > 0


def test_plain_text_under_ascii_gets_lookalikes(tmp_path: Path) -> None:
    env = _locale_env(tmp_path / "home", "C")
    assert _encoding(env).lower() in ("ascii", "ansi_x3.4-1968", "us-ascii")
    results = _run_all(
        [["learn", "tcp", "--format", "plain"], ["osi", "--format", "rich"], ["progress"]],
        env,
    )
    for cmd, rc, out, err in results:
        assert rc == 0 and "Traceback" not in err, (cmd, err)
        out.decode("ascii")  # nothing but ASCII reached the terminal
    tcp = results[0][2].decode("ascii")
    assert "->" in tcp  # the lesson's arrows, as ASCII arrows
    assert "+-" in results[1][2].decode("ascii") or "|" in results[1][2].decode("ascii")


def test_the_error_handlers_themselves() -> None:
    text = "SYN \u2192 SYN-ACK \u2026 \u2713 \u2500\u2502\u250c \u00e9 \U0001f600"
    assert text.encode("ascii", "netlearn-text") == b"SYN -> SYN-ACK ... v -|+ ? ?"
    assert text.encode("latin-1", "netlearn-text").endswith(b"\xe9 ?")
    raw = json.dumps({"t": text}, ensure_ascii=False).encode("latin-1", "netlearn-json")
    assert json.loads(raw.decode("latin-1")) == {"t": text}  # lossless, surrogate pairs too
    with pytest.raises(UnicodeDecodeError):
        b"\xff".decode("utf-8", "netlearn-json")
    with pytest.raises(UnicodeDecodeError):
        _json_fallback(UnicodeDecodeError("utf-8", b"\xff", 0, 1, "bad"))


def test_make_safe_leaves_utf8_and_string_buffers_alone(tmp_path: Path) -> None:
    from io import StringIO

    buf = StringIO()
    make_safe(buf)  # no encoding: nothing to do, no error
    with (
        open(tmp_path / "u", "w", encoding="utf-8") as utf,
        open(tmp_path / "a", "w", encoding="ascii") as ascii_file,
    ):
        make_safe(utf)
        make_safe(ascii_file)
        assert utf.errors == "strict"
        assert ascii_file.errors == "netlearn-text"
        ascii_file.write("a \u2192 b\n")
    assert (tmp_path / "a").read_bytes() == b"a -> b\n"
