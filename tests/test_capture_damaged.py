"""Damaged, odd and streamed capture files (issue 16): one reader for `capture --read` and
`osi --pcap`, damage named (record, byte, why), the rest kept, FIFOs and pipes read, every
length from the file bounded. tshark is the independent oracle for what a file holds: on a
damaged file tshark itself (sharkd 4.0 never answers a load of one), on a sound one Wireshark's
engine through sharkd (tests/sharkd_client.py)."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import pytest

from netlearn.errors import NetlearnError
from netlearn.events import to_dict
from netlearn.lessons.capture.listing import scan
from netlearn.lessons.osi.scenes import read_packet
from netlearn.packets import headers, pcapio
from netlearn.packets.pcap_view import from_file
from netlearn.paths import assets_dir
from tests.sharkd_client import sharkd

pytestmark = pytest.mark.tools("tshark", "sharkd", "editcap")

BUNDLE = assets_dir() / "pcaps" / "loopback-tcp.pcap"
REPO = Path(__file__).resolve().parent.parent


def tshark_frames(path: Path) -> list[bytes]:
    """The frames tshark reads from `path` (it stops at the first damage it meets)."""
    out = subprocess.run(
        ["tshark", "-r", str(path), "-x"],
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    frames: list[bytes] = []
    current: list[str] = []
    for line in out.splitlines():
        if not line.strip():
            if current:
                frames.append(bytes.fromhex("".join(current)))
                current = []
            continue
        head, _, rest = line.partition("  ")
        if len(head) == 4 and all(c in "0123456789abcdef" for c in head):
            current.append(rest[:47].replace(" ", ""))
    if current:
        frames.append(bytes.fromhex("".join(current)))
    return frames


def ours(path: Path) -> tuple[list[bytes], list[pcapio.Damage]]:
    damage: list[pcapio.Damage] = []
    return [bytes(f) for _ts, _lt, f in pcapio.iter_records(path, damage)], damage


@pytest.fixture(scope="module")
def pcapng(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ng") / "bundle.pcapng"
    subprocess.run(["editcap", "-F", "pcapng", str(BUNDLE), str(path)], check=True)
    return path


# ---------------------------------------------------------------- 2. IPv4 header length < 20


def _syn_frame(ihl: int) -> bytes:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether

    frame = bytearray(
        bytes(Ether() / IP(src="127.0.0.1", dst="127.0.0.2") / TCP(sport=1234, dport=80))
    )
    frame[14] = 0x40 | ihl
    return bytes(frame)


@pytest.mark.parametrize("ihl", [0, 1, 4])
def test_ipv4_header_under_20_bytes_is_damaged_not_a_connection(tmp_path: Path, ihl: int) -> None:
    path = tmp_path / "ihl.pcap"
    with pcapio.PcapWriter(path, headers.LINKTYPE_ETHERNET) as w:
        w.write(1.0, _syn_frame(ihl))
        w.write(2.0, _syn_frame(5))
    assert headers.parse(_syn_frame(ihl), headers.LINKTYPE_ETHERNET) is None
    result = scan(path)
    assert (result.records, result.tcp) == (2, 1)
    assert len(result.tracker.connections()) == 1  # only the good SYN's
    [damage] = result.damage
    assert damage.record == 1 and "IPv4 header length" in damage.why
    # Wireshark agrees: one TCP segment (display filter `tcp`), the other a bogus IP header.
    assert [n for n, _ in sharkd().frames(path, filter="tcp")] == [2]


def test_listing_says_which_record_is_damaged(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "ihl.pcap"
    with pcapio.PcapWriter(path, headers.LINKTYPE_ETHERNET) as w:
        w.write(1.0, _syn_frame(0))
    result = run_cli("capture", "--read", str(path), "--format", "plain")
    assert result.returncode == 0, result.stderr
    assert "1 damaged record" in result.stdout and "record 1" in result.stdout
    assert "IPv4 header length 0" in result.stdout


# ---------------------------------------------------------------- 4. short last pcapng block


@pytest.mark.parametrize("blen", [12, 16])
def test_pcapng_short_last_packet_block_keeps_the_packets_before(
    run_cli, pcapng: Path, tmp_path: Path, blen: int
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"short{blen}.pcapng"
    block = struct.pack("<II", 6, blen) + b"\0" * (blen - 12) + struct.pack("<I", blen)
    path.write_bytes(pcapng.read_bytes() + block)
    frames, damage = ours(path)
    assert frames == ours(BUNDLE)[0] and len(frames) == 10
    assert [(d.record, d.offset) for d in damage] == [(11, pcapng.stat().st_size)]
    assert "too short" in damage[0].why
    result = run_cli("capture", "--read", str(path), "--format", "json")
    assert result.returncode == 0, result.stderr
    events = [json.loads(x) for x in result.stdout.splitlines()]
    assert events[0]["packets"] == 10
    assert any("record 11" in e.get("text", "") for e in events)


# ---------------------------------------------------------------- 3. one reader for both


def _damaged_files(pcapng: Path, tmp_path: Path) -> list[Path]:
    """Deterministic damage: flipped bytes, cut ends, absurd lengths, in pcap and pcapng."""
    out = []
    for src in (BUNDLE, pcapng):
        data = src.read_bytes()
        for i, pos in enumerate(range(0, len(data), 37)):
            for xor in (0x01, 0x80, 0xFF):
                mutated = bytearray(data)
                mutated[pos] ^= xor
                path = tmp_path / f"{src.stem}-{i}-{xor}{src.suffix}"
                path.write_bytes(mutated)
                out.append(path)
        for cut in (25, 100, len(data) // 2, len(data) - 3):
            path = tmp_path / f"{src.stem}-cut{cut}{src.suffix}"
            path.write_bytes(data[:cut])
            out.append(path)
    return out


def test_osi_pcap_and_capture_osi_agree_on_damaged_files(pcapng: Path, tmp_path: Path) -> None:
    files = _damaged_files(pcapng, tmp_path)
    assert len(files) > 150
    for path in files:
        for n in (1, 2, 10, 11):
            results = []
            for read in (read_packet, from_file):
                try:
                    view = to_dict(read(path, n))
                    results.append(("ok", view["raw"], [x["name"] for x in view["layers"]]))
                except NetlearnError as exc:
                    results.append(("error", str(exc), []))
            assert results[0] == results[1], (path.name, n)


# ---------------------------------------------------------------- 5. damage vs tshark


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_damaged_files_keep_at_least_what_tshark_reads(
    pcapng: Path, tmp_path: Path, fmt: str
) -> None:
    src = BUNDLE if fmt == "pcap" else pcapng
    data = src.read_bytes()
    cases: list[tuple[str, bytes]] = []
    # Lengths of an early packet record, the middle of the file, the last record: flipped.
    # pcap: the fifth record, since tshark takes a pcap whose first records look wrong for
    # another variant of the format (Nokia, ss990417 record headers) and reads garbage frames.
    first = 24 + sum(16 + len(f) for f in ours(BUNDLE)[0][:4]) if fmt == "pcap" else 0x80
    for pos in (first + 4, first + 8, first + 12, len(data) // 2, len(data) - 8):
        mutated = bytearray(data)
        mutated[pos] ^= 0x40
        cases.append((f"flip@{pos}", bytes(mutated)))
    cases.append(("cut", data[: len(data) - 7]))
    for name, blob in cases:
        path = tmp_path / f"{name}.{fmt}"
        path.write_bytes(blob)
        theirs = tshark_frames(path)
        mine, damage = ours(path)
        assert mine[: len(theirs)] == theirs, name  # every packet tshark reads, byte for byte
        if len(mine) != 10:
            assert damage, f"{name}: packets lost and nothing said"
        for d in damage:
            assert d.offset < len(blob) and d.why, name


def test_damaged_pcapng_block_is_skipped_and_reading_goes_on(pcapng: Path, tmp_path: Path) -> None:
    data = bytearray(pcapng.read_bytes())
    epb = 0x80  # the first enhanced packet block: set its captured length beyond the block
    struct.pack_into("<I", data, epb + 20, 0x00FFFFFF)
    path = tmp_path / "skip.pcapng"
    path.write_bytes(data)
    assert tshark_frames(path) == []  # tshark stops at the first bad block
    frames, damage = ours(path)
    assert frames == ours(BUNDLE)[0][1:]  # we keep the 9 after it
    assert [(d.record, d.offset) for d in damage] == [(1, epb)]
    assert "captured length 16,777,215" in str(damage[0])


def test_pcap_absurd_caplen_ends_the_file_and_says_so(tmp_path: Path) -> None:
    data = bytearray(BUNDLE.read_bytes())
    frames = ours(BUNDLE)[0]
    fifth = 24 + sum(16 + len(f) for f in frames[:4])  # tshark guesses on the first records
    struct.pack_into("<I", data, fifth + 8, 0xFFFFFFF0)
    path = tmp_path / "absurd.pcap"
    path.write_bytes(data)
    tracemalloc.start()
    mine, damage = ours(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1_000_000
    assert mine == frames[:4] == tshark_frames(path)
    assert [(d.record, d.offset) for d in damage] == [(5, fifth)]
    assert "4,294,967,280" in damage[0].why and "rest is unreadable" in damage[0].why


def test_osi_index_past_the_damage_says_why(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = BUNDLE.read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-5])
    for args in (
        ["osi", "--pcap", str(path), "--index", "10"],
        ["capture", "--read", str(path), "--osi", "10"],
    ):
        result = run_cli(*args)
        assert result.returncode == 1
        [line] = result.stderr.strip().splitlines()
        assert "has 9 packets, not 10 (record 10 at byte" in line and "cut short" in line


@pytest.mark.parametrize("size", [4, 8, 12, 16, 20, 28])
def test_bounded_lengths_in_pcapng_options_and_blocks(tmp_path: Path, size: int) -> None:
    """A block or option claiming gigabytes, in a file and in a stream: no big allocation."""
    shb = struct.pack("<IIIHHq", pcapio.PCAPNG_SHB, 28, pcapio.PCAPNG_BOM, 1, 0, -1)
    shb += struct.pack("<I", 28)
    # An IDB whose option claims 65,535 bytes, then a block claiming ~2 GiB.
    idb_body = struct.pack("<HHI", 1, 0, 0) + struct.pack("<HH", 9, 0xFFFF) + b"\0" * (size % 8)
    idb_body += b"\0" * (-len(idb_body) % 4)
    idb = (
        struct.pack("<II", 1, 12 + len(idb_body)) + idb_body + struct.pack("<I", 12 + len(idb_body))
    )
    huge = struct.pack("<II", 6, 0x7FFFFFFC) + b"\0" * size
    path = tmp_path / "huge.pcapng"
    path.write_bytes(shb + idb + huge)
    tracemalloc.start()
    frames, damage = ours(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert frames == [] and peak < 1_000_000
    assert len(damage) == 1 and "2,147,483,644" in damage[0].why


# ---------------------------------------------------------------- 6. FIFOs and pipes


def test_fifo_is_read_like_a_file(tmp_path: Path, pcapng: Path) -> None:
    for src in (BUNDLE, pcapng):
        fifo = tmp_path / f"live-{src.suffix[1:]}"
        os.mkfifo(fifo)

        def feed(src: Path = src, fifo: Path = fifo) -> None:
            with open(fifo, "wb") as w:
                data = src.read_bytes()
                for i in range(0, len(data), 100):  # in small writes, like a live writer
                    w.write(data[i : i + 100])
                    w.flush()

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        frames, damage = ours(fifo)
        writer.join(10)
        assert frames == ours(BUNDLE)[0] and damage == []


def test_fifo_with_a_huge_block_length_stays_bounded(tmp_path: Path) -> None:
    fifo = tmp_path / "huge"
    os.mkfifo(fifo)
    data = BUNDLE.read_bytes()[:24] + struct.pack("<IIII", 0, 0, 0x7FFFFFFF, 60)

    def feed() -> None:
        with open(fifo, "wb") as w:
            w.write(data)

    threading.Thread(target=feed, daemon=True).start()
    tracemalloc.start()
    frames, damage = ours(fifo)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(frames) == 0 and peak < 1_000_000
    assert "rest is unreadable" in damage[-1].why


def test_process_substitution_path_is_read(tmp_path: Path) -> None:
    """`netlearn capture --read <(cat x.pcap)`: the shell passes /dev/fd/N, a pipe."""
    read_fd, write_fd = os.pipe()
    data = BUNDLE.read_bytes()

    def feed() -> None:
        with os.fdopen(write_fd, "wb") as w:
            w.write(data)

    proc = subprocess.Popen(
        [sys.executable, "-m", "netlearn", "capture", "--read", f"/dev/fd/{read_fd}"]
        + ["--format", "json"],
        pass_fds=(read_fd,),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    os.close(read_fd)
    threading.Thread(target=feed, daemon=True).start()
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    events = [json.loads(x) for x in out.splitlines()]
    assert events[0]["packets"] == 10 and events[0]["connections"] == 1


def test_bash_process_substitution_with_osi(tmp_path: Path) -> None:
    cmd = f"{sys.executable} -m netlearn capture --read <(cat {BUNDLE}) --osi 3 --format json"
    result = subprocess.run(
        ["bash", "-c", cmd], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert result.returncode == 0, result.stderr
    [event] = [json.loads(x) for x in result.stdout.splitlines()]
    assert bytes.fromhex(event["raw"]) == ours(BUNDLE)[0][2]


def test_folder_and_missing_file_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(NetlearnError, match="is a folder"):
        list(pcapio.iter_records(tmp_path))
    with pytest.raises(NetlearnError, match="no capture file"):
        list(pcapio.iter_records(tmp_path / "missing.pcap"))


@pytest.mark.parametrize("size", [0, 1, 5, 13])
def test_frame_too_short_for_its_link_layer_is_one_line(run_cli, tmp_path: Path, size: int) -> None:  # type: ignore[no-untyped-def]
    """Found by the fuzzer: scapy's Ether() raises struct.error on a 1-byte frame."""
    path = tmp_path / "short.pcap"
    with pcapio.PcapWriter(path, headers.LINKTYPE_ETHERNET) as w:
        w.write(1.0, b"\x00" * size)
    result = run_cli("osi", "--pcap", str(path), "--format", "json")
    if result.returncode == 0:  # scapy may manage (an empty Ether); then it is a normal view
        assert json.loads(result.stdout)["raw"] == "00" * size
    else:
        [line] = result.stderr.strip().splitlines()
        assert line.startswith("netlearn: packet 1 of 'short.pcap'") and "Traceback" not in line
