"""`capture --read`'s short paths change nothing: the same listing, states and analysis.

`scan(path, fast=False)` sends every segment through `Tracker.update`, the general path; the
default takes the short paths of `netlearn.lessons.capture.fastpath` for the common segments. Both
must leave every connection, every analysis flow and every finding exactly alike, and print
the same listing, on: the bundled capture, a small capture like the benchmark's, the same
with segments lost, repeated and swapped (seeded), and each capture of the analysis tests.
"""

from __future__ import annotations

import importlib.util
import io
import random
import struct
import sys
from pathlib import Path
from typing import Any

import pytest

from netlearn.env import Env
from netlearn.lessons.capture.listing import connection_event, listing, scan
from netlearn.packets import tracker as tracker_mod
from netlearn.packets.capture_analysis import Flow
from netlearn.packets.pcapio import iter_records
from netlearn.paths import assets_dir
from tests.test_capture_analysis import SCENARIOS, build

ROOT = Path(__file__).resolve().parent.parent


def _bench() -> Any:
    """bench/capture_bench.py, whose generator makes the benchmark's capture."""
    spec = importlib.util.spec_from_file_location("capture_bench", ROOT / "bench/capture_bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("capture_bench", module)
    spec.loader.exec_module(module)
    return module


def state(path: Path, fast: bool) -> tuple[Any, ...]:
    """Everything a scan leaves behind, as plain values."""
    result = scan(path, fast=fast)
    conns = []
    for conn in result.tracker.connections():
        fields = {k: v for k, v in vars(conn).items() if k != "analysis"}
        an = conn.analysis
        analysis = {k: getattr(an, k) for k in an.__slots__ if k not in ("client", "server")}
        flows = [{k: getattr(f, k) for k in Flow.__slots__} for f in (an.client, an.server)]
        conns.append((fields, analysis, flows, connection_event(conn, result.first_ts)))
    t = result.tracker
    totals = (t.total_packets, t.total_conns, t.total_syns, t.total_synacks, t.total_resets, t.t0)
    extra = (result.records, result.tcp, result.others, result.damage, result.first_ts)
    return conns, totals, extra


def printed(path: Path, fast: bool, fmt: str) -> str:
    out = io.StringIO()
    env = Env.build(fmt, stdout=out, width=100)
    from netlearn.render import run_scene

    run_scene(listing(env, path, fast=fast), env)
    return out.getvalue()


def assert_same(path: Path) -> None:
    fast, general = state(path, True), state(path, False)
    for a, b in zip(fast[0], general[0], strict=True):
        assert a == b, f"connection {a[0]['index']} differs"
    assert fast == general
    for fmt in ("plain", "json"):
        assert printed(path, True, fmt) == printed(path, False, fmt)


def write_pcap(path: Path, frames: list[tuple[float, bytes]]) -> Path:
    out = bytearray(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    for ts, frame in frames:
        sec = int(ts)
        usec = round((ts - sec) * 1e6)
        out += struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame
    path.write_bytes(bytes(out))
    return path


@pytest.fixture(scope="module")
def bench_like(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fast") / "bench-3k.pcap"
    _bench().generate(path, 3000)
    return path


def test_bundled_capture(tmp_path: Path) -> None:
    assert_same(assets_dir() / "pcaps" / "loopback-tcp.pcap")


def test_benchmark_like_capture(bench_like: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_same(bench_like)
    # And the short paths are taken: most segments never reach `Tracker.update`.
    calls = {"n": 0}
    real = tracker_mod.Tracker.update

    def counting(self, pkt):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        return real(self, pkt)

    monkeypatch.setattr(tracker_mod.Tracker, "update", counting)
    scan(bench_like, fast=False)
    general = calls["n"]
    calls["n"] = 0
    scan(bench_like, fast=True)
    assert general == 3000
    assert calls["n"] < general // 10, calls  # only the resets and the first packet


@pytest.mark.parametrize("seed", range(6))
def test_damaged_benchmark_like_capture(bench_like: Path, tmp_path: Path, seed: int) -> None:
    """Segments lost, repeated, swapped, FINs answered late: the short paths bail out alike."""
    rng = random.Random(seed)
    frames = [(ts, frame) for ts, _lt, frame in iter_records(bench_like)]
    out: list[tuple[float, bytes]] = []
    i = 0
    while i < len(frames):
        roll = rng.random()
        if roll < 0.04:
            i += 1  # lost
            continue
        if roll < 0.08:
            out.append(frames[i])  # sent twice
        elif roll < 0.12 and i + 1 < len(frames):
            out.extend([frames[i + 1], frames[i]])  # swapped
            i += 2
            continue
        elif roll < 0.14:
            ts, frame = frames[i]
            window = bytes([0, 0]) if rng.random() < 0.5 else frame[48:50]
            frame = frame[:48] + window + frame[50:]  # a closed window (checksums aside)
            frames[i] = (ts, frame)
        out.append(frames[i])
        i += 1
    # Timestamps stay in file order, a little apart, as a capture has them.
    t0 = frames[0][0]
    stamped = [(t0 + n * 0.0001, frame) for n, (_ts, frame) in enumerate(out)]
    assert_same(write_pcap(tmp_path / f"damaged-{seed}.pcap", stamped))


@pytest.mark.parametrize("name", SCENARIOS)
def test_analysis_captures(name: str, tmp_path: Path) -> None:
    assert_same(build(name, tmp_path))


def test_a_difference_would_be_seen(bench_like: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a short path that forgets one thing is caught."""
    from netlearn.lessons.capture import fastpath

    real = fastpath.observe

    def forgetful(conn, src, flags, seq, ack, seglen, ts, t):  # type: ignore[no-untyped-def]
        real(conn, src, flags, seq, ack, seglen, ts, t)
        if flags & 0x01:
            conn.first_fin = None  # as if the FIN had not been noted

    monkeypatch.setattr("netlearn.lessons.capture.listing.observe", forgetful)
    with pytest.raises(AssertionError):
        assert_same(bench_like)


def _via_pipe(data: bytes) -> tuple[list[Any], list[Any]]:
    """The records and damage of `data` read as a stream (a pipe), not a regular file."""
    import os
    import threading

    r, w = os.pipe()

    def feed() -> None:
        with os.fdopen(w, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    damage: list[Any] = []
    try:
        records = list(iter_records(Path(f"/dev/fd/{r}"), damage))
    finally:
        os.close(r)
        writer.join(timeout=10)
    return records, damage


@pytest.mark.parametrize("cut", [None, 24 + 7, -1, -20, -70, 70_000, 131_090])
def test_chunked_file_reader_reads_as_the_stream_reader(
    bench_like: Path, tmp_path: Path, cut: int | None
) -> None:
    """A regular file is read 64 KiB at a time: the same records, the same damage (cut short
    inside a record header, inside a frame, across a chunk's end)."""
    data = bench_like.read_bytes()
    if cut is not None:
        data = data[:cut]
    path = tmp_path / "cut.pcap"
    path.write_bytes(data)
    damage: list[Any] = []
    records = list(iter_records(path, damage))
    assert (records, damage) == _via_pipe(data)
    ends, off = {24}, 24  # where a record ends: a cut there leaves no damage
    for _ts, _lt, frame in iter_records(bench_like):
        off += 16 + len(frame)
        ends.add(off)
    assert bool(damage) == (len(data) not in ends)
