"""`capture --read` writes its lines in batches: the same output, whole at the end, quiet on a
closed pipe; and the listing needs neither the ladder nor Rich."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netlearn.env import Env
from netlearn.lessons.capture.listing import listing
from netlearn.render import run_scene
from tests.test_capture_fastpath import _bench


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("batch") / "bench-4k.pcap"
    _bench().generate(path, 4000)  # about 430 connections: more than one batch
    return path


class CountingIO(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_batched_output_is_the_same_and_flushed_at_the_end(capture: Path, fmt: str) -> None:
    outs = {}
    for batch in (1, 256):
        out = CountingIO()
        env = Env.build(fmt, stdout=out, width=100)
        events = run_scene(listing(env, capture), env, batch=batch)
        outs[batch] = (out.getvalue(), out.flushes, len(events))
    (one, flushes_one, n), (many, flushes_many, _) = outs[1], outs[256]
    assert one == many
    assert n > 400
    assert flushes_one >= n
    assert flushes_many <= n // 256 + 2


def test_an_error_flushes_what_was_held_back() -> None:
    from netlearn.events import Note

    out = CountingIO()
    env = Env.build("plain", stdout=out, width=100)

    def producer():  # type: ignore[no-untyped-def]
        yield Note(text="first", tone="explain")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        run_scene(producer(), env, batch=100)
    assert "first" in out.getvalue()
    assert out.flushes >= 1


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "netlearn", *args]


def test_closed_pipe_is_quiet(capture: Path, tmp_path: Path) -> None:
    env = {**os.environ, "NETLEARN_HOME": str(tmp_path), "COLUMNS": "120"}
    proc = subprocess.Popen(
        _cli("capture", "--read", str(capture), "--format", "plain"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0
    assert err == b""


def test_listing_imports_neither_ladder_nor_rich(capture: Path, tmp_path: Path) -> None:
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['netlearn', 'capture', '--read', {str(capture)!r}, '--format', 'plain']\n"
        "try:\n"
        "    runpy.run_module('netlearn', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "bad = [m for m in ('rich', 'netlearn.render.tcp') if m in sys.modules]\n"
        "print('LOADED', bad, file=sys.stderr)\n"
    )
    env = {**os.environ, "NETLEARN_HOME": str(tmp_path), "COLUMNS": "120"}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert "LOADED []" in proc.stderr, proc.stderr[-2000:]
    assert "connections" in proc.stdout


def test_quick_wrap_is_textwrap() -> None:
    """The listing's own word wrap gives textwrap's lines (seeded sentences, widths, indents)."""
    import random
    import textwrap

    from netlearn.lessons.capture.render import wrap
    from netlearn.packets.capture_analysis import FINDINGS

    rng = random.Random(14)
    words = " ".join(f.why for f in FINDINGS).split()
    words += ["SYN-RECEIVED", "FIN-WAIT-1", "a", "--", "x-y", "-", "--x", "zero-window", "w" * 90]
    for _ in range(3000):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 40)))
        if rng.random() < 0.05:
            text = text.replace(" ", rng.choice(["  ", "\t", "\n"]), 1)
        width = rng.randint(20, 130)
        first, rest = rng.choice([("", ""), ("        ! ", "          "), ("- ", "  ")])
        expected = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest)
        assert wrap(text, width, first, rest) == expected, (text, width, first)
