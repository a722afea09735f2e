"""Open one packet of a capture file in the inspector, with clear errors for bad files."""

from __future__ import annotations

import logging
import struct
from pathlib import Path

from netlearn.errors import NetlearnError
from netlearn.events import PacketView


class _Collect(logging.Handler):
    """Keeps scapy's warnings about the file (a truncated record) instead of printing them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def read_packet(path: Path, index: int) -> PacketView:
    """Packet number `index` (1-based) of a pcap or pcapng file, dissected."""
    # Register the link types and port bindings a capture may need (never scapy.all: too slow).
    import scapy.layers.dns
    import scapy.layers.inet
    import scapy.layers.inet6
    import scapy.layers.l2  # noqa: F401
    from scapy.error import Scapy_Exception
    from scapy.utils import PcapReader

    from netlearn.osi.dissect import packet_view

    if not path.is_file():
        raise NetlearnError(f"no capture file {str(path)!r}")
    log = logging.getLogger("scapy.runtime")
    collect = _Collect()
    saved = log.propagate
    log.addHandler(collect)
    log.propagate = False
    number = 0
    bad = f"{str(path)!r} is not a readable pcap/pcapng capture"
    try:
        with PcapReader(str(path)) as reader:  # type: ignore[no-untyped-call]
            for number, pkt in enumerate(reader, start=1):
                if any("truncated" in m for m in collect.messages):
                    raise NetlearnError(f"{bad}: packet {number} is cut short (truncated file)")
                if number == index:
                    return packet_view(pkt, f"{path.name} packet {index}", source=f"{path}#{index}")
    except NetlearnError:
        raise
    except (Scapy_Exception, EOFError, OSError, ValueError, struct.error) as exc:
        raise NetlearnError(f"{bad} ({exc})") from None
    finally:
        log.removeHandler(collect)
        log.propagate = saved
    if number == 0:
        raise NetlearnError(f"{str(path)!r} holds no packets")
    raise NetlearnError(f"{str(path)!r} has {number} packets, not {index}")
