"""A WebSocket frame (RFC 6455 section 5.2) declared as a scapy layer.

Declaring it the scapy way (`fields_desc`) lets the same field walker that draws Ethernet, IP and
TCP draw a WebSocket frame, bit by bit, with no special view.
"""

from __future__ import annotations

from scapy.fields import (
    BitEnumField,
    BitField,
    ConditionalField,
    LongField,
    ShortField,
    StrField,
    XIntField,
)
from scapy.packet import Packet

from netlearn.packets.opcodes import OPCODES


class WebSocketFrame(Packet):
    """One WebSocket frame: the 2-byte base header, extended length, masking key, payload."""

    name = "WebSocket frame"
    fields_desc = [
        BitField("fin", 1, 1),
        BitField("rsv1", 0, 1),
        BitField("rsv2", 0, 1),
        BitField("rsv3", 0, 1),
        BitEnumField("opcode", 1, 4, OPCODES),
        BitField("mask", 0, 1),
        BitField("payload_len", 0, 7),
        ConditionalField(ShortField("ext_len16", 0), lambda p: p.payload_len == 126),
        ConditionalField(LongField("ext_len64", 0), lambda p: p.payload_len == 127),
        ConditionalField(XIntField("masking_key", 0), lambda p: p.mask == 1),
        StrField("data", b""),
    ]

    def length(self) -> int:
        """The payload length the header announces."""
        if self.payload_len == 126:
            return int(self.ext_len16)
        if self.payload_len == 127:
            return int(self.ext_len64)
        return int(self.payload_len)

    def unmasked(self) -> bytes:
        """The payload with the client's mask removed (the XOR of RFC 6455 section 5.3)."""
        data = bytes(self.data)
        if not self.mask:
            return data
        key = int(self.masking_key).to_bytes(4, "big")
        return bytes(b ^ key[i % 4] for i, b in enumerate(data))

    def mysummary(self) -> str:
        return f"WebSocket {OPCODES.get(int(self.opcode), hex(self.opcode))} len={self.length()}"


def ws_frame(
    payload: bytes,
    *,
    opcode: int = 0x1,
    fin: bool = True,
    masking_key: bytes | None = None,
) -> WebSocketFrame:
    """Build a frame with the right length encoding, masking the payload when a key is given."""
    n = len(payload)
    fields: dict[str, int] = {}
    if n < 126:
        fields["payload_len"] = n
    elif n < 1 << 16:
        fields["payload_len"] = 126
        fields["ext_len16"] = n
    else:
        fields["payload_len"] = 127
        fields["ext_len64"] = n
    data = payload
    if masking_key is not None:
        if len(masking_key) != 4:
            raise ValueError("a masking key is exactly 4 bytes")
        data = bytes(b ^ masking_key[i % 4] for i, b in enumerate(payload))
        fields["mask"] = 1
        fields["masking_key"] = int.from_bytes(masking_key, "big")
    return WebSocketFrame(fin=int(fin), opcode=opcode, data=data, **fields)
