"""Known mistake (a library's habit): an unrequested permessage-deflate offer in the upgrade."""

import ref

plain_request = ref.request


def request(url, key):
    head = plain_request(url, key)
    return (
        head[:-2] + b"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n"
    )


ref.request = request
ref.run()
