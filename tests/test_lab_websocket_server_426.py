"""The websocket-server lab's 426 rule (RFC 9110 section 15.5.22): a 426 without Upgrade fails
its stage with the rule and the section; the check itself on hand-made responses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "labs"))
from golden import ROOT, compare, run_check  # noqa: E402

from netlearn.labs.core import StageFailed  # noqa: E402
from netlearn.labs.ws_response import check_426 as _check_426  # noqa: E402

HERE = ROOT / "websocket-server"


def test_426_without_upgrade_fails_bad_handshake(tmp_path: Path) -> None:
    result = run_check(
        "websocket-server",
        [sys.executable, str(HERE / "broken_426_no_upgrade.py")],
        home=tmp_path,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    flat = " ".join(result.stdout.split())
    assert "(bad-handshake), then run it again" in flat
    assert "does not say which protocol to upgrade to" in flat
    assert "RFC 9110 §15.5.22" in flat
    assert "1 of 7 stages passed." in flat
    compare("websocket-server", "426_no_upgrade", result.stdout)


HEAD = b"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n"


@pytest.mark.parametrize(
    "extra",
    [
        b"Upgrade: websocket\r\nConnection: Upgrade\r\n",
        b"upgrade: WebSocket\r\nconnection: keep-alive, upgrade\r\n",
    ],
)
def test_a_426_with_upgrade_and_connection_passes(extra: bytes) -> None:
    _check_426(HEAD + extra + b"Content-Length: 0\r\n\r\n")


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        (b"", "which protocol to upgrade to"),
        (b"Upgrade: h2c\r\nConnection: Upgrade\r\n", "which protocol to upgrade to"),
        (b"Upgrade: websocket\r\n", "without Connection: Upgrade"),
        (b"Upgrade: websocket\r\nConnection: close\r\n", "without Connection: Upgrade"),
    ],
)
def test_a_426_without_them_fails(extra: bytes, words: str) -> None:
    with pytest.raises(StageFailed) as caught:
        _check_426(HEAD + extra + b"Content-Length: 0\r\n\r\n")
    assert words in str(caught.value)
    assert "RFC 9110" in caught.value.rfc
