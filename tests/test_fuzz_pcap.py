"""Fuzzing the capture reader, `capture --read` (the listing) and `osi --pcap` (issue 16).

Inputs are the bundled pcap, pcapng versions of it (editcap's, and one built here: big-endian,
two interfaces, nanosecond timestamps, simple/obsolete packet blocks, blocks to skip), and
mutations of them: bit flips, byte changes, cuts, inserted and deleted bytes, length fields
set to edge values. Properties: no exception but NetlearnError, bounded memory and time; on
the valid inputs, every packet's bytes equal Wireshark's (sharkd: tests/sharkd_client.py).
Derandomized: the same run every time.
"""

from __future__ import annotations

import contextlib
import struct
import subprocess
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.lessons.capture.listing import listing
from netlearn.lessons.osi.scenes import read_packet
from netlearn.packets import pcapio
from netlearn.packets.pcap_view import from_file
from netlearn.paths import assets_dir
from netlearn.render import make_renderer
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("sharkd", "editcap")

BUNDLE = assets_dir() / "pcaps" / "loopback-tcp.pcap"
EDGE_LENGTHS = (0, 1, 3, 4, 8, 11, 12, 16, 20, 28, 32, 65535, 262144, 262145, 2**31 - 1, 2**32 - 1)


def _block(order: str, btype: int, body: bytes) -> bytes:
    body += b"\0" * (-len(body) % 4)
    blen = struct.pack(order + "I", 12 + len(body))
    return struct.pack(order + "I", btype) + blen + body + blen


def _handmade_pcapng(frames: list[bytes]) -> bytes:
    """Big-endian pcapng: Ethernet (ns) and raw-IP interfaces; EPB, SPB, OPB; skipped blocks."""
    o = ">"
    out = _block(o, pcapio.PCAPNG_SHB, struct.pack(o + "IHHq", pcapio.PCAPNG_BOM, 1, 0, -1))
    tsresol = struct.pack(o + "HH", 9, 1) + b"\x09\0\0\0" + struct.pack(o + "HH", 0, 0)
    out += _block(o, 1, struct.pack(o + "HHI", 1, 0, 0) + tsresol)  # Ethernet, nanoseconds
    out += _block(o, 1, struct.pack(o + "HHI", 101, 0, 0))  # raw IP, microseconds
    out += _block(o, 4, struct.pack(o + "HH", 0, 0))  # a name resolution block: skipped
    ts = 1_700_000_000_123_456_789
    for i, frame in enumerate(frames):
        if i % 4 == 3:  # the IP packet alone, on the raw-IP interface
            ip, tsu = frame[14:], ts // 1000
            head = struct.pack(o + "IIIII", 1, tsu >> 32, tsu & 0xFFFFFFFF, len(ip), len(ip))
            out += _block(o, 6, head + ip)
        elif i == 5:  # a simple packet block: no timestamp, interface 0
            out += _block(o, 3, struct.pack(o + "I", len(frame)) + frame)
        elif i == 6:  # an obsolete packet block (pcapng's first draft), still read by tshark
            head = struct.pack(o + "HHIIII", 0, 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), 999)
            out += _block(o, 2, head[:12] + struct.pack(o + "II", len(frame), len(frame)) + frame)
        else:
            head = struct.pack(o + "IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame), len(frame))
            out += _block(o, 6, head + frame)
        if i == 2:
            out += _block(o, 5, struct.pack(o + "III", 0, 0, 0))  # interface statistics: skipped
        ts += 1_000_000
    return out


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("seeds")
    ng, ns = folder / "bundle.pcapng", folder / "bundle-ns.pcap"
    subprocess.run(["editcap", "-F", "pcapng", str(BUNDLE), str(ng)], check=True)
    subprocess.run(["editcap", "-F", "nsecpcap", str(BUNDLE), str(ns)], check=True)
    frames = [bytes(f) for _ts, _lt, f in pcapio.iter_records(BUNDLE)]
    hand = folder / "handmade.pcapng"
    hand.write_bytes(_handmade_pcapng(frames))
    # Warm up: the first dissection imports scapy's layers, which is not the reader's memory.
    cut = folder / "cut.pcap"  # and a damage note, drawn once
    cut.write_bytes(BUNDLE.read_bytes()[:-5])
    for path in (BUNDLE, hand, cut):
        _render(listing(Env.build("plain", stdout=StringIO()), path))
        for n in range(1, 10):
            _render([read_packet(path, n)])
    return {
        "pcap": BUNDLE.read_bytes(),
        "nsec.pcap": ns.read_bytes(),
        "pcapng": ng.read_bytes(),
        "handmade.pcapng": hand.read_bytes(),
    }


def test_valid_inputs_read_exactly_as_tshark_reads_them(
    seeds: dict[str, bytes], tmp_path: Path
) -> None:
    for name, blob in seeds.items():
        path = tmp_path / f"seed-{name}"
        path.write_bytes(blob)
        damage: list[pcapio.Damage] = []
        mine = [bytes(f) for _ts, _lt, f in pcapio.iter_records(path, damage)]
        theirs = sharkd().frame_bytes(path)
        assert damage == [], name
        assert len(mine) == 10 and mine == theirs, name
        lens = [int(x) for _, (x,) in sharkd().frames(path, ["frame.len:0"])]
        assert lens == [len(f) for f in mine], name


# ------------------------------------------------------------------------------- mutations


def _length_offsets(blob: bytes) -> list[int]:
    """Where the file keeps lengths: pcap caplen/origlen, pcapng block lengths and caplens."""
    offsets: list[int] = []
    if blob[:4] == b"\x0a\x0d\x0d\x0a":
        order = "<" if blob[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        off = 0
        while off + 12 <= len(blob):
            btype, blen = struct.unpack_from(order + "II", blob, off)
            offsets += [off + 4, off + blen - 4]
            if btype in (2, 6):
                offsets += [off + 20, off + 24]
            if blen < 12:
                break
            off += blen
    else:
        order = "<" if blob[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        off = 24
        offsets.append(16)  # the snapshot length
        while off + 16 <= len(blob):
            offsets += [off + 8, off + 12]
            off += 16 + struct.unpack_from(order + "I", blob, off + 8)[0]
    return [x for x in offsets if 0 <= x <= len(blob) - 4]


@st.composite
def mutated(draw: st.DrawFn, seeds: dict[str, bytes]) -> bytes:
    blob = bytearray(seeds[draw(st.sampled_from(sorted(seeds)))])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "byte", "cut", "insert", "delete", "length"]))
        if not blob:
            break
        pos = draw(st.integers(0, len(blob) - 1))
        if kind == "flip":
            blob[pos] ^= 1 << draw(st.integers(0, 7))
        elif kind == "byte":
            blob[pos] = draw(st.integers(0, 255))
        elif kind == "cut":
            del blob[pos:]
        elif kind == "insert":
            blob[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif kind == "delete":
            del blob[pos : pos + draw(st.integers(1, 16))]
        else:
            places = _length_offsets(bytes(blob))
            if places:
                at = draw(st.sampled_from(places))
                value = draw(st.sampled_from(EDGE_LENGTHS) | st.integers(0, 2**32 - 1))
                order = draw(st.sampled_from("<>"))
                struct.pack_into(order + "I", blob, at, value)
    return bytes(blob)


def _render(events: object) -> str:
    env = Env.build("plain", stdout=StringIO(), width=80, animate=False)
    renderer = make_renderer(env)
    for event in events:  # type: ignore[attr-defined]
        renderer.emit(event)
    return env.stdout.getvalue()  # type: ignore[attr-defined]


def _exercise(path: Path) -> None:
    """Read, list and inspect `path` as the CLI does; only NetlearnError may come out."""
    tracemalloc.start()
    try:
        damage: list[pcapio.Damage] = []
        try:
            records = list(pcapio.iter_records(path, damage))
        except NetlearnError:
            records = []
        size = path.stat().st_size
        assert sum(len(f) for _ts, _lt, f in records) <= size
        assert all(0 <= d.offset < max(size, 1) or d.offset == -1 for d in damage)
        with contextlib.suppress(NetlearnError):
            _render(listing(Env.build("plain", stdout=StringIO()), path))
        for n in (1, 3):
            for read in (read_packet, from_file):
                with contextlib.suppress(NetlearnError):
                    _render([read(path, n)])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"{peak:,} bytes for a {size:,}-byte file"


FUZZ = settings(
    max_examples=120,
    deadline=10_000,  # a hang fails; the load of a shared 2-core machine does not
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.data())
def test_mutated_captures_fail_only_with_one_clear_line(
    seeds: dict[str, bytes], tmp_path: Path, data: st.DataObject
) -> None:
    path = tmp_path / "fuzz.cap"
    path.write_bytes(data.draw(mutated(seeds)))
    _exercise(path)


@FUZZ
@given(
    head=st.sampled_from(
        [b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\x0a\x0d\x0d\x0a"]
    ),
    rest=st.binary(max_size=600),
)
def test_random_bytes_behind_a_capture_magic(
    seeds: dict[str, bytes], tmp_path: Path, head: bytes, rest: bytes
) -> None:
    path = tmp_path / "random.cap"
    path.write_bytes(head + rest)
    _exercise(path)
