"""The capture files, read back by an independent dissector: Wireshark's engine (sharkd)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from netlearn.errors import NetlearnError
from netlearn.lessons.tcp.pcap import FIXED_EPOCH, write_pcap
from netlearn.lessons.tcp.scenarios import SCENARIOS, Trace, run
from tests.sharkd_client import Sharkd, sharkd

pytestmark = pytest.mark.tools("sharkd")

FIELDS = [
    "frame.time_epoch",
    "ip.src",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.flags",
    "tcp.seq_raw",
    "tcp.ack_raw",
    "tcp.seq",
    "tcp.ack",
    "tcp.len",
    "tcp.window_size_value",
    "ip.checksum.status",
    "tcp.checksum.status",
    "tcp.analysis.retransmission",
]
CHECKSUMS = {"ip.check_checksum": "TRUE", "tcp.check_checksum": "TRUE"}  # tshark's -o


def rows(path: Path) -> list[dict[str, str]]:
    """Each frame's fields (their first occurrence) as Wireshark displays them."""
    columns = [f"{f}:1" for f in FIELDS]
    return [dict(zip(FIELDS, values, strict=True)) for _, values in shark().frames(path, columns)]


def shark() -> Sharkd:
    return sharkd(prefs=CHECKSUMS)


def warnings_and_errors(path: Path) -> list[dict[str, str]]:
    """The expert report's warnings and errors (severities above Note)."""
    return [e for e in shark().expert(path) if e["s"] in ("Warning", "Error")]


def written(name: str, tmp_path: Path, **options: object) -> tuple[Trace, Path]:
    trace = run(name, random.Random(21), **options)
    path = tmp_path / f"{name}.pcap"
    assert write_pcap(path, trace.captured) == len(trace.captured)
    return trace, path


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_tshark_reads_back_every_packet(name: str, tmp_path: Path) -> None:
    trace, path = written(name, tmp_path)
    got = rows(path)
    assert len(got) == len(trace.captured)
    by_bytes = {seg.raw: seg for seg in trace.segments()}
    for row, cap in zip(got, trace.captured, strict=True):
        seg = by_bytes[cap.raw]
        assert float(row["frame.time_epoch"]) == pytest.approx(FIXED_EPOCH + cap.t, abs=1e-6)
        assert (int(row["tcp.srcport"]), int(row["tcp.dstport"])) == (seg.sport, seg.dport)
        assert (int(row["tcp.seq_raw"]), int(row["tcp.ack_raw"])) == (seg.seq, seg.ack)
        assert int(row["tcp.flags"], 16) & 0x1FF == _bits(seg.flags)
        assert int(row["tcp.len"]) == seg.payload_len
        assert int(row["tcp.window_size_value"]) == seg.window
        # Wireshark's relative numbers are the ones the ladder shows
        assert int(row["tcp.seq"]) == seg.rel_seq
        if "A" in seg.flags:
            assert int(row["tcp.ack"]) == seg.rel_ack
        # "Good" (value 1; "Bad" is 0, "Unverified" 2): both checksums verified by Wireshark
        assert (row["ip.checksum.status"], row["tcp.checksum.status"]) == ("Good", "Good")


def _bits(flags: str) -> int:
    return sum(1 << "FSRPAUECN".index(c) for c in flags)


@pytest.mark.parametrize("name", ["handshake", "transfer", "close", "simultaneous-open"], ids=str)
def test_no_expert_warnings(name: str, tmp_path: Path) -> None:
    _, path = written(name, tmp_path)
    assert warnings_and_errors(path) == []


def test_reset_warns_only_about_the_reset(tmp_path: Path) -> None:
    _, path = written("reset", tmp_path)
    report = warnings_and_errors(path)
    assert not [e for e in report if e["s"] == "Error"], report
    warns = {(e["g"], e["m"]) for e in report if e["s"] == "Warning"}
    assert ("Sequence", "Connection reset (RST)") in warns
    assert len({m for g, m in warns if g == "Sequence"}) == 1, report  # one warning, that one


@pytest.mark.parametrize("losses", [1, 2])
def test_lost_syn_is_seen_as_retransmission(losses: int, tmp_path: Path) -> None:
    trace, path = written("lost-syn", tmp_path, losses=losses)
    got = rows(path)
    syns = [i for i, r in enumerate(got) if int(r["tcp.flags"], 16) == 0x002]
    assert len(syns) == losses + 1
    assert got[syns[0]]["tcp.analysis.retransmission"] == ""
    for i in syns[1:]:
        assert got[i]["tcp.analysis.retransmission"] != "", got[i]
    # nothing else is a retransmission, and no warnings beyond that
    others = [r for i, r in enumerate(got) if i not in syns[1:]]
    assert all(r["tcp.analysis.retransmission"] == "" for r in others)
    filtered = shark().frames(path, filter="tcp.analysis.retransmission")
    assert len(filtered) == losses
    assert warnings_and_errors(path) == []
    # realistic timestamps: 1 s, then 2 s between the copies
    times = [float(got[i]["frame.time_epoch"]) for i in syns]
    assert [round(b - a, 6) for a, b in zip(times, times[1:], strict=False)] == [
        2.0**i for i in range(losses)
    ]


def test_pcap_names_are_checked(tmp_path: Path) -> None:
    trace = run("handshake", random.Random(1))
    with pytest.raises(NetlearnError, match="classic pcap"):
        write_pcap(tmp_path / "x.pcapng", trace.captured)
    with pytest.raises(NetlearnError, match="missing"):
        write_pcap(tmp_path / "nowhere" / "x.pcap", trace.captured)
    with pytest.raises(NetlearnError, match=r"\.pcap"):
        write_pcap(tmp_path / "x.txt", trace.captured)
