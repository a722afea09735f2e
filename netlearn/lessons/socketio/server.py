"""The lesson's Socket.IO server: python-socketio (asyncio, ASGI) served by uvicorn.

Handlers, in the shape the tutorials use:

- `connect` / `disconnect`: `io.on("connection", ...)` and `socket.on("disconnect", ...)`;
- `chat` ({"text": ...}): sent on to every connected client (`io.emit`);
- `echo`: answered through the acknowledgement with the same data (`callback(data)`);
- `join` (a room name): `socket.join(room)`;
- `boom` (demo only): a handler that raises, to show what error handling looks like.

Every input is checked (type and size) before use: a bad event gets an error answer or is
dropped, never an exception that reaches the server. The page for browsers is served by a tiny
ASGI app beside it, from a fixed list of files.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from netlearn.content.words import say
from netlearn.events import Event
from netlearn.lessons.socketio.events import BrokerMessage, HandlerRan

MAX_TEXT = 500  # characters of one chat message
MAX_ROOM = 40  # characters of a room name

Sink = Callable[[Event], None]


def short(value: Any, size: int = 48) -> str:
    """A value as compact JSON for a one-line report (bytes as Python shows them)."""
    if isinstance(value, bytes | bytearray):
        text = repr(bytes(value))
    else:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=repr)
    return text if len(text) <= size else text[: size - 1] + "…"


def make_server(
    *,
    sink: Sink,
    clock: Callable[[], float],
    name: str = "server",
    logger: logging.Logger | bool = False,
    engineio_logger: logging.Logger | bool = False,
    ping_interval: float = 25.0,
    ping_timeout: float = 20.0,
    max_payload: int = 100_000,
    demo_handlers: bool = True,
    client_manager: Any = None,
    cors_allowed_origins: Any = None,
) -> Any:
    """A python-socketio AsyncServer with the lesson's handlers; each run is reported to `sink`."""
    import socketio

    sio = socketio.AsyncServer(
        async_mode="asgi",
        logger=logger,
        engineio_logger=engineio_logger,
        ping_interval=ping_interval,
        ping_timeout=ping_timeout,
        max_http_buffer_size=max_payload,
        # One client's events are handled in order, and a handler's exception is logged at
        # once by Engine.IO ("message async handler error") instead of in a stray task.
        async_handlers=False,
        client_manager=client_manager,
        # None: same origin only (Origin = http://<the request's Host>). `serve` passes its
        # HostPolicy's check instead, because a DNS-rebinding page makes Host and Origin agree.
        cors_allowed_origins=cors_allowed_origins,
    )

    def ran(call: str) -> None:
        sink(HandlerRan(t=round(clock(), 3), server=name, call=call))

    @sio.event
    async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
        ran(say("socketio.serve.server.connect", sid=sid))
        return True

    @sio.event
    async def disconnect(sid: str, reason: Any = None) -> None:
        ran(say("socketio.serve.server.disconnect", sid=sid, reason=str(reason)))

    @sio.on("chat")
    async def chat(sid: str, data: Any = None) -> dict[str, Any]:
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text.strip():
            ran(say("socketio.serve.server.chat-refused", sid=sid, data=short(data)))
            return {"ok": False, "error": say("socketio.serve.server.send-text")}
        if len(text) > MAX_TEXT:
            ran(say("socketio.serve.server.chat-too-long", sid=sid, n=len(text)))
            return {"ok": False, "error": say("socketio.serve.server.at-most", limit=MAX_TEXT)}
        ran(say("socketio.serve.server.chat", sid=sid, data=short(data)))
        await sio.emit("chat", {"text": text, "from": sid[:6]})
        return {"ok": True}

    @sio.on("echo")
    async def echo(sid: str, *args: Any) -> Any:
        data = args[0] if len(args) == 1 else list(args)
        ran(say("socketio.serve.server.echo", sid=sid, data=short(data)))
        return data

    @sio.on("join")
    async def join(sid: str, room: Any = None) -> dict[str, Any]:
        if not isinstance(room, str) or not room or len(room) > MAX_ROOM:
            return {"ok": False, "error": say("socketio.serve.server.room-name", limit=MAX_ROOM)}
        await sio.enter_room(sid, room)
        ran(say("socketio.serve.server.join", sid=sid, room=room))
        return {"ok": True, "room": room}

    if demo_handlers:

        @sio.on("boom")
        async def boom(sid: str, data: Any = None) -> Any:
            ran(say("socketio.serve.server.boom", sid=sid, data=short(data)))
            raise RuntimeError(say("socketio.serve.server.boom-error"))

    return sio


class StaticFiles:
    """A minimal ASGI app: a fixed map of paths to files, nothing else (no directory walking)."""

    TYPES = {
        ".html": "text/html; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".svg": "image/svg+xml",
    }

    def __init__(self, folder: Path, index: str = "index.html") -> None:
        self.files: dict[str, Path] = {}
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.suffix in self.TYPES and path.is_file():
                    self.files["/" + path.name] = path
        if "/" + index in self.files:
            self.files["/"] = self.files["/" + index]

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[dict[str, Any]]],
        send: Callable[[dict[str, Any]], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            return
        path = self.files.get(scope.get("path", ""))
        if scope.get("method") not in ("GET", "HEAD") or path is None:
            not_found = say("socketio.serve.server.not-found") + "\n"
            await _respond(send, 404, not_found.encode(), "text/plain")
            return
        body = path.read_bytes()
        await _respond(
            send,
            200,
            body if scope.get("method") == "GET" else b"",
            self.TYPES[path.suffix],
            length=len(body),
        )


async def _respond(
    send: Callable[[dict[str, Any]], Awaitable[None]],
    status: int,
    body: bytes,
    content_type: str,
    length: int | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body) if length is None else length).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
                (
                    b"content-security-policy",
                    b"default-src 'self'; connect-src 'self'; style-src 'self'",
                ),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def make_app(sio: Any, static: Path | None = None) -> Any:
    """The ASGI app: Socket.IO at /socket.io/, the page's files (if any) everywhere else."""
    import socketio

    other = StaticFiles(static) if static is not None else StaticFiles(Path("/nonexistent"))
    return socketio.ASGIApp(sio, other_asgi_app=other)


# ---------------------------------------------------------------- scaling: a broker in memory


class MemoryBroker:
    """A message broker in this process: what Redis pub/sub does for servers on many machines.

    Each server subscribes a queue; a published message is put on every queue (the publisher's
    own manager skips its messages by their host id, as it does with Redis).
    """

    def __init__(self) -> None:
        self.queues: list[asyncio.Queue[str]] = []

    def subscribe(self) -> asyncio.Queue[str]:
        queue: asyncio.Queue[str] = asyncio.Queue(maxsize=1000)
        self.queues.append(queue)
        return queue

    def publish(self, message: str) -> None:
        for queue in self.queues:
            if not queue.full():
                queue.put_nowait(message)


def broker_manager(broker: MemoryBroker, server_name: str, sink: Sink, clock: Callable[[], float]):  # type: ignore[no-untyped-def]
    """A python-socketio client manager that talks through `broker` (AsyncPubSubManager)."""
    from socketio.async_pubsub_manager import AsyncPubSubManager

    class BrokerManager(AsyncPubSubManager):  # type: ignore[misc]
        name = "memory-broker"

        def __init__(self) -> None:
            super().__init__(channel="socketio")
            self.queue = broker.subscribe()

        async def _publish(self, data: Any) -> None:
            raw = json.dumps(data, separators=(",", ":"))
            meaning = ""
            if isinstance(data, dict) and data.get("method") == "emit":
                room = data.get("room") or say("socketio.serve.server.everyone")
                meaning = say(
                    "socketio.serve.server.broker-emit", event=data.get("event"), room=room
                )
            sink(BrokerMessage(t=round(clock(), 3), server=server_name, raw=raw, meaning=meaning))
            broker.publish(raw)

        async def _listen(self):  # type: ignore[no-untyped-def]
            while True:
                yield await self.queue.get()

    return BrokerManager()
