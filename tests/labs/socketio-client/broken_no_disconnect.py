"""Known mistake: the client closes the WebSocket without the DISCONNECT packet `41/lab,`."""

import ref

ref.leave = lambda ws: None
ref.run()
