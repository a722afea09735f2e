"""Known mistake: a hard-coded frame sent right after the handshake, before any message came."""

import ref

plain_handshake = ref.handshake


def handshake(sock, url):
    plain_handshake(sock, url)
    ref.send_frame(sock, 0x1, b"hello")


ref.handshake = handshake
ref.run()
