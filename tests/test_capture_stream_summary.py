"""After the `--stream N` ladder: the connection's line of the listing, its findings in words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_capture_analysis import build, tshark_counts

pytestmark = pytest.mark.tools("sharkd")


def _events(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_stream_ends_with_the_listing_line_and_findings(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = build("many", tmp_path)
    listed = run_cli("capture", "--read", str(path), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    conns = [e for e in _events(listed.stdout) if e["type"] == "connection"]
    for stream in (1, 2):
        proc = run_cli("capture", "--read", str(path), "--stream", str(stream), "--format", "json")
        assert proc.returncode == 0, proc.stderr
        events = _events(proc.stdout)
        # The ladder first (its segments), the summary last: the listing's very object.
        assert events[-1] == conns[stream - 1]
        last_segment = max(i for i, e in enumerate(events) if e["type"] == "segment")
        assert last_segment < len(events) - 1
        assert events[-1]["findings"], "this capture's connections both have trouble"
    # The counts are Wireshark's (the second connection: dup ACKs, then a fast retransmission).
    second = conns[1]["analysis"]
    theirs = tshark_counts(path, {"dup": "tcp.analysis.duplicate_ack"})
    assert second["duplicate_acks"] == theirs[1]["dup"] == 3
    assert second["fast_retransmissions"] == 1


def test_stream_summary_in_plain_words(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    path = build("zero_window", tmp_path)
    proc = run_cli("capture", "--read", str(path), "--stream", "1", "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    tail = " ".join(out[out.rindex("Connection 1 in short") :].split())
    assert "10.0.0.1:40000 > 10.0.0.2:80 complete" in tail
    assert "! The server advertised a zero window at" in tail
    assert "the client probed 4 times until the window reopened" in tail
    assert "(RFC 9293 section 3.8.6)" in tail


def test_bundled_replay_says_nothing_went_wrong(run_cli) -> None:  # type: ignore[no-untyped-def]
    proc = run_cli("capture", "--replay", "--format", "plain")
    assert proc.returncode == 0, proc.stderr
    tail = " ".join(proc.stdout[proc.stdout.rindex("Connection 1 in short") :].split())
    assert "finds nothing wrong on it" in tail
    assert "complete, iRTT" in tail and "FIN, client first" in tail
    assert "!" not in tail
