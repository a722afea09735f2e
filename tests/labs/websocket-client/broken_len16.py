"""Known mistake: 126 and a 16-bit length for every long message (70,000 does not fit)."""

import struct

import ref


def encode_length(n):
    if n <= 125:
        return bytes([0x80 | n])
    return bytes([0x80 | 126]) + struct.pack("!H", n & 0xFFFF)


ref.encode_length = encode_length
ref.run()
