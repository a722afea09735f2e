"""Wireshark's own TCP analysis agrees with what netlearn says happened, segment by segment.

For every new scenario and for what-if runs of the old ones, the capture (as the client saw it)
is read by Wireshark's engine (sharkd: tests/sharkd_client.py); its analysis flags on each frame
must be exactly the marks netlearn gave that segment (`netlearn.lessons.tcp.capview`), and its
expert report must hold no other warnings.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from netlearn.lessons.tcp.capview import capture_view
from netlearn.lessons.tcp.pcap import write_pcap
from netlearn.lessons.tcp.scenarios import Options, Trace, run
from netlearn.lessons.tcp.whatif import make_plan
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd")

# tshark's field (tcp.analysis.X) -> netlearn's mark
FLAGS = {
    "retransmission": "retransmission",
    "fast_retransmission": "fast-retransmission",
    "spurious_retransmission": "spurious-retransmission",
    "duplicate_ack": "dup-ack",
    "out_of_order": "out-of-order",
    "lost_segment": "previous-segment-lost",
    "zero_window": "zero-window",
    "zero_window_probe": "zero-window-probe",
    "zero_window_probe_ack": "zero-window-probe-ack",
    "window_update": "window-update",
    "window_full": "window-full",
    "ack_lost_segment": "ack-of-unseen-segment",
    "keep_alive": "keep-alive",
    "keep_alive_ack": "keep-alive-ack",
    "reused_ports": "reused-ports",
}
# Expert warnings a mark explains (anything else is a failure)
WARNS = {
    "TCP Zero Window segment": "zero-window",
    "TCP window specified by the receiver is now completely full": "window-full",
    "Previous segment(s) not captured (common at capture start)": "previous-segment-lost",
    "This frame is a (suspected) out-of-order segment": "out-of-order",
    "ACKed segment that wasn't captured (common at capture start)": "ack-of-unseen-segment",
}
# The HTTP dissector would read a body that starts mid-stream as headers; TCP is checked here.
NO_HTTP = ["http"]


def wireshark_view(path: Path) -> tuple[list[set[str]], list[dict[str, str]]]:
    """Wireshark's analysis flags on each frame (a column is empty where the frame does not have
    the field), and its expert infos; read with HTTP disabled, as `tshark --disable-protocol`."""
    shark = sharkd(disabled=NO_HTTP)
    rows = shark.frames(path, [f"tcp.analysis.{name}:0" for name in FLAGS])
    marks = [
        {FLAGS[name] for name, value in zip(FLAGS, values, strict=True) if value}
        for _, values in rows
    ]
    return marks, shark.expert(path)


def check(trace: Trace, tmp_path: Path) -> list[set[str]]:
    path = tmp_path / f"{trace.name}.pcap"
    write_pcap(path, trace.captured)
    seen = capture_view(trace)
    ours = [set(s.marks) for s in seen]
    theirs, report = wireshark_view(path)
    assert len(theirs) == len(ours)
    for n, (a, b) in enumerate(zip(ours, theirs, strict=True), start=1):
        assert a == b, f"frame {n}: netlearn {sorted(a)}, Wireshark {sorted(b)}"
    assert not [e for e in report if e["s"] == "Error"], report
    for summary in sorted({e["m"] for e in report if e["s"] == "Warning"}):
        assert all(e["p"] == "TCP" for e in report if e["m"] == summary), report
        if summary == "Connection reset (RST)":
            assert any("R" in s.segment.flags for s in seen)
            continue
        assert summary in WARNS, report
        assert any(WARNS[summary] in m for m in ours), summary
    return ours


def marks_of(ours: list[set[str]], mark: str) -> list[int]:
    return [n for n, m in enumerate(ours, start=1) if mark in m]


def test_loss(tmp_path: Path) -> None:
    ours = check(run("loss", random.Random(21)), tmp_path)
    assert len(marks_of(ours, "fast-retransmission")) == 1
    assert len(marks_of(ours, "dup-ack")) >= 3


def test_loss_without_sack_and_delayed_acks(tmp_path: Path) -> None:
    opts = Options(sack=False, delayed_acks=False)
    ours = check(run("loss", random.Random(21), opts=opts), tmp_path)
    assert len(marks_of(ours, "fast-retransmission")) == 1


def test_timeout(tmp_path: Path) -> None:
    ours = check(run("timeout", random.Random(21)), tmp_path)
    assert len(marks_of(ours, "retransmission")) == 2
    assert marks_of(ours, "dup-ack") == [] and marks_of(ours, "fast-retransmission") == []


def test_congestion(tmp_path: Path) -> None:
    ours = check(run("congestion", random.Random(21)), tmp_path)
    assert len(marks_of(ours, "fast-retransmission")) == 1


def test_zero_window(tmp_path: Path) -> None:
    ours = check(run("zero-window", random.Random(21)), tmp_path)
    assert len(marks_of(ours, "zero-window-probe")) >= 2
    assert marks_of(ours, "zero-window")
    assert marks_of(ours, "window-update")


WHAT_IFS = [
    ("handshake", {"drop": [1]}),
    ("handshake", {"drop": [2]}),
    ("handshake", {"drop": [3]}),
    ("transfer", {"drop": [4]}),
    ("transfer", {"drop": [6]}),
    ("transfer", {"drop": [7]}),
    ("transfer", {"drop": [8]}),
    ("transfer", {"delay": ["6:0.05"]}),
    ("transfer", {"reorder": [6]}),
    ("close", {"drop": [4]}),
    ("close", {"drop": [5]}),
    ("close", {"drop": [6]}),
    ("close", {"drop": [7]}),
    ("reset", {"drop": [1]}),
    ("lost-syn", {"drop": [4]}),
    ("simultaneous-open", {"drop": [1]}),
    ("loss", {"drop": [8, 12]}),
    ("loss", {"reorder": [9]}),
    ("loss", {"delay": ["9:0.02"]}),
    ("timeout", {"drop": [9]}),
    ("zero-window", {"drop": [10]}),
    ("zero-window", {"drop": [11]}),
]


@pytest.mark.parametrize(("name", "faults"), WHAT_IFS, ids=lambda x: str(x))
def test_what_if(name: str, faults: dict[str, list], tmp_path: Path) -> None:
    plan = make_plan(**faults)
    trace = run(name, random.Random(21), opts=Options(plan=plan))
    check(trace, tmp_path)
