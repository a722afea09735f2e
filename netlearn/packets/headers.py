"""The IP and TCP headers of one captured frame, read with `struct` alone.

Reading a whole capture through scapy's dissectors costs tens of microseconds a packet; the few
fields a connection list needs cost about one here. scapy still dissects every packet the
learner opens (see `netlearn.packets.fields`), so nothing shown is decoded twice by hand.
"""

from __future__ import annotations

import functools
import socket
import struct

from netlearn.content.words import say
from netlearn.packets.tcp import FLAG_NAMES

# Link-layer header types of pcap files (https://www.tcpdump.org/linktypes.html).
LINKTYPE_NULL = 0  # BSD loopback: 4-byte address family in the host's byte order
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101  # a bare IPv4 or IPv6 packet
LINKTYPE_LINUX_SLL = 113  # Linux "cooked" capture, version 1
LINKTYPE_IPV4 = 228
LINKTYPE_IPV6 = 229
LINKTYPE_LINUX_SLL2 = 276

LINKTYPE_NAMES = {
    LINKTYPE_NULL: "BSD loopback",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_RAW: "raw IP",
    LINKTYPE_LINUX_SLL: "Linux cooked capture",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL2: "Linux cooked capture v2",
}

FIN, SYN, RST, PSH, ACK, URG, ECE, CWR = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80
AE = 0x100  # the fourth reserved bit, now Accurate ECN (formerly NS, RFC 3540)

# scapy's letters, in scapy's order, so a captured segment reads like a simulated one.
_FLAG_LETTERS = ((FIN, "F"), (SYN, "S"), (RST, "R"), (PSH, "P"), (ACK, "A"), (URG, "U"))
_FLAG_LETTERS += ((ECE, "E"), (CWR, "C"), (AE, "N"))

_U16 = struct.Struct("!H")
_IP4_FEW = struct.Struct("!BxHxxHxB2x4s4s")  # version/IHL, length, flags/fragment, proto, addrs
_IP6 = struct.Struct("!IHBB16s16s")
_TCP_FEW = struct.Struct("!HHIIHH")  # ports, seq, ack, offset/flags, window
IP4_TCP = struct.Struct("!2xHxxHxB2x4s4sHHIIHH")  # a 20-byte IPv4 header, then TCP's fields

# IPv6 extension headers a TCP segment may sit behind (hop-by-hop, routing, destination opts).
_IP6_EXT = {0, 43, 60}


def flags_text(flags: int) -> str:
    """Control bits as scapy writes them: "S", "SA", "PA", "FA", "R" ..."""
    return "".join(letter for bit, letter in _FLAG_LETTERS if flags & bit)


def flags_long(flags: int) -> str:
    """Control bits as words: "SYN, ACK"."""
    return ", ".join(FLAG_NAMES[c] for c in flags_text(flags)) or "none"


@functools.lru_cache(maxsize=4096)
def ip_text(addr: bytes) -> str:
    """An address in its usual text form (a listing names the same few addresses often)."""
    return socket.inet_ntop(socket.AF_INET if len(addr) == 4 else socket.AF_INET6, addr)


def endpoint_text(addr: bytes, port: int) -> str:
    """`127.0.0.1:8080`, or `[::1]:8080` for IPv6."""
    return f"{ip_text(addr)}:{port}" if len(addr) == 4 else f"[{ip_text(addr)}]:{port}"


class TcpPacket:
    """One TCP segment as captured: addresses, header fields, options and payload.

    `ip_offset`/`tcp_offset`/`data_offset` point into `frame`, the bytes exactly as captured
    (link layer first); options and payload are cut from it only when asked for. `payload_len`
    comes from the IP length, so it stays right when the capture kept only the start of a long
    packet; `payload` is what was captured of it.
    """

    __slots__ = (
        "ts",
        "frame",
        "linktype",
        "ip_offset",
        "tcp_offset",
        "data_offset",
        "src",
        "dst",
        "sport",
        "dport",
        "seq",
        "ack",
        "flags",
        "window",
        "payload_len",
        "number",
    )

    def __init__(
        self,
        ts: float,
        frame: bytes,
        linktype: int,
        ip_offset: int,
        tcp_offset: int,
        data_offset: int,
        src: bytes,
        dst: bytes,
        sport: int,
        dport: int,
        seq: int,
        ack: int,
        flags: int,
        window: int,
        payload_len: int,
        number: int = 0,
    ) -> None:
        self.ts = ts
        self.frame = frame
        self.linktype = linktype
        self.ip_offset = ip_offset
        self.tcp_offset = tcp_offset
        self.data_offset = data_offset
        self.src = src
        self.dst = dst
        self.sport = sport
        self.dport = dport
        self.seq = seq
        self.ack = ack
        self.flags = flags
        self.window = window
        self.payload_len = payload_len
        self.number = number

    @property
    def options(self) -> bytes:
        """The TCP header's options area (empty when the header is 20 bytes)."""
        return self.frame[self.tcp_offset + 20 : self.data_offset]

    @property
    def payload(self) -> bytes:
        """The captured part of the data the segment carries."""
        return self.frame[self.data_offset : self.data_offset + self.payload_len]

    @property
    def segment(self) -> bytes:
        """The TCP header and the captured payload: the segment's own bytes."""
        return self.frame[self.tcp_offset :]

    @property
    def seg_len(self) -> int:
        """Sequence space this segment uses: its data, plus one each for SYN and FIN."""
        return self.payload_len + (1 if self.flags & SYN else 0) + (1 if self.flags & FIN else 0)

    def __repr__(self) -> str:
        return (
            f"TcpPacket({endpoint_text(self.src, self.sport)} > "
            f"{endpoint_text(self.dst, self.dport)} {flags_text(self.flags)} seq={self.seq} "
            f"ack={self.ack} len={self.payload_len})"
        )


def ip_offset(linktype: int, frame: bytes) -> int:
    """Where the IP header starts in a frame of this link type, or -1 when it holds no IP."""
    if linktype == LINKTYPE_ETHERNET:
        if len(frame) < 14:
            return -1
        off = 12
        ethertype = _U16.unpack_from(frame, off)[0]
        while ethertype in (0x8100, 0x88A8) and len(frame) >= off + 6:  # VLAN tags
            off += 4
            ethertype = _U16.unpack_from(frame, off)[0]
        return off + 2 if ethertype in (0x0800, 0x86DD) else -1
    if linktype in (LINKTYPE_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6):
        return 0
    if linktype == LINKTYPE_LINUX_SLL:
        if len(frame) < 16 or _U16.unpack_from(frame, 14)[0] not in (0x0800, 0x86DD):
            return -1
        return 16
    if linktype == LINKTYPE_LINUX_SLL2:
        if len(frame) < 20 or _U16.unpack_from(frame, 0)[0] not in (0x0800, 0x86DD):
            return -1
        return 20
    if linktype == LINKTYPE_NULL:
        return 4 if len(frame) >= 4 else -1
    return -1


def ip_damage(frame: bytes, linktype: int) -> str | None:
    """Why this frame's IP header is damaged, or None. Asked only of frames `parse` refused."""
    off = ip_offset(linktype, frame)
    if 0 <= off < len(frame) and frame[off] >> 4 == 4 and frame[off] & 0x0F < 5:
        return say("core.capture.damage.ipv4-header", length=(frame[off] & 0x0F) * 4)
    return None


# Segmentation offload (TSO/GSO): a sender that hands the network card one big segment to cut
# into MTU-sized ones shows it whole to the capture, up to 64 KiB and, with Linux's BIG TCP,
# beyond. Its IPv4 total length is then often 0 (it cannot hold more than 65,535). As Wireshark
# does (its "Support packet-capture from IP TSO-enabled hardware" preference, on by default),
# an IPv4 total length of 0 means "the rest of the frame". Wireshark takes the frame's original
# length; we take the captured one, so a capture cut short by its snapshot length counts less.
# (An IPv6 payload length of 0 without a jumbo option is left as 0, as Wireshark does.)


def parse(frame: bytes, linktype: int, ts: float = 0.0, number: int = 0) -> TcpPacket | None:
    """The TCP segment in this frame, or None (not IP, not TCP, a later fragment, truncated).

    This runs once per packet of a file: the common case (IPv4 in Ethernet) takes the short
    path, and only the fields a connection list needs are unpacked.
    """
    if linktype == LINKTYPE_ETHERNET and len(frame) > 14 and frame[12] == 8 and frame[13] == 0:
        off = 14
    else:
        off = ip_offset(linktype, frame)
        if off < 0:
            return None
    if len(frame) < off + 20:
        return None
    version = frame[off] >> 4
    if frame[off] == 0x45 and len(frame) >= off + 40:
        # IPv4 without options, the usual case: both headers in one unpack.
        total, frag, proto, src, dst, sport, dport, seq, ack, off_flags, window = (
            IP4_TCP.unpack_from(frame, off)
        )
        if proto != 6 or frag & 0x1FFF:
            return None
        hlen = (off_flags >> 12) * 4
        if hlen < 20:
            return None
        if not total:
            total = len(frame) - off  # segmentation offload: see the note above `parse`
        payload_len = total - 20 - hlen
        return TcpPacket(
            ts,
            frame,
            linktype,
            off,
            off + 20,
            off + 20 + hlen,
            src,
            dst,
            sport,
            dport,
            seq,
            ack,
            off_flags & 0x1FF,
            window,
            payload_len if payload_len > 0 else 0,
            number,
        )
    if version == 4:
        vihl, total, frag, proto, src, dst = _IP4_FEW.unpack_from(frame, off)
        if proto != 6 or frag & 0x1FFF:
            return None
        ihl = (vihl & 0x0F) * 4
        if ihl < 20:  # damaged: reading on would take IP's own fields for TCP's
            return None
        if not total:
            total = len(frame) - off  # segmentation offload: see the note above `parse`
        tcp_off = off + ihl
        ip_payload = total - ihl
    elif version == 6:
        if len(frame) < off + 40:
            return None
        _vtf, plen, nxt, _hop, src, dst = _IP6.unpack_from(frame, off)
        tcp_off = off + 40
        ip_payload = plen
        while nxt in _IP6_EXT and len(frame) >= tcp_off + 8:
            nxt, ext_len = frame[tcp_off], (frame[tcp_off + 1] + 1) * 8
            tcp_off += ext_len
            ip_payload -= ext_len
        if nxt != 6:
            return None
    else:
        return None
    if len(frame) < tcp_off + 20:
        return None
    sport, dport, seq, ack, off_flags, window = _TCP_FEW.unpack_from(frame, tcp_off)
    hlen = (off_flags >> 12) * 4
    if hlen < 20:
        return None
    payload_len = ip_payload - hlen
    return TcpPacket(
        ts,
        frame,
        linktype,
        off,
        tcp_off,
        tcp_off + hlen,
        src,
        dst,
        sport,
        dport,
        seq,
        ack,
        off_flags & 0x1FF,
        window,
        payload_len if payload_len > 0 else 0,
        number,
    )
