"""Known mistake: Sec-WebSocket-Accept is never checked."""

import ref


def accept_ok(headers, key):
    return True


ref.accept_ok = accept_ok
ref.run()
