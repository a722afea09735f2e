"""The websocket-server lab against real servers: the references pass, each broken one fails at
its stage with its explanation, and the whole report matches a golden file."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "labs"))
from golden import ROOT, compare, run_check  # noqa: E402

HERE = ROOT / "websocket-server"

BROKEN = {
    "guid": ("upgrade", "GUID is misspelt"),
    "hex": ("upgrade", "digest is sent as hex"),
    "no_version": ("bad-handshake", "Sec-WebSocket-Version: 13"),
    "masked": ("unmasking", "MUST NOT mask"),
    "len7": ("unmasking", "7-bit field"),
    "fragments": ("fragmented", "each fragment as its own message"),
    "pong": ("ping", "ping's application data"),
    "no_1002": ("protocol-error", "code 1002"),
}


def test_reference_python_passes(tmp_path: Path) -> None:
    result = run_check("websocket-server", [sys.executable, str(HERE / "ref.py")], home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 7 stages passed." in result.stdout
    compare("websocket-server", "ref", result.stdout)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_reference_js_passes(tmp_path: Path) -> None:
    result = run_check("websocket-server", ["node", str(HERE / "ref.js")], home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All 7 stages passed." in result.stdout
    compare("websocket-server", "ref_js", result.stdout)


@pytest.mark.parametrize("variant", sorted(BROKEN))
def test_broken_variant_fails_at_its_stage(variant: str, tmp_path: Path) -> None:
    stage, words = BROKEN[variant]
    result = run_check(
        "websocket-server", [sys.executable, str(HERE / f"broken_{variant}.py")], home=tmp_path
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"({stage}), then run it again" in result.stdout
    assert words in " ".join(result.stdout.split()), result.stdout
    compare("websocket-server", variant, result.stdout)
