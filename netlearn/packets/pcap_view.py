"""Open one captured packet in the OSI inspector: scapy dissects it, only this one.

The listing and the ladder read headers with `struct`; the inspector shows every field of every
layer, which is scapy's job (`netlearn.packets.fields.packet_view` walks its `fields_desc`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import PacketView
from netlearn.packets.headers import (
    LINKTYPE_ETHERNET,
    LINKTYPE_IPV4,
    LINKTYPE_IPV6,
    LINKTYPE_LINUX_SLL,
    LINKTYPE_LINUX_SLL2,
    LINKTYPE_NULL,
    LINKTYPE_RAW,
    TcpPacket,
)


def scapy_packet(frame: bytes, linktype: int):  # type: ignore[no-untyped-def]
    """The frame dissected by scapy, from its link layer up."""
    import scapy.layers.dns  # noqa: F401  (binds DNS to port 53, as `osi --pcap` always did)

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
    raise NetlearnError(say("core.capture.inspector.link-type", linktype=linktype))


def view(pkt: TcpPacket, label: str, source: str) -> PacketView:
    """The inspector's event for one captured TCP packet."""
    from netlearn.packets.fields import packet_view

    return packet_view(scapy_packet(pkt.frame, pkt.linktype), label, source=source)


def from_list(packets: Sequence[TcpPacket], number: int, what: str) -> PacketView:
    """Packet `number` (1 = first) of packets kept from a live capture."""
    for pkt in packets:
        if pkt.number == number:
            return view(pkt, f"{what}, packet {number}", source=f"live#{number}")
    raise NetlearnError(f"{what} has {len(packets)} packets, not {number}")


def from_file(path: Path, number: int, label: str | None = None) -> PacketView:
    """Packet `number` (1 = first record, as Wireshark numbers them) of a capture file.

    The file is read by netlearn's own reader (`pcapio.iter_records`: bounded, and it names a
    damaged record); scapy only dissects the one frame asked for. `capture --read F --osi N`
    and `osi --pcap F --index N` both come here, so they always agree.
    """
    from netlearn.packets.pcapio import Damage, iter_records

    damage: list[Damage] = []
    count = 0
    for count, (ts, linktype, frame) in enumerate(iter_records(path, damage), start=1):
        if count == number:
            return _dissect(path, number, ts, linktype, frame, label)
    why = f" ({damage[0]})" if damage else ""
    if count == 0:
        raise NetlearnError(f"{str(path)!r} holds no packets{why}")
    raise NetlearnError(f"{str(path)!r} has {count} packets, not {number}{why}")


def _dissect(
    path: Path, number: int, ts: float, linktype: int, frame: bytes, label: str | None
) -> PacketView:
    from netlearn.packets.fields import packet_view

    title = label or say("core.capture.inspector.title", name=path.name, n=number)
    if not frame:  # scapy would show a default header: bytes that are not in the file
        raise NetlearnError(say("core.capture.inspector.empty", n=number, name=repr(path.name)))
    try:
        pkt = scapy_packet(frame, linktype)
        pkt.time = ts
        return packet_view(pkt, title, source=f"{path}#{number}")
    except NetlearnError:
        raise
    except Exception as exc:  # scapy's dissectors on damaged bytes: struct.error, IndexError...
        why = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise NetlearnError(
            say(
                "core.capture.inspector.damaged",
                n=number,
                name=repr(path.name),
                size=len(frame),
                why=why,
            )
        ) from None
