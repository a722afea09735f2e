"""What each header field means, in a sentence a newcomer can follow.

Keyed by scapy layer class name and field name; the field walker looks meanings up here.
"""

from __future__ import annotations

MEANINGS: dict[str, dict[str, str]] = {
    "Ether": {
        "dst": "MAC address of the next device on this link (all zeros on Linux loopback)",
        "src": "MAC address of the sending network card (all zeros on Linux loopback)",
        "type": "EtherType: which protocol the frame carries (0x0800 = IPv4, 0x86dd = IPv6)",
    },
    "IP": {
        "version": "IP version: 4",
        "ihl": "header length in 32-bit words (5 = 20 bytes, no options)",
        "tos": "type of service: DSCP priority and ECN congestion bits",
        "len": "total length of the IP packet in bytes, header and data",
        "id": "identification, shared by the fragments of one packet",
        "flags": "DF = don't fragment, MF = more fragments follow",
        "frag": "fragment offset in 8-byte units",
        "ttl": "time to live: each router subtracts 1 and drops the packet at 0",
        "proto": "which transport protocol is inside (6 = TCP, 17 = UDP, 1 = ICMP)",
        "chksum": "checksum over the IP header only",
        "src": "IP address of the sender",
        "dst": "IP address of the receiver",
        "options": "optional extra header fields (rare)",
    },
    "TCP": {
        "sport": "source port: which program on the sender",
        "dport": "destination port: which program on the receiver (8080 here)",
        "seq": "sequence number of this segment's first byte of data",
        "ack": "next byte the sender expects to receive (valid when the A flag is set)",
        "dataofs": "data offset: TCP header length in 32-bit words",
        "reserved": "reserved bits, always zero",
        "flags": "control bits: S=SYN, A=ACK, F=FIN, R=RST, P=PSH, U=URG, E=ECE, C=CWR, "
        "N=NS (historic)",
        "window": "receive window: how many more bytes the sender of this segment can take",
        "chksum": "checksum over a pseudo-header (IP addresses), the TCP header and the data",
        "urgptr": "urgent pointer (used only with the U flag)",
        "options": "options such as MSS, window scale, SACK permitted, timestamps",
    },
    "UDP": {
        "sport": "source port: which program sent the datagram",
        "dport": "destination port (53 = DNS)",
        "len": "length of the UDP header plus data, in bytes",
        "chksum": "checksum over a pseudo-header, the UDP header and the data",
    },
    "ICMP": {
        "type": "message type (8 = echo request, 0 = echo reply, 3 = destination unreachable)",
        "code": "sub-type of the message",
        "chksum": "checksum over the ICMP message",
        "id": "identifier: matches replies to the ping program that asked",
        "seq": "sequence number of this ping (1, 2, 3 ...)",
    },
    "DNS": {
        "length": "message length (only when DNS runs over TCP)",
        "id": "query id: the reply carries the same id",
        "qr": "0 = query, 1 = response",
        "opcode": "kind of query (0 = standard query)",
        "aa": "authoritative answer",
        "tc": "truncated: the answer did not fit",
        "rd": "recursion desired: please find the answer for me",
        "ra": "recursion available (in responses)",
        "z": "reserved",
        "ad": "authentic data (DNSSEC)",
        "cd": "checking disabled (DNSSEC)",
        "rcode": "response code (0 = no error, 3 = no such name)",
        "qdcount": "number of questions",
        "ancount": "number of answers",
        "nscount": "number of authority records",
        "arcount": "number of additional records",
        "qd": "the question: name, type (A = IPv4 address) and class (IN = internet)",
        "an": "answer records",
        "ns": "authority records",
        "ar": "additional records",
    },
    "Raw": {
        "load": "the application's bytes, which this layer carries without reading them",
    },
    "Padding": {
        "load": "padding added to reach the minimum frame size; carries nothing",
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
        "masking_key": "4 random bytes the client XORs over the payload",
        "data": "the payload bytes as sent (masked when the mask bit is 1)",
    },
}


def meaning(layer: str, field: str) -> str:
    """The meaning of a field, or an empty string when we have not written one."""
    return MEANINGS.get(layer, {}).get(field, "")
