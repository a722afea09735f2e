"""`netlearn tcp` as a user runs it: piped, with options, and stepped on a real terminal."""

from __future__ import annotations

import json
import re
import termios
import time
from pathlib import Path

import pytest
from pty_terminal import Terminal

from netlearn.lessons.tcp.cli import SCENARIO_NAMES
from netlearn.lessons.tcp.scenarios import SCENARIOS
from netlearn.packets.tcp import checksums_ok


def test_help_names_every_scenario(run_cli) -> None:
    assert SCENARIO_NAMES.split(", ") == list(SCENARIOS)
    done = run_cli("tcp", "--help")
    assert done.returncode == 0
    for name in SCENARIOS:
        assert name in done.stdout
    for option in ("--seed", "--write", "--absolute", "--format", "--export", "--speed"):
        assert option in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope",), "unknown scenario 'nope'"),
        (("handshak",), "did you mean 'handshake'"),
        (("handshake", "--losses", "2"), "--losses only applies to the lost-syn scenario"),
        (("lost-syn", "--losses", "9"), "between 1 and 6"),
        (("reset", "--write", "x.pcapng"), "classic pcap"),
        (("reset", "--export", "x.png"), "cannot export"),
    ],
)
def test_bad_input_is_one_clear_line(run_cli, args: tuple[str, ...], message: str) -> None:
    done = run_cli("tcp", *args)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_piped_it_runs_to_the_end_in_plain_text(run_cli) -> None:
    done = run_cli("tcp", "close", "--seed", "3")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "60.085s client: TIME-WAIT -> CLOSED (Timeout=2MSL / delete TCB)" in done.stdout


def test_json_repeats_with_a_seed_and_changes_without(run_cli) -> None:
    first = run_cli("tcp", "transfer", "--seed", "5", "--format", "json").stdout
    again = run_cli("tcp", "transfer", "--seed", "5", "--format", "json").stdout
    other = run_cli("tcp", "transfer", "--seed", "6", "--format", "json").stdout
    assert first == again
    events = [json.loads(line) for line in first.splitlines()]
    isn = [e["seq"] for e in events if e["type"] == "segment"][:2]
    isn_other = [json.loads(x)["seq"] for x in other.splitlines() if '"segment"' in x][:2]
    assert isn != isn_other
    assert all(checksums_ok(bytes.fromhex(e["raw"])) for e in events if e["type"] == "segment")


def test_write_and_absolute(run_cli, tmp_path: Path) -> None:
    pcap = tmp_path / "lost.pcap"
    done = run_cli("tcp", "lost-syn", "--seed", "1", "--absolute", "--write", str(pcap))
    assert done.returncode == 0, done.stderr
    from scapy.utils import rdpcap

    count = len(rdpcap(str(pcap)))
    assert count == 5  # SYN lost twice, the third gets through, SYN-ACK, ACK
    said = " ".join(done.stdout.split())
    assert f"Saved {count} packets, as a capture at the client saw them, to `{pcap}`" in said
    first = next(line for line in done.stdout.splitlines() if "[SYN]" in line)
    assert re.search(r"seq=\d{5,}", first)  # absolute numbers on the main line


def test_export_writes_the_ladder(run_cli, tmp_path: Path) -> None:
    out = tmp_path / "hs.svg"
    done = run_cli("tcp", "handshake", "--seed", "2", "--export", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("<svg")


# ---------------------------------------------------------------------- a real terminal


def test_stepping_on_a_terminal(netlearn_home: Path) -> None:
    t = Terminal(["tcp", "handshake", "--seed", "1"], netlearn_home)
    try:
        t.read_until(r"segment 0/3")
        t.send("\r")
        screen = t.read_until(r"segment 1/3 · relative")
        assert "[SYN] seq=0" in screen
        t.send("a")
        screen = t.read_until(r"segment 1/3 · absolute")
        assert re.search(r"\[SYN\] seq=\d{6,}", screen)
        t.send("f")
        screen = t.read_until(r"any key: back")
        assert "dataofs" in screen and "set: SYN" in screen
        t.send("x")
        t.read_until(r"segment 1/3")
        t.send("o")  # the interactive inspector, full screen, on the segment under the cursor
        screen = t.read_until(r"q leave")
        assert "[IP]" in screen and "IP.version" in screen
        t.send("q")
        t.read_until(r"segment 1/3")
        t.send("\r\r")
        t.read_until(r"segment 3/3")
        t.send("q")
        t.read_until(r"Stopped at segment 3 of 3")
        assert t.wait() == 0
        assert termios.tcgetattr(t.slave) == t.before  # the terminal is given back as it was
    finally:
        t.close()


def test_to_the_end_on_a_terminal(netlearn_home: Path) -> None:
    t = Terminal(["tcp", "reset", "--seed", "1"], netlearn_home)
    try:
        t.read_until(r"segment 0/2")
        t.send("\r\r\r")
        screen = t.read_until(r"The end")
        assert "connection refused" in screen
        t.send("b")  # back from the end screen to the last segment
        t.read_until(r"segment 2/2")
        t.send("\r")
        t.read_until(r"The end")
        time.sleep(0.3)
        assert t.proc.poll() is None  # the end screen waits for the learner
        t.send("\r")
        assert t.wait() == 0
    finally:
        t.close()
