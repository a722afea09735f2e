"""What a capture holds besides TCP, in one line: UDP (and DNS among it), ICMP, ARP ...

Only frames that are not TCP come here, so a capture of TCP alone costs nothing. The names
and what they count follow tshark's protocol hierarchy (`tshark -q -z io,phs`): "DNS" is UDP
to or from port 53, and is counted in "UDP" too; "IPv6" counts the non-TCP packets carried
over IPv6 (their protocol is counted as well).
"""

from __future__ import annotations

from netlearn.packets.headers import LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, ip_offset

ORDER = ("UDP", "DNS", "ICMP", "ICMPv6", "ARP", "IPv6", "other IP", "not IP")
_IP6_EXT = {0, 43, 60}


def new_counts() -> dict[str, int]:
    return dict.fromkeys(ORDER, 0)


def classify(frame: bytes, linktype: int, counts: dict[str, int]) -> None:
    """Count one frame that is not a TCP segment."""
    off = ip_offset(linktype, frame)
    if off < 0 or off >= len(frame):
        ethertype = None
        if linktype == LINKTYPE_ETHERNET and len(frame) >= 14:
            ethertype = frame[12:14]
        elif linktype == LINKTYPE_LINUX_SLL and len(frame) >= 16:
            ethertype = frame[14:16]
        counts["ARP" if ethertype == b"\x08\x06" else "not IP"] += 1
        return
    version = frame[off] >> 4
    if version == 4 and len(frame) >= off + 20:
        proto = frame[off + 9]
        l4 = off + (frame[off] & 0x0F) * 4
        if (frame[off + 6] & 0x1F) or frame[off + 7]:
            counts["other IP"] += 1  # a later fragment: its protocol's header is elsewhere
            return
    elif version == 6 and len(frame) >= off + 40:
        counts["IPv6"] += 1
        proto, l4 = frame[off + 6], off + 40
        while proto in _IP6_EXT and len(frame) >= l4 + 8:
            proto, l4 = frame[l4], l4 + (frame[l4 + 1] + 1) * 8
    else:
        counts["other IP"] += 1
        return
    if proto == 17:
        counts["UDP"] += 1
        if len(frame) >= l4 + 4 and 53 in (
            int.from_bytes(frame[l4 : l4 + 2], "big"),
            int.from_bytes(frame[l4 + 2 : l4 + 4], "big"),
        ):
            counts["DNS"] += 1
    elif proto == 1:
        counts["ICMP"] += 1
    elif proto == 58:
        counts["ICMPv6"] += 1
    elif proto != 6:  # TCP here is a damaged or cut-short segment
        counts["other IP"] += 1
