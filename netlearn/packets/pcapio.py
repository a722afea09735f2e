"""pcap and pcapng files: read record by record with `struct`, write owner-only.

A pcap file is a 24-byte global header (magic number, version, snapshot length, link type)
followed by records: a 16-byte header (seconds, micro- or nanoseconds, captured length,
original length) and the frame's bytes. pcapng, what Wireshark and dumpcap write by default,
is a list of typed blocks; we read its interface descriptions and packet blocks.

The file is read as a stream, so a FIFO or `<(zcat x.pcap.gz)` reads like a file, and every
length the file states is checked before anything is read on its word: a record is at most
`MAX_CAPLEN` bytes, a pcapng block at most `MAX_BLOCK` (and never more than the file holds).
Memory stays bounded however long the capture is, and whatever its bytes say.

A damaged record is reported, not fatal: the records before it are kept, and in pcapng, whose
blocks carry their own lengths, reading goes on after a damaged packet block. What was wrong
(record number, byte offset, why) lands in the `damage` list the caller passes.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.safefile import PrivateFile, open_private

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
PCAPNG_SHB = 0x0A0D0D0A
PCAPNG_BOM = 0x1A2B3C4D
SNAPLEN = 262144
MAX_CAPLEN = 262144  # the largest record tshark accepts for Ethernet, raw IP and loopback
MAX_BLOCK = 16 * 1024 * 1024  # a pcapng block longer than this is a damaged length field

Record = tuple[float, int, bytes]  # (timestamp in seconds, link type, frame bytes)


class Damage(NamedTuple):
    """One damaged record: `record` is the number it would have had (None: not a packet)."""

    record: int | None
    offset: int  # of its first byte in the file (-1: a packet read whole, damaged inside)
    why: str

    def __str__(self) -> str:
        where = (
            say("core.capture.damage.record", n=self.record)
            if self.record is not None
            else say("core.capture.damage.block")
        )
        at = say("core.capture.damage.at", offset=self.offset) if self.offset >= 0 else ""
        return say("core.capture.damage.said", where=where, at=at, why=self.why)


def _bad(path: Path, why: str) -> NetlearnError:
    return NetlearnError(say("core.capture.file.not-readable", path=repr(str(path)), why=why))


def _open(path: Path) -> BinaryIO:
    """The file opened for reading: a regular file, a FIFO, a pipe (`/dev/fd/N`) or a device."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 (the caller closes it)
    except FileNotFoundError:
        raise NetlearnError(say("core.capture.file.missing", path=repr(str(path)))) from None
    except IsADirectoryError:
        raise NetlearnError(say("core.capture.file.folder", path=repr(str(path)))) from None
    except OSError as exc:
        error = exc.strerror
        raise NetlearnError(
            say("core.capture.file.cannot-read", path=repr(str(path)), error=error)
        ) from None
    mode = os.fstat(fh.fileno()).st_mode
    if stat.S_ISDIR(mode):
        fh.close()
        raise NetlearnError(say("core.capture.file.folder", path=repr(str(path))))
    return fh


class _Stream:
    """Reads exact byte counts and knows its offset; `left` is what a regular file still holds."""

    def __init__(self, fh: BinaryIO) -> None:
        st = os.fstat(fh.fileno())
        self.size: int | None = st.st_size if stat.S_ISREG(st.st_mode) else None
        self.read: Callable[[int], bytes] = fh.read
        self.offset = 0

    def fits(self, length: int) -> bool:
        """Whether `length` more bytes can be there (always, for a pipe)."""
        return self.size is None or self.offset + length <= self.size


def iter_records(path: Path, damage: list[Damage] | None = None) -> Iterator[Record]:
    """Every packet record of a pcap or pcapng file, in file order.

    Damaged records are skipped and described in `damage` (when given). A file cut off in the
    middle of a record (a capture still being written, or killed) ends after its last whole
    record, as tcpdump and tshark read it.
    """
    found: list[Damage] = [] if damage is None else damage
    with _open(path) as fh:
        src = _Stream(fh)
        head = src.read(24)
        if len(head) < 24:
            raise _bad(path, say("core.capture.file.too-short"))
        src.offset = 24
        if struct.unpack_from("<I", head, 0)[0] == PCAPNG_SHB:
            yield from _pcapng(path, src, head, found)
        else:
            yield from _pcap(path, src, head, found)


def _pcap(path: Path, src: _Stream, head: bytes, damage: list[Damage]) -> Iterator[Record]:
    for order in ("<", ">"):
        magic = struct.unpack_from(order + "I", head, 0)[0]
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            break
    else:
        raise _bad(path, "unknown magic number")
    scale = 1e-6 if magic == PCAP_MAGIC_US else 1e-9
    linktype = struct.unpack_from(order + "I", head, 20)[0] & 0xFFFF
    if src.size is not None:
        yield from _pcap_chunked(src, struct.Struct(order + "IIII"), scale, linktype, damage)
        return
    unpack = struct.Struct(order + "IIII").unpack
    read = src.read
    off = 24
    number = 0
    while True:
        rec = read(16)
        if not rec:
            break
        number += 1
        if len(rec) < 16:
            damage.append(Damage(number, off, say("core.capture.damage.header-cut")))
            break
        sec, frac, incl, _orig = unpack(rec)
        if incl > MAX_CAPLEN:
            why = say("core.capture.damage.caplen-over", caplen=incl, most=MAX_CAPLEN)
            damage.append(Damage(number, off, why))
            break
        frame = read(incl)
        if len(frame) < incl:
            why = say("core.capture.damage.cut-short", have=len(frame), caplen=incl)
            damage.append(Damage(number, off, why))
            break
        yield sec + frac * scale, linktype, frame
        off += 16 + incl
    src.offset = off


CHUNK = 1 << 16  # 64 KiB: a few records a read, memory stays small


def _pcap_chunked(
    src: _Stream, header: struct.Struct, scale: float, linktype: int, damage: list[Damage]
) -> Iterator[Record]:
    """`_pcap`'s records of a regular file, read 64 KiB at a time (two reads a record
    cost more than the rest of reading it). The same records, checks and damage reports."""
    unpack_from = header.unpack_from
    read = src.read
    buf = b""
    pos = 0  # of the next record in buf
    off = 24  # of the next record in the file
    number = 0
    while True:
        if len(buf) - pos < 16:
            buf = buf[pos:] + read(CHUNK)
            pos = 0
            if not buf:
                break
        number += 1
        if len(buf) - pos < 16:
            damage.append(Damage(number, off, say("core.capture.damage.header-cut")))
            break
        sec, frac, incl, _orig = unpack_from(buf, pos)
        if incl > MAX_CAPLEN:
            why = say("core.capture.damage.caplen-over", caplen=incl, most=MAX_CAPLEN)
            damage.append(Damage(number, off, why))
            break
        end = pos + 16 + incl
        if end > len(buf):
            buf = buf[pos:] + read(max(CHUNK, end - len(buf)))
            pos, end = 0, 16 + incl
            if end > len(buf):
                why = say("core.capture.damage.cut-short", have=len(buf) - 16, caplen=incl)
                damage.append(Damage(number, off, why))
                break
        yield sec + frac * scale, linktype, buf[pos + 16 : end]
        pos = end
        off += 16 + incl
    src.offset = off


class _Iface(NamedTuple):
    linktype: int
    snaplen: int
    unit: float  # seconds per timestamp tick
    offset: float  # seconds added to every timestamp (if_tsoffset)


def _pcapng(path: Path, src: _Stream, head: bytes, damage: list[Damage]) -> Iterator[Record]:
    """Walk the blocks; `head` holds the first 24 bytes, which start the first SHB."""
    order = _byte_order(head[8:12])
    if order is None:
        raise _bad(path, say("core.capture.file.bad-magic"))
    pending = head  # bytes already read of the current block
    off = 0
    number = 0  # packets yielded
    ifaces: list[_Iface | None] = []
    unpack_epb = struct.Struct(order + "IIIII").unpack_from
    while True:
        if len(pending) < 8:
            more = src.read(8 - len(pending))
            if not pending and not more:
                break
            pending += more
            if len(pending) < 8:
                damage.append(Damage(None, off, say("core.capture.damage.header-cut")))
                break
        btype = struct.unpack_from(order + "I", pending, 0)[0]
        if btype == PCAPNG_SHB:
            if len(pending) < 12:
                pending += src.read(12 - len(pending))
                if len(pending) < 12:
                    why = say("core.capture.damage.header-cut")
                    damage.append(Damage(None, off, why))
                    break
            new_order = _byte_order(pending[8:12])
            if new_order is None:
                why = say("core.capture.damage.bad-section")
                damage.append(Damage(None, off, why))
                break
            order, ifaces = new_order, []
            unpack_epb = struct.Struct(order + "IIIII").unpack_from
        blen = struct.unpack_from(order + "I", pending, 4)[0]
        packet = btype in (2, 3, 6)
        which = number + 1 if packet else None
        if blen < 12 or blen % 4 or blen > MAX_BLOCK or blen < len(pending):
            why = say("core.capture.damage.block-length", length=blen)
            damage.append(Damage(which, off, why))
            break
        src.offset = off + len(pending)
        if not src.fits(blen - len(pending)):
            left = (src.size or 0) - off
            why = say("core.capture.damage.block-cut", length=blen, left=left)
            damage.append(Damage(which, off, why))
            break
        rest = src.read(blen - len(pending))
        block = pending + rest
        pending = b""
        if len(block) < blen:
            why = say("core.capture.damage.block-cut", length=blen, left=len(block))
            damage.append(Damage(which, off, why))
            break
        trailer = struct.unpack_from(order + "I", block, blen - 4)[0]
        if trailer != blen:
            why = say("core.capture.damage.lengths-differ", length=blen, trailer=trailer)
            damage.append(Damage(which, off, why))
            break
        if btype == 6 and blen >= 32:  # the usual case, inline: an enhanced packet block
            iface, hi, lo, caplen, _orig = unpack_epb(block, 8)
            desc = ifaces[iface] if iface < len(ifaces) else None
            if desc is not None and caplen <= blen - 32:
                number += 1
                yield (
                    ((hi << 32) | lo) * desc.unit + desc.offset,
                    desc.linktype,
                    block[28 : 28 + caplen],
                )
                off += blen
                continue
        body = memoryview(block)[8 : blen - 4]
        if btype == 1:  # Interface Description Block
            ifaces.append(_idb(body, order))
            if ifaces[-1] is None:
                damage.append(Damage(None, off, say("core.capture.damage.short-interface")))
        elif packet:
            got = _packet(btype, body, order, ifaces)
            if isinstance(got, str):
                damage.append(Damage(which, off, got))
            else:
                number += 1
                yield got
        off += blen
    src.offset = off


def _byte_order(bom: bytes) -> str | None:
    if len(bom) == 4:
        for order in ("<", ">"):
            if struct.unpack(order + "I", bom)[0] == PCAPNG_BOM:
                return order
    return None


def _idb(body: memoryview, order: str) -> _Iface | None:
    if len(body) < 8:
        return None
    linktype, _reserved, snaplen = struct.unpack_from(order + "HHI", body, 0)
    unit, shift = 1e-6, 0.0
    off, end = 8, len(body)
    while off + 4 <= end:
        code, length = struct.unpack_from(order + "HH", body, off)
        if code == 0 or off + 4 + length > end:
            break
        if code == 9 and length >= 1:  # if_tsresol
            value = body[off + 4]
            unit = 2.0 ** -(value & 0x7F) if value & 0x80 else 10.0 ** -min(value, 300)
        elif code == 14 and length == 8:  # if_tsoffset
            shift = float(struct.unpack_from(order + "q", body, off + 4)[0])
        off += 4 + ((length + 3) & ~3)
    return _Iface(linktype, snaplen, unit, shift)


def _packet(btype: int, body: memoryview, order: str, ifaces: list[_Iface | None]) -> Record | str:
    """The record in an enhanced (6), obsolete (2) or simple (3) packet block, or why not."""
    if btype == 3:
        if len(body) < 4:
            return say("core.capture.damage.short-simple")
        if not ifaces or ifaces[0] is None:
            return say("core.capture.damage.simple-first")
        orig = struct.unpack_from(order + "I", body, 0)[0]
        caplen = min(orig, len(body) - 4)
        if ifaces[0].snaplen:
            caplen = min(caplen, ifaces[0].snaplen)
        return ifaces[0].offset, ifaces[0].linktype, bytes(body[4 : 4 + caplen])
    if len(body) < 20:
        return say("core.capture.damage.short-packet")
    if btype == 6:
        iface, hi, lo, caplen, _orig = struct.unpack_from(order + "IIIII", body, 0)
    else:
        iface, _drops, hi, lo, caplen, _orig = struct.unpack_from(order + "HHIIII", body, 0)
    if iface >= len(ifaces):
        return say("core.capture.damage.no-interface", iface=iface, count=len(ifaces))
    desc = ifaces[iface]
    if desc is None:
        return say("core.capture.damage.damaged-interface", iface=iface)
    if caplen > len(body) - 20:
        return say("core.capture.damage.caplen-block", caplen=caplen, room=len(body) - 20)
    ts = ((hi << 32) | lo) * desc.unit + desc.offset
    return ts, desc.linktype, bytes(body[20 : 20 + caplen])


def linktype_of(path: Path) -> int:
    """The link type of a capture's first record (or of its header when it has none)."""
    for _ts, linktype, _frame in iter_records(path):
        return linktype
    with _open(path) as fh:
        head = fh.read(24)
    for order in ("<", ">"):
        if len(head) == 24 and struct.unpack_from(order + "I", head, 0)[0] in (
            PCAP_MAGIC_US,
            PCAP_MAGIC_NS,
        ):
            return int(struct.unpack_from(order + "I", head, 20)[0] & 0xFFFF)
    return -1


class PcapWriter:
    """Writes a classic pcap file (microsecond timestamps), record by record, mode 0600.

    The file is made by `netlearn.safefile`: never through a symlink, handed to the sudo user.
    """

    def __init__(self, path: Path, linktype: int, snaplen: int = SNAPLEN) -> None:
        self.path = path
        self._out: PrivateFile = open_private(path)
        self._fh = self._out.fh
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
        self._out.close()

    def __enter__(self) -> PcapWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
