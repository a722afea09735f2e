"""What each header field means, in a sentence a newcomer can follow.

`MEANINGS` holds the text that is true of the field in *every* packet (keyed by scapy layer class
name and field name). Some fields mean something that depends on the packet: a SYN's sequence
number is its ISN, not the number of a data byte; a destination port is a web server's in one
segment and a client's temporary port in the reply. `meaning_for(layer, field)` gives the text for
this very packet, and `fit(view, pkt)` puts those texts into an inspector view.

Sources: Ethernet II (RFC 894, IEEE 802.3), IPv4 (RFC 791; DSCP and ECN: RFC 2474, RFC 3168;
the identification field: RFC 6864), TCP (RFC 9293 section 3.1; ECE/CWR: RFC 3168; AE, the bit
RFC 3540 called NS, now Accurate ECN), UDP (RFC 768), ICMP (RFC 792), DNS (RFC 1035 section
4.1.1; AD/CD: RFC 4035), WebSocket (RFC 6455 section 5.2).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scapy.packet import Packet

    from netlearn.events import PacketView

MEANINGS: dict[str, dict[str, str]] = {
    "Ether": {
        "dst": "MAC address of the next device on this link (all zeros on Linux loopback)",
        "src": "MAC address of the sending network card (all zeros on Linux loopback)",
        "type": "EtherType: which protocol the frame carries (0x0800 = IPv4, 0x86dd = IPv6, "
        "0x0806 = ARP; RFC 894)",
    },
    "IP": {
        "version": "IP version: 4",
        "ihl": "header length in 32-bit words (5 = 20 bytes, no options)",
        "tos": "type of service byte: today 6 bits of DSCP (priority class, RFC 2474) and 2 "
        "ECN congestion bits (RFC 3168)",
        "len": "total length of the IP datagram in bytes, header and data",
        "id": "identification: the sender's number for this datagram, shared by its fragments "
        "so the receiver can put them together (RFC 6864: with DF set it may be anything)",
        "flags": "DF = don't fragment, MF = more fragments follow (the first bit is reserved, "
        "always 0)",
        "frag": "fragment offset: where this fragment's data starts in the original datagram, "
        "in 8-byte units",
        "ttl": "time to live: each router subtracts 1 and drops the packet at 0 (RFC 791 "
        "counts seconds, but every hop takes at least 1)",
        "proto": "which protocol the data belongs to (6 = TCP, 17 = UDP, 1 = ICMP)",
        "chksum": "checksum over the IP header only; each router recomputes it, since the TTL "
        "changes",
        "src": "IP address of the sender",
        "dst": "IP address of the receiver",
        "options": "optional extra header fields (rare)",
    },
    "TCP": {
        "sport": "source port: the sending program's socket on the sending host",
        "dport": "destination port: which program's socket on the receiving host gets the data",
        "seq": "sequence number: on a SYN, the initial sequence number (ISN); otherwise the "
        "number of this segment's first byte of data",
        "ack": "acknowledgment number: the next byte the sender expects to receive (only "
        "meaningful when the A flag is set)",
        "dataofs": "data offset: TCP header length in 32-bit words (5 = 20 bytes, no options)",
        "reserved": "3 of RFC 9293's 4 reserved bits (scapy shows the 4th as the N flag): sent "
        "as zero",
        "flags": "control bits: S=SYN, A=ACK, F=FIN, R=RST, P=PSH, U=URG, E=ECE, C=CWR, N=AE "
        "(Accurate ECN, formerly NS)",
        "window": "receive window: how many bytes, from the ack number on, the sender of this "
        "segment can take (scaled if both SYNs agreed a window scale; never in a SYN)",
        "chksum": "checksum over a pseudo-header (IP addresses, protocol, TCP length), the TCP "
        "header and the data",
        "urgptr": "urgent pointer (meaningful only with the U flag)",
        "options": "options (kind, length, value): MSS, window scale, SACK permitted, "
        "timestamps ...",
    },
    "UDP": {
        "sport": "source port: the sending program's socket (0 = no reply expected)",
        "dport": "destination port: which program's socket on the receiving host gets the datagram",
        "len": "length of the UDP header plus data, in bytes",
        "chksum": "checksum over a pseudo-header, the UDP header and the data (0 = not "
        "computed, allowed over IPv4)",
    },
    "ICMP": {
        "type": "message type (8 = echo request, 0 = echo reply, 3 = destination unreachable, "
        "11 = time exceeded)",
        "code": "sub-type of the message (0 for an echo)",
        "chksum": "checksum over the whole ICMP message",
        "id": "identifier: helps match replies to requests (ping puts a number of its own here)",
        "seq": "sequence number: helps match replies to requests (ping counts 1, 2, 3 ...)",
    },
    "DNS": {
        "length": "message length (only when DNS runs over TCP)",
        "id": "query id: the reply carries the same id",
        "qr": "0 = query, 1 = response",
        "opcode": "kind of query (0 = standard query)",
        "aa": "authoritative answer (in responses): the server is an authority for the name",
        "tc": "truncated: the message did not fit and was cut; ask again over TCP",
        "rd": "recursion desired: please find the answer for me",
        "ra": "recursion available (in responses)",
        "z": "reserved, zero",
        "ad": "authentic data (DNSSEC, RFC 4035)",
        "cd": "checking disabled (DNSSEC, RFC 4035)",
        "rcode": "response code (0 = no error, 3 = no such name)",
        "qdcount": "number of questions",
        "ancount": "number of answer records",
        "nscount": "number of authority records",
        "arcount": "number of additional records",
        "qd": "the question: name, type (A = IPv4 address) and class (IN = internet)",
        "an": "answer records",
        "ns": "authority records",
        "ar": "additional records",
    },
    "Raw": {
        "load": "the application's bytes: the layers below carried them without reading them",
    },
    "Padding": {
        "load": "padding up to Ethernet's 60-byte minimum frame (64 with the FCS); carries nothing",
    },
    "WebSocketFrame": {
        "fin": "1 = this is the final fragment of the message",
        "rsv1": "reserved for extensions (permessage-deflate uses it); 0 otherwise",
        "rsv2": "reserved for extensions; 0",
        "rsv3": "reserved for extensions; 0",
        "opcode": "frame type: 0 continuation, 1 text, 2 binary, 8 close, 9 ping, 10 pong",
        "mask": "1 = the payload is masked (every client-to-server frame must be)",
        "payload_len": "payload length; 126 = a 16-bit length follows, 127 = a 64-bit one",
        "ext_len16": "extended payload length (16 bits)",
        "ext_len64": "extended payload length (64 bits)",
        "masking_key": "4 unpredictable bytes the client XORs over the payload",
        "data": "the payload bytes as sent (masked when the mask bit is 1)",
    },
}

# Ports IANA's registry gives a service (RFC 6335: 0-1023 are the well-known ones).
SERVICES: dict[int, str] = {
    20: "FTP data",
    21: "FTP",
    22: "SSH",
    23: "Telnet",
    25: "SMTP (mail)",
    53: "DNS",
    67: "DHCP (server)",
    68: "DHCP (client)",
    80: "HTTP",
    123: "NTP (time)",
    443: "HTTPS",
    853: "DNS over TLS",
    3306: "MySQL",
    5432: "PostgreSQL",
    6379: "Redis",
    8080: "http-alt (alternative HTTP)",
}
# Linux's default range of temporary ports (net.ipv4.ip_local_port_range).
EPHEMERAL = range(32768, 61000)


def meaning(layer: str, field: str) -> str:
    """The meaning of a field in any packet, or an empty string when we have not written one."""
    return MEANINGS.get(layer, {}).get(field, "")


def _flags(layer: Packet) -> str:
    return str(getattr(layer, "flags", ""))


def _port_role(port: int, other: int, flags: str, side: str) -> str:
    """Whose port `port` is, from what the packet itself shows."""
    service = SERVICES.get(port)
    if service is not None:
        kind = "well-known" if port < 1024 else "registered"
        return f"IANA's {kind} port for {service}: the server's end"
    if "S" in flags and "A" not in flags:
        server = side == "destination"
    elif "S" in flags and "A" in flags:
        server = side == "source"
    elif other in SERVICES:
        server = False
    else:
        return (
            "the socket bound to it on that host (the handshake's SYN goes to the server's "
            "port, which tells the two ends apart)"
        )
    if server:
        return (
            "the server's port; no service is registered for it, so the server's program "
            "chose it (a number in its settings, or any free port the kernel gave it)"
        )
    temporary = ", from 32768-60999 on Linux" if port in EPHEMERAL else ""
    return f"the client's temporary (ephemeral) port, picked by its kernel{temporary}"


def _tcp(layer: Packet, field: str) -> str:
    flags = _flags(layer)
    if field in ("sport", "dport"):
        port, other = (layer.sport, layer.dport) if field == "sport" else (layer.dport, layer.sport)
        side = "source" if field == "sport" else "destination"
        return f"{side} port {port}: " + _port_role(int(port), int(other), flags, side)
    if field == "seq":
        data = len(bytes(layer.payload))
        if "S" in flags:
            return (
                f"initial sequence number (ISN) {layer.seq}: the SYN itself uses this one "
                f"number, so the first data byte will be number {(layer.seq + 1) % 2**32} "
                "(RFC 9293 section 3.4)"
            )
        if data:
            return f"sequence number of this segment's first data byte (of {data})"
        if "F" in flags:
            return "sequence number of the FIN, which uses one number as a data byte would"
        return (
            "the next sequence number this side will use: this segment carries no data and "
            "uses none"
        )
    if field == "ack":
        if "A" in flags:
            return (
                f"acknowledgment: every byte before number {layer.ack} has arrived, and that "
                "one is expected next"
            )
        return "unused: the A flag is not set (a first SYN acknowledges nothing)"
    if field == "dataofs":
        size = 4 * int(layer.dataofs)
        extra = f", {size - 20} of them options" if size > 20 else ", no options"
        return f"data offset: the TCP header is {layer.dataofs} x 4 = {size} bytes{extra}"
    if field == "window" and "S" in flags:
        return (
            "receive window: how many bytes the sender of this SYN can take now; a SYN's "
            "window is never scaled (RFC 7323 section 2.2)"
        )
    if field == "options":
        names = [str(o[0]) for o in (layer.options or []) if o[0] not in ("NOP", "EOL")]
        if names:
            return "options (kind, length, value): " + ", ".join(names)
    return ""


def _udp(layer: Packet, field: str) -> str:
    if field not in ("sport", "dport"):
        return ""
    port, other = (layer.sport, layer.dport) if field == "sport" else (layer.dport, layer.sport)
    side = "source" if field == "sport" else "destination"
    service = SERVICES.get(int(port))
    if service is not None:
        return f"{side} port {port}: {service}'s well-known port, the server's end"
    if int(other) in SERVICES:
        return f"{side} port {port}: the client's temporary port; the answer comes back to it"
    return f"{side} port {port}: the socket bound to it on that host"


def meaning_for(layer: Packet, field: str) -> str:
    """The meaning of `field` in this very layer of a packet (see the module's docstring)."""
    name = type(layer).__name__
    special = ""
    if name == "TCP":
        special = _tcp(layer, field)
    elif name == "UDP":
        special = _udp(layer, field)
    return special or meaning(name, field)


def fit(view: PacketView, pkt: Packet) -> PacketView:
    """The inspector's view with each field's meaning fitted to this packet."""
    from scapy.packet import NoPayload

    layers = []
    layer = pkt
    for info in view.layers:
        if layer is None or isinstance(layer, NoPayload) or type(layer).__name__ != info.name:
            layers.append(info)  # out of step with scapy's layers: keep the general texts
            layer = None
            continue
        fields = tuple(
            replace(f, meaning=meaning_for(layer, f.name) or f.meaning) for f in info.fields
        )
        layers.append(replace(info, fields=fields))
        layer = layer.payload
    return replace(view, layers=tuple(layers))
