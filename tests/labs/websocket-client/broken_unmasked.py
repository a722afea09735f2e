"""Known mistake: client frames sent without the MASK bit and key (RFC 6455 §5.1)."""

import struct

import ref


def send_frame(sock, opcode, payload, fin=True):
    n = len(payload)
    if n <= 125:
        length = bytes([n])
    elif n <= 0xFFFF:
        length = bytes([126]) + struct.pack("!H", n)
    else:
        length = bytes([127]) + struct.pack("!Q", n)
    sock.sendall(bytes([(0x80 if fin else 0) | opcode]) + length + payload)


ref.send_frame = send_frame
ref.run()
