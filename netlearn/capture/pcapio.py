"""pcap and pcapng files: read record by record with `struct`, write owner-only.

A pcap file is a 24-byte global header (magic number, version, snapshot length, link type)
followed by records: a 16-byte header (seconds, micro- or nanoseconds, captured length,
original length) and the frame's bytes. pcapng, what Wireshark and dumpcap write by default,
is a list of typed blocks; we read its interface descriptions and packet blocks.

Reading maps the file into memory and walks it with `struct.unpack_from`: no copy of the file,
no per-packet objects beyond the frame bytes the caller asks for. Memory stays bounded however
long the capture is.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from netlearn.errors import NetlearnError

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D
SNAPLEN = 262144

Record = tuple[float, int, bytes]  # (timestamp in seconds, link type, frame bytes)


class _Mapped:
    """A read-only memory map of a file (an empty file maps to b"")."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise NetlearnError(f"no capture file {str(path)!r}")
        try:
            self._fh: BinaryIO = open(path, "rb")  # noqa: SIM115 (closed in close())
        except OSError as exc:
            raise NetlearnError(f"cannot read {str(path)!r}: {exc.strerror}") from None
        size = os.fstat(self._fh.fileno()).st_size
        self.buf: bytes | mmap.mmap = (
            mmap.mmap(self._fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        )

    def close(self) -> None:
        if isinstance(self.buf, mmap.mmap):
            self.buf.close()
        self._fh.close()


def _bad(path: Path, why: str) -> NetlearnError:
    return NetlearnError(f"{str(path)!r} is not a readable pcap/pcapng capture ({why})")


def iter_records(path: Path) -> Iterator[Record]:
    """Every packet record of a pcap or pcapng file, in file order.

    A file cut off in the middle of a record (a capture still being written, or killed) ends
    quietly after its last whole record, as tcpdump and tshark read it.
    """
    mapped = _Mapped(path)
    try:
        buf = mapped.buf
        if len(buf) < 24:
            raise _bad(path, "too short for a capture header")
        magic_le = struct.unpack_from("<I", buf, 0)[0]
        if magic_le == PCAPNG_SHB:
            yield from _pcapng(path, buf)
        else:
            yield from _pcap(path, buf)
    finally:
        mapped.close()


def _pcap(path: Path, buf: bytes | mmap.mmap) -> Iterator[Record]:
    for order in ("<", ">"):
        magic = struct.unpack_from(order + "I", buf, 0)[0]
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            break
    else:
        raise _bad(path, "unknown magic number")
    scale = 1e-6 if magic == PCAP_MAGIC_US else 1e-9
    linktype = struct.unpack_from(order + "I", buf, 20)[0] & 0xFFFF
    rec = struct.Struct(order + "IIII")
    unpack = rec.unpack_from
    end = len(buf)
    off = 24
    while off + 16 <= end:
        sec, frac, incl, _orig = unpack(buf, off)
        off += 16
        if off + incl > end:
            break
        yield sec + frac * scale, linktype, buf[off : off + incl]
        off += incl


def _pcapng(path: Path, buf: bytes | mmap.mmap) -> Iterator[Record]:
    end = len(buf)
    off = 0
    order = "<"
    ifaces: list[tuple[int, float]] = []  # (link type, seconds per timestamp unit)
    while off + 12 <= end:
        btype = struct.unpack_from(order + "I", buf, off)[0]
        if btype == PCAPNG_SHB:
            bom = struct.unpack_from("<I", buf, off + 8)[0]
            order = "<" if bom == PCAPNG_BOM else ">"
            if struct.unpack_from(order + "I", buf, off + 8)[0] != PCAPNG_BOM:
                raise _bad(path, "bad pcapng byte-order magic")
            ifaces = []
        blen = struct.unpack_from(order + "I", buf, off + 4)[0]
        if blen < 12 or off + blen > end:
            break
        if btype == 1:  # Interface Description Block
            linktype = struct.unpack_from(order + "H", buf, off + 8)[0]
            ifaces.append((linktype, _tsresol(buf, off + 16, off + blen - 4, order)))
        elif btype == 6:  # Enhanced Packet Block
            iface, hi, lo, caplen, _orig = struct.unpack_from(order + "IIIII", buf, off + 8)
            if iface < len(ifaces):
                linktype, unit = ifaces[iface]
                start = off + 28
                yield ((hi << 32) | lo) * unit, linktype, buf[start : start + caplen]
        elif btype == 3 and ifaces:  # Simple Packet Block: no timestamp
            orig = struct.unpack_from(order + "I", buf, off + 8)[0]
            caplen = min(orig, blen - 16)
            yield 0.0, ifaces[0][0], buf[off + 12 : off + 12 + caplen]
        off += blen


def _tsresol(buf: bytes | mmap.mmap, off: int, end: int, order: str) -> float:
    """The interface's timestamp unit from its if_tsresol option (default microseconds)."""
    while off + 4 <= end:
        code, length = struct.unpack_from(order + "HH", buf, off)
        if code == 0:
            break
        if code == 9 and length >= 1:
            value = buf[off + 4]
            return 2.0 ** -(value & 0x7F) if value & 0x80 else 10.0**-value
        off += 4 + ((length + 3) & ~3)
    return 1e-6


def linktype_of(path: Path) -> int:
    """The link type of a capture's first record (or of its header when it has none)."""
    for _ts, linktype, _frame in iter_records(path):
        return linktype
    mapped = _Mapped(path)
    try:
        buf = mapped.buf
        if len(buf) >= 24 and struct.unpack_from("<I", buf, 0)[0] in (
            PCAP_MAGIC_US,
            PCAP_MAGIC_NS,
        ):
            return int(struct.unpack_from("<I", buf, 20)[0] & 0xFFFF)
        return -1
    finally:
        mapped.close()


def open_private(path: Path) -> BinaryIO:
    """Create (or empty) a file only its owner can read and write: captures can hold secrets.

    Under sudo, the file is handed to the user who ran sudo, so that they can open it.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise NetlearnError(f"cannot write {str(path)!r}: {exc.strerror}") from None
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode through O_TRUNC
    sudo_uid, sudo_gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if os.geteuid() == 0 and sudo_uid and sudo_uid.isdigit():
        gid = int(sudo_gid) if sudo_gid and sudo_gid.isdigit() else -1
        with contextlib.suppress(OSError):  # leaving it to root is safe, only less handy
            os.fchown(fd, int(sudo_uid), gid)
    return os.fdopen(fd, "wb")


class PcapWriter:
    """Writes a classic pcap file (microsecond timestamps), record by record, mode 0600."""

    def __init__(self, path: Path, linktype: int, snaplen: int = SNAPLEN) -> None:
        self.path = path
        self._fh = open_private(path)
        self._rec = struct.Struct("<IIII")
        self._fh.write(struct.pack("<IHHiIII", PCAP_MAGIC_US, 2, 4, 0, 0, snaplen, linktype))
        self.count = 0

    def write(self, ts: float, frame: bytes, orig_len: int | None = None) -> None:
        sec = int(ts)
        usec = int(round((ts - sec) * 1e6))
        if usec >= 1_000_000:
            sec, usec = sec + 1, usec - 1_000_000
        size = len(frame)
        self._fh.write(self._rec.pack(sec, usec, size, orig_len or size))
        self._fh.write(frame)
        self.count += 1

    def flush(self) -> None:
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
