"""Open one packet of a capture file in the inspector, with clear errors for bad files.

`osi --pcap FILE --index N` reads the file exactly as `capture --read FILE --osi N` does: with
netlearn's own reader (bounded; it names a damaged record), and scapy dissects only the frame.
Two readers used to disagree on damaged files.
"""

from __future__ import annotations

from pathlib import Path

from netlearn.events import PacketView


def read_packet(path: Path, index: int) -> PacketView:
    """Packet number `index` (1-based) of a pcap or pcapng file, dissected."""
    from netlearn.packets.pcap_view import from_file

    return from_file(path, index, label=f"{path.name} packet {index}")
