"""The seven OSI layers, the four TCP/IP layers, and which scapy layer belongs to which.

No scapy import: the CLI, the lesson text and the inspector all read this one table. Its words
are in `lessons/glossary/layers.toml` (keys `glossary.layers.<number>.*`, `glossary.layers.tcpip`).
"""

from __future__ import annotations

from dataclasses import dataclass

from netlearn.content.words import lookup, table


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


_FIELDS = ("name", "job", "unit", "protocols", "devices", "analogy", "tcpip")


def _layers() -> tuple[OsiLayer, ...]:
    out = []
    for number in range(1, 8):
        words = table(f"glossary.layers.{number}")
        out.append(OsiLayer(number, *(words[f] for f in _FIELDS)))
    return tuple(out)


def _tcpip() -> tuple[tuple[str, str, str], ...]:
    rows = lookup("glossary.layers.tcpip")
    return tuple((name, row["osi"], row["protocols"]) for name, row in rows.items())


def __getattr__(name: str) -> object:
    """`LAYERS` (the seven `OsiLayer`s, 1 first) and `TCPIP` (the four TCP/IP layers, top down:
    name, the OSI layers it covers, its protocols), read from the glossary when first asked for."""
    if name == "LAYERS":
        return _layers()
    if name == "TCPIP":
        return _tcpip()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    return _layers()[number - 1]


def osi_of(scapy_layer_name: str) -> int:
    """Which OSI layer a scapy layer's header belongs to."""
    return SCAPY_TO_OSI.get(scapy_layer_name, 7)
