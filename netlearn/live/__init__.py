"""The live toolkit: real sockets, loops in threads and capture, every piece taking the `Env`.

- `loop`: one asyncio event loop in a background thread (`LoopThread`).
- `wire`: the loopback wire, both ends of a TCP connection in this process (`Loopback`, `Wire`),
  and `wait_until`, a wait measured on `env.clock`.
- `wsclient`: a blocking WebSocket client on plain wsproto (`PlainWebSocket`).
- `capture`: live capture of a demo's own segments.
"""
