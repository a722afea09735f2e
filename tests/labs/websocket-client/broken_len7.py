"""Known mistake: every length up to 65535 squeezed into the 7-bit field (300 becomes 44)."""

import struct

import ref


def encode_length(n):
    if n <= 0xFFFF:
        return bytes([0x80 | (n & 0x7F)])
    return bytes([0x80 | 127]) + struct.pack("!Q", n)


ref.encode_length = encode_length
ref.run()
