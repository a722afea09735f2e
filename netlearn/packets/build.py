"""The sample packets the inspector opens, built with scapy (imported here, not at start-up)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from netlearn.content.words import say, table
from netlearn.errors import NetlearnError

if TYPE_CHECKING:
    from scapy.packet import Packet

# On Linux's loopback interface the Ethernet header carries all-zero MAC addresses: the frame
# never reaches a wire, so nobody needs a hardware address. We keep that, as a capture shows it.
LOOPBACK_MAC = "00:00:00:00:00:00"
HTTP_GET = (
    b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: netlearn/0.1\r\nAccept: */*\r\n\r\n"
)

# The sample packets, in the order the inspector lists them; what each is, in words:
# `lessons/core/packets.toml` [samples] (`KINDS`: name -> description).
SAMPLES = ("http", "dns", "ping", "websocket")


def __getattr__(name: str) -> object:
    """`KINDS`: each sample's name and its description, read from the words when asked for."""
    if name == "KINDS":
        words = table("core.packets.samples")
        return {kind: words[kind] for kind in SAMPLES}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build(kind: str) -> Packet:
    """One sample packet, fully built (checksums and lengths computed) and re-dissected."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    eth = Ether(src=LOOPBACK_MAC, dst=LOOPBACK_MAC)
    if kind == "http":
        pkt = (
            eth
            / IP(src="127.0.0.1", dst="127.0.0.1", id=0x1C46, flags="DF", ttl=64)
            / TCP(sport=50432, dport=8080, flags="PA", seq=1_000_001, ack=2_000_001, window=512)
            / Raw(HTTP_GET)
        )
    elif kind == "dns":
        from scapy.layers.dns import DNS, DNSQR

        pkt = (
            eth
            / IP(src="127.0.0.1", dst="127.0.0.53", id=0x2A2A, ttl=64)
            / UDP(sport=40123, dport=53)
            / DNS(id=0x1A2B, rd=1, qd=DNSQR(qname="example.com", qtype="A"))
        )
    elif kind == "ping":
        pkt = (
            eth
            / IP(src="127.0.0.1", dst="127.0.0.1", id=0x3B3B, flags="DF", ttl=64)
            / ICMP(type="echo-request", id=0x0101, seq=1)
            / Raw(b"netlearn ping: abcdefgh")
        )
    elif kind == "websocket":
        from netlearn.packets.websocket import ws_frame

        # The masking key of the example in RFC 6455 section 5.7.
        frame = ws_frame(b"Hello", opcode=0x1, masking_key=bytes.fromhex("37fa213d"))
        pkt = (
            eth
            / IP(src="127.0.0.1", dst="127.0.0.1", id=0x4C4C, flags="DF", ttl=64)
            / TCP(sport=50432, dport=8080, flags="PA", seq=1_000_101, ack=2_000_130, window=512)
            / frame
        )
    else:
        import difflib

        close = difflib.get_close_matches(kind, SAMPLES, n=1)
        hint = say("core.packets.errors.did-you-mean", name=close[0]) if close else ""
        raise NetlearnError(
            say("core.packets.errors.unknown-kind", kind=kind, hint=hint, kinds=", ".join(SAMPLES))
        )
    return reparse(pkt, websocket=(kind == "websocket"))


def reparse(pkt: Packet, *, websocket: bool = False) -> Packet:
    """Dissect the packet's own bytes again, so every computed field holds its real value."""
    from scapy.layers.l2 import Ether

    out = Ether(bytes(pkt))
    if websocket:
        out = as_websocket(out)
    return out


def as_websocket(pkt: Packet) -> Packet:
    """Re-dissect a TCP payload as a WebSocket frame (scapy binds no port to WebSocket)."""
    from scapy.layers.inet import TCP
    from scapy.packet import Raw

    from netlearn.packets.websocket import WebSocketFrame

    if TCP in pkt and Raw in pkt:
        data = bytes(pkt[Raw].load)
        tcp = pkt[TCP]
        tcp.remove_payload()
        tcp.add_payload(WebSocketFrame(data))
    return pkt
