"""Open one captured packet in the OSI inspector: scapy dissects it, only this one.

The listing and the ladder read headers with `struct`; the inspector shows every field of every
layer, which is scapy's job (`netlearn.osi.dissect.packet_view` walks its `fields_desc`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from netlearn.capture.headers import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
    TcpPacket,
)
from netlearn.errors import NetlearnError
from netlearn.events import PacketView


def scapy_packet(frame: bytes, linktype: int):  # type: ignore[no-untyped-def]
    """The frame dissected by scapy, from its link layer up."""
    if linktype == LINKTYPE_ETHERNET:
        from scapy.layers.inet import IP  # noqa: F401  (binds IP to Ether)
        from scapy.layers.inet6 import IPv6  # noqa: F401
        from scapy.layers.l2 import Ether

        return Ether(frame)
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        from scapy.layers.inet import IP
        from scapy.layers.inet6 import IPv6

        return IPv6(frame) if frame and frame[0] >> 4 == 6 else IP(frame)
    if linktype == LINKTYPE_LINUX_SLL:
        from scapy.layers.inet import IP  # noqa: F401
        from scapy.layers.l2 import CookedLinux

        return CookedLinux(frame)
    if linktype == LINKTYPE_LINUX_SLL2:
        from scapy.layers.inet import IP  # noqa: F401
        from scapy.layers.l2 import CookedLinuxV2

        return CookedLinuxV2(frame)
    if linktype == LINKTYPE_NULL:
        from scapy.layers.inet import IP  # noqa: F401
        from scapy.layers.l2 import Loopback

        return Loopback(frame)
    raise NetlearnError(f"cannot open packets of link type {linktype} in the inspector")


def view(pkt: TcpPacket, label: str, source: str) -> PacketView:
    """The inspector's event for one captured TCP packet."""
    from netlearn.osi.dissect import packet_view

    return packet_view(scapy_packet(pkt.frame, pkt.linktype), label, source=source)


def from_list(packets: Sequence[TcpPacket], number: int, what: str) -> PacketView:
    """Packet `number` (1 = first) of packets kept from a live capture."""
    for pkt in packets:
        if pkt.number == number:
            return view(pkt, f"{what}, packet {number}", source=f"live#{number}")
    raise NetlearnError(f"{what} has {len(packets)} packets, not {number}")


def from_file(path: Path, number: int) -> PacketView:
    """Packet `number` (1 = first record, as Wireshark numbers them) of a capture file."""
    from netlearn.capture.pcapio import iter_records

    count = 0
    for count, (ts, linktype, frame) in enumerate(iter_records(path), start=1):
        if count == number:
            from netlearn.osi.dissect import packet_view

            pkt = scapy_packet(frame, linktype)
            pkt.time = ts
            return packet_view(pkt, f"{path.name}, packet {number}", source=f"{path}#{number}")
    if count == 0:
        raise NetlearnError(f"{str(path)!r} holds no packets")
    raise NetlearnError(f"{str(path)!r} has {count} packets, not {number}")
