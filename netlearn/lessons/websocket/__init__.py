"""The WebSocket lesson: a live upgrade and live frames, a frame explainer, a server for browsers.

- `handshake`: the opening handshake's pure parts (key, accept proof, what each header means).
- `frames`: reading frame headers from a byte stream; a frame as the lesson's event.
- `protocol`: sans-I/O server and client connections around `h11` and `wsproto`.
- `events` and `render`: what the lesson's producers emit and how it is drawn.
- `live` and `demo`: the guided demo (a wsproto server and client over real sockets on
  127.0.0.1, in one thread).
- `explain`: `netlearn websocket frame HEX`.
- `server`: `netlearn websocket serve`, an asyncio server for real browsers.
- `client`: a small blocking client (for scripts and the interoperability tests).
- `scenes`: the scenes a lesson embeds.
"""
