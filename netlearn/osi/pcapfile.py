"""Open one packet of a capture file in the inspector, with clear errors for bad files."""

from __future__ import annotations

from pathlib import Path

from netlearn.errors import NetlearnError
from netlearn.events import PacketView


def read_packet(path: Path, index: int) -> PacketView:
    """Packet number `index` (1-based) of a pcap or pcapng file, dissected."""
    from scapy.error import Scapy_Exception
    from scapy.utils import PcapReader

    from netlearn.osi.dissect import packet_view

    if not path.is_file():
        raise NetlearnError(f"no capture file {str(path)!r}")
    try:
        with PcapReader(str(path)) as reader:  # type: ignore[no-untyped-call]
            for number, pkt in enumerate(reader, start=1):
                if number == index:
                    label = f"{path.name} packet {index}"
                    return packet_view(pkt, label, source=f"{path}#{index}")
    except (Scapy_Exception, EOFError, OSError, ValueError, struct_error()) as exc:
        raise NetlearnError(
            f"{str(path)!r} is not a readable pcap/pcapng capture ({exc})"
        ) from None
    if index == 1:
        raise NetlearnError(f"{str(path)!r} holds no packets")
    raise NetlearnError(f"{str(path)!r} has {number} packets, not {index}")


def struct_error() -> type[Exception]:
    import struct

    return struct.error
