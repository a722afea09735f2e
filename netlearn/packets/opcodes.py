"""WebSocket opcodes (RFC 6455 section 5.2), with no scapy import: the server's hot path, the
frame explainer, the quiz and the scapy layer all read this one table."""

from __future__ import annotations

OPCODES: dict[int, str] = {
    0x0: "continuation",
    0x1: "text",
    0x2: "binary",
    0x8: "close",
    0x9: "ping",
    0xA: "pong",
}
