"""Known mistake: a pong without the ping's payload."""

import ref


def pong(sock, payload):
    ref.send_frame(sock, 0xA, b"")


ref.pong = pong
ref.run()
