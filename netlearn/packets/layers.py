"""The seven OSI layers, the four TCP/IP layers, and which scapy layer belongs to which.

Pure data, no scapy import: the CLI, the lesson text and the inspector all read this one table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OsiLayer:
    number: int
    name: str
    job: str
    unit: str
    protocols: str
    devices: str
    analogy: str
    tcpip: str


LAYERS: tuple[OsiLayer, ...] = (
    OsiLayer(
        1,
        "Physical",
        "Turns bits into signals (voltage on copper, light in fibre, radio waves) and back; "
        "sets connectors, bit timing and bit rate.",
        "bits",
        "Ethernet PHY (1000BASE-T), USB, Wi-Fi radio (802.11 PHY), DSL",
        "cables, hubs, repeaters, network cards' transceivers",
        "The road itself: it carries whatever drives on it and knows nothing of addresses.",
        "Link",
    ),
    OsiLayer(
        2,
        "Data link",
        "Moves a frame from one device to the next on the same local network, addressed by MAC "
        "address, and detects damaged frames (the FCS checksum).",
        "frame",
        "Ethernet (IEEE 802.3), Wi-Fi (802.11), ARP, PPP",
        "switches, bridges, network cards",
        "The street-level delivery van: it only knows the houses on its own street.",
        "Link",
    ),
    OsiLayer(
        3,
        "Network",
        "Carries a packet across many networks from source to destination by IP address; routers "
        "pick the next hop and decrement the TTL.",
        "packet",
        "IPv4, IPv6, ICMP, routing protocols (OSPF, BGP)",
        "routers, layer-3 switches",
        "The postal system's sorting offices: they read the destination city and pass the "
        "letter on.",
        "Internet",
    ),
    OsiLayer(
        4,
        "Transport",
        "Connects one program to another (ports); TCP adds ordering, acknowledgement, "
        "retransmission and flow control, UDP sends single datagrams with none of that.",
        "segment (TCP) / datagram (UDP)",
        "TCP, UDP, QUIC",
        "none in the path (hosts do it); firewalls and NAT boxes read it",
        "Registered mail with numbered pages: the receiver signs for each page and asks again "
        "for any that went missing.",
        "Transport",
    ),
    OsiLayer(
        5,
        "Session",
        "Opens, keeps and closes a dialogue between two programs, and can resume it after a "
        "break (checkpoints, who speaks when).",
        "data",
        "in practice folded into applications: TLS session resumption, RPC, NetBIOS sessions",
        "none (software on the hosts)",
        "A phone call's 'hello ... goodbye', and calling back where you were cut off.",
        "Application",
    ),
    OsiLayer(
        6,
        "Presentation",
        "Agrees on how data is represented: character encodings, serialisation, compression, "
        "encryption.",
        "data",
        "UTF-8, JSON, JPEG, gzip, TLS encryption",
        "none (software on the hosts)",
        "A translator who makes sure both sides read the same language.",
        "Application",
    ),
    OsiLayer(
        7,
        "Application",
        "The protocol a program speaks to do its job: fetch a page, resolve a name, send mail.",
        "data (message)",
        "HTTP, WebSocket, DNS, SMTP, SSH",
        "none in the path; proxies and load balancers that read HTTP",
        "The letter's content, written in a form both writer and reader understand.",
        "Application",
    ),
)

TCPIP: tuple[tuple[str, str, str], ...] = (
    ("Application", "7 Application, 6 Presentation, 5 Session", "HTTP, WebSocket, DNS, TLS"),
    ("Transport", "4 Transport", "TCP, UDP"),
    ("Internet", "3 Network", "IP, ICMP"),
    ("Link", "2 Data link, 1 Physical", "Ethernet, Wi-Fi, ARP"),
)

# scapy layer class name -> OSI layer number. A layer not listed counts as application data.
SCAPY_TO_OSI: dict[str, int] = {
    "Ether": 2,
    "Dot3": 2,
    "LLC": 2,
    "CookedLinux": 2,
    "CookedLinuxV2": 2,
    "Loopback": 2,
    "Dot1Q": 2,
    "ARP": 2,
    "Padding": 2,
    "IP": 3,
    "IPv6": 3,
    "IPerror": 3,
    "ICMP": 3,
    "ICMPv6EchoRequest": 3,
    "ICMPv6EchoReply": 3,
    "TCP": 4,
    "UDP": 4,
    "TCPerror": 4,
    "UDPerror": 4,
    "DNS": 7,
    "Raw": 7,
    "WebSocketFrame": 7,
}


def by_number(number: int) -> OsiLayer:
    """The OSI layer with this number (1 = physical ... 7 = application)."""
    return LAYERS[number - 1]


def osi_of(scapy_layer_name: str) -> int:
    """Which OSI layer a scapy layer's header belongs to."""
    return SCAPY_TO_OSI.get(scapy_layer_name, 7)
