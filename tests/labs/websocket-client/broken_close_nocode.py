"""Known mistake: the close is answered with an empty close frame (no status code)."""

import ref


def close_reply(sock, payload):
    ref.send_frame(sock, 0x8, b"")


ref.close_reply = close_reply
ref.run()
