"""Write a trace's packets as a pcap file that Wireshark and tshark open.

The packets are IPv4 datagrams without a link-layer header: the simulated packets never
crossed a real link, so they get no invented MAC addresses. The pcap link type for that is
LINKTYPE_RAW (101, "raw IP").
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.lessons.tcp.sim import Captured
from netlearn.safefile import check_target, open_private

LINKTYPE_RAW = 101
# 14 November 2023 22:13:20 UTC: a fixed start, so a seeded run writes the same file every time.
FIXED_EPOCH = 1_700_000_000.0


def check_pcap_path(path: Path) -> None:
    """Fail before a scenario runs on a file name we cannot honour."""
    if path.suffix.lower() == ".pcapng":
        raise NetlearnError(say("tcp.errors.pcapng", name=path.name))
    if path.suffix.lower() not in (".pcap", ".cap"):
        raise NetlearnError(say("tcp.errors.not-pcap", name=path.name))
    check_target(path)  # a missing folder, a symlink, a FIFO ... fail here, before the run


def write_pcap(path: Path, packets: Iterable[Captured], start: float = FIXED_EPOCH) -> int:
    """Write `packets` with timestamps `start + t`; return how many were written.

    The file is made by `netlearn.safefile` (never through a symlink, 0600); scapy's writer
    writes into that file object, not to a name of its own opening.
    """
    from scapy.utils import PcapWriter

    check_pcap_path(path)
    count = 0
    with open_private(path, atomic=True) as out:
        try:
            writer = PcapWriter(out.fh, linktype=LINKTYPE_RAW)
            writer.write_header(None)
            for pkt in packets:
                micros = round((start + pkt.t) * 1_000_000)
                writer.write_packet(pkt.raw, sec=micros // 1_000_000, usec=micros % 1_000_000)
                count += 1
            writer.flush()
        except OSError as exc:
            raise NetlearnError(
                say("tcp.errors.cannot-write", path=str(path), reason=exc.strerror)
            ) from None
    return count
