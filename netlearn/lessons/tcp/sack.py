"""Selective acknowledgments, RFC 2018: the receiver's blocks and the sender's scoreboard.

A SACK block is [left edge, right edge): bytes received above a hole. Sections 3 and 4: at most
four blocks fit in the 40 bytes of options (three with timestamps); the first block must hold the
segment that triggered this ACK; the others repeat the most recently reported blocks.
"""

from __future__ import annotations

from netlearn.packets import tcp as sg

MAX_BLOCKS = 4  # 2 + 8n <= 40 bytes of options, with two NOPs in front: n <= 4 (section 3)


def merge(blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join overlapping or touching [left, right) ranges (sequence arithmetic, no wrap inside)."""
    out: list[tuple[int, int]] = []
    for left, right in sorted(blocks, key=lambda b: b[0]):
        if out and sg.seq_le(left, out[-1][1]):
            if sg.seq_lt(out[-1][1], right):
                out[-1] = (out[-1][0], right)
        else:
            out.append((left, right))
    return out


class Receiver:
    """The out-of-order segments a receiver holds, and the blocks it reports (section 4)."""

    def __init__(self) -> None:
        self.held: dict[int, bytes] = {}  # seq -> payload, above RCV.NXT
        self.recent: list[tuple[int, int]] = []  # blocks, most recently changed first

    def hold(self, seq: int, payload: bytes) -> None:
        self.held.setdefault(seq, payload)
        block = self._block_of(seq)
        self.recent = [block] + [b for b in self.recent if not _overlaps(b, block)]

    def take(self, rcv_nxt: int) -> tuple[bytes, int]:
        """The held bytes that now continue the stream at `rcv_nxt`: (bytes, new RCV.NXT)."""
        out = bytearray()
        while True:
            starts = [s for s in self.held if sg.seq_le(s, rcv_nxt)]
            if not starts:
                break
            progressed = False
            for s in sorted(starts, key=lambda x: (x - rcv_nxt) % 2**32):
                data = self.held.pop(s)
                end = sg.seq_add(s, len(data))
                if sg.seq_lt(rcv_nxt, end):
                    out += data[(rcv_nxt - s) % 2**32 :]
                    rcv_nxt = end
                    progressed = True
            if not progressed:
                break
        self.recent = [b for b in self.recent if sg.seq_lt(rcv_nxt, b[1])]
        return bytes(out), rcv_nxt

    def blocks(self) -> list[tuple[int, int]]:
        """The blocks to send now, first the most recent (section 4), at most four."""
        return self.recent[:MAX_BLOCKS]

    @property
    def holding(self) -> int:
        return sum(len(d) for d in self.held.values())

    def _block_of(self, seq: int) -> tuple[int, int]:
        ranges = merge([(s, sg.seq_add(s, len(d))) for s, d in self.held.items()])
        for left, right in ranges:
            if sg.seq_le(left, seq) and sg.seq_lt(seq, right):
                return (left, right)
        return (seq, seq)


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return sg.seq_lt(a[0], b[1]) and sg.seq_lt(b[0], a[1])


def option(blocks: list[tuple[int, int]]) -> tuple[tuple[str, object], ...]:
    """The option as Linux sends it: NOP, NOP, SACK (kind 5) with the blocks' edges."""
    if not blocks:
        return ()
    edges = tuple(x for block in blocks for x in block)
    return (("NOP", None), ("NOP", None), ("SAck", edges))


def blocks_of(options: tuple[tuple[str, str], ...]) -> list[tuple[int, int]]:
    """The blocks of a parsed segment's SACK option (empty when there is none)."""
    for name, value in options:
        if name == "SAck" and value:
            nums = [int(x) for x in str(value).split()]
            return [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
    return []


def covered(blocks: list[tuple[int, int]], seq: int, end: int) -> bool:
    """Whether [seq, end) lies inside one of the blocks (the sender's scoreboard test)."""
    return any(sg.seq_le(left, seq) and sg.seq_le(end, right) for left, right in blocks)
