"""`capture --read FILE --follow N`: the bytes each side of connection N sent, reassembled.

Like Wireshark's Follow TCP Stream: each side's data in sequence order, whatever order the
segments were captured in; bytes sent twice (retransmissions, overlaps) are shown once; a hole
the capture never filled is marked "[N bytes missing in capture file]", as tshark marks it.
Segments that arrive ahead of a hole are held until it is filled (out-of-order delivery), and
flushed with the mark at the end. Output is bounded: at most `limit` bytes are shown, the rest
is counted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from netlearn.errors import NetlearnError
from netlearn.events import Event, Title
from netlearn.lessons.capture.events import FollowEnd, StreamData
from netlearn.packets.headers import SYN
from netlearn.packets.tracker import CLIENT, SERVER, Tracker

MOD = 1 << 32
LIMIT = 1 << 20  # bytes shown at most (both sides together)
MAX_HELD = 1 << 24  # bytes held ahead of a hole before it is declared missing


def missing_mark(n: int) -> bytes:
    """What tshark writes in a followed stream where bytes were not captured.

    Byte for byte, as `tshark -z follow,tcp,raw` writes it: the C string's terminating NUL too.
    """
    return f"[{n} bytes missing in capture file]".encode() + b"\0"


class _Side:
    """One direction's reassembly: where its bytes start, how many were delivered, and the
    segments held ahead of a hole (by their offset in the stream)."""

    def __init__(self) -> None:
        self.base: int | None = None  # sequence number of the first data byte
        self.pos = 0  # bytes delivered
        self.held: dict[int, bytes] = {}
        self.held_bytes = 0

    def offset(self, seq: int) -> int:
        assert self.base is not None
        off = (seq - self.base) % MOD
        return off - MOD if off >= MOD // 2 else off


def reassemble(path: Path, stream: int) -> Iterator[tuple[str, bytes | int]]:
    """(side, data) in the order the data became contiguous; an int is a hole of that size."""
    from netlearn.lessons.capture.listing import stream_packets

    packets = stream_packets(path, stream)
    if not packets:
        raise NetlearnError(f"{str(path)!r} has no TCP connection number {stream}")
    tracker = Tracker(analyze=False)
    sides = {CLIENT: _Side(), SERVER: _Side()}
    for pkt in packets:
        _conn, src, _new = tracker._place(pkt)
        side = sides[src]
        if pkt.flags & SYN:
            side.base = (pkt.seq + 1) % MOD
            continue
        if side.base is None:
            side.base = pkt.seq
        data = pkt.payload
        if data:
            yield from _add(side, src, side.offset(pkt.seq), data)
    for name in (CLIENT, SERVER):
        yield from _flush(sides[name], name)


def _add(side: _Side, name: str, start: int, data: bytes) -> Iterator[tuple[str, bytes | int]]:
    if start + len(data) <= side.pos:
        return  # all sent before: a retransmission
    if start > side.pos:  # ahead of a hole: held until it is filled
        if len(side.held.get(start, b"")) < len(data):
            side.held_bytes += len(data) - len(side.held.get(start, b""))
            side.held[start] = data
        if side.held_bytes > MAX_HELD:
            yield from _flush(side, name)
        return
    data = data[side.pos - start :]
    yield name, data
    side.pos += len(data)
    yield from _drain(side, name)


def _drain(side: _Side, name: str) -> Iterator[tuple[str, bytes | int]]:
    """Deliver the held segments the delivered bytes have now reached."""
    while side.held:
        start = min(side.held)
        if start > side.pos:
            return
        data = side.held.pop(start)
        side.held_bytes -= len(data)
        if start + len(data) > side.pos:
            data = data[side.pos - start :]
            yield name, data
            side.pos += len(data)


def _flush(side: _Side, name: str) -> Iterator[tuple[str, bytes | int]]:
    """The held segments in order, each hole before them marked."""
    while side.held:
        start = min(side.held)
        if start > side.pos:
            yield name, start - side.pos
            side.pos = start
        yield from _drain(side, name)


def follow(path: Path, stream: int, limit: int = LIMIT) -> Iterator[Event]:
    """The followed stream as events: a title, the chunks, a closing count."""
    from netlearn.lessons.capture.listing import stream_packets

    first = stream_packets(path, stream)[:1]
    if not first:
        raise NetlearnError(f"{str(path)!r} has no TCP connection number {stream}")
    tracker = Tracker(analyze=False)
    conn, _src, _new = tracker._place(first[0])
    yield Title(
        text=f"Follow TCP stream {stream}",
        subtitle=f"{conn.endpoint(CLIENT)} (client) and {conn.endpoint(SERVER)} (server)",
    )
    shown = left = 0
    totals = {CLIENT: 0, SERVER: 0}
    for side, data in reassemble(path, stream):
        if isinstance(data, int):
            yield StreamData(side=side, data=b"", missing=data)
            continue
        totals[side] += len(data)
        room = limit - shown
        if room <= 0:
            left += len(data)
            continue
        part = data[:room]
        shown += len(part)
        left += len(data) - len(part)
        yield StreamData(side=side, data=part, text=_is_text(part))
    yield FollowEnd(
        client_bytes=totals[CLIENT], server_bytes=totals[SERVER], shown=shown, left_out=left
    )


def _is_text(data: bytes) -> bool:
    """Printable UTF-8 (tabs and line ends allowed): shown as text, otherwise as hex."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return all(c.isprintable() or c in "\r\n\t" for c in text)
