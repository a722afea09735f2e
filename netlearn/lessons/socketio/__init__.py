"""The Socket.IO lesson: what the library adds on top of WebSocket, shown on the wire.

Sans-I/O pieces: `codec` (Engine.IO v4 and Socket.IO v5 packets), `explain` (what a packet
means), `observer` (HTTP/1.1 and WebSocket seen from the middle of a TCP connection), `trace`
(what the observer saw, as lesson events). Live pieces: `proxy` (a logging relay on loopback),
`server` (the python-socketio application), `stack` (server, relays and clients in one process),
`demo` (the guided demo and the lesson's scenes), `serve` (the chat page for real browsers).
"""
