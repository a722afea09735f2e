"""The WebSocket server's open connections: frames in, chat, pushes, pings, back-pressure.

`Connections` is the half of `WsServer` (netlearn.lessons.websocket.server) that runs once a
client is upgraded: it reads frames through the client's sans-I/O `ServerConnection`, answers
(echo, chat relay, pong, close), pushes and pings on timers, and drops a client that does not
keep up, never buffering for it. Every event it emits goes through `emit`; its words are under
`websocket.server.*` (lessons/websocket/server.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from wsproto.connection import ConnectionState
from wsproto.events import BytesMessage, CloseConnection, Message, Ping, Pong, TextMessage

from netlearn.content.words import say
from netlearn.events import Event
from netlearn.lessons.websocket.frames import close_code_name, frame_event, parse_head, unmask_event
from netlearn.lessons.websocket.protocol import Failure, Received, ServerConnection

if TYPE_CHECKING:
    from netlearn.lessons.websocket.server_config import ServeConfig

CHAT, ECHO = "/chat", "/echo"


@dataclass
class Client:
    """One open WebSocket connection."""

    id: int
    peer: str
    path: str
    conn: ServerConnection
    writer: asyncio.StreamWriter
    name: str = ""
    seen: set[tuple[str, int]] = field(default_factory=set)
    explained: bool = False
    other: str = "client"  # "browser" when the request carried an Origin
    parts: list[str | bytes] = field(default_factory=list)
    gone: str = ""  # why the server dropped it, once it did
    last_in: float = 0.0  # on the server's clock

    @property
    def open(self) -> bool:
        ws = self.conn.ws
        return not self.gone and ws is not None and ws.state is ConnectionState.OPEN


class Connections:
    """Frames, chat, timers and back-pressure for `WsServer` (which sets these attributes)."""

    config: ServeConfig
    clients: dict[int, Client]
    emit: Callable[[Event], None]
    dropped: int
    pushes: int

    def clock(self) -> float:  # pragma: no cover  (WsServer's)
        raise NotImplementedError

    def t(self) -> float:  # pragma: no cover  (WsServer's)
        raise NotImplementedError

    def log(
        self, cid: int, peer: str, text: str, tone: str = "explain"
    ) -> None:  # pragma: no cover
        raise NotImplementedError

    async def _frames(
        self, client: Client, early: list[Received | Failure], reader: asyncio.StreamReader
    ) -> None:
        items: list[Received | Failure] = list(early)
        while True:
            for item in items:
                if isinstance(item, Failure):
                    await self._fail(client, item, reader)
                    return
                await self._on_frame(client, item)
                if client.conn.ws is None or client.conn.ws.state is ConnectionState.CLOSED:
                    return
            data = await reader.read(65536)
            client.last_in = self.clock()
            if client.gone:
                return
            if not data:
                pending = len(client.conn.reader.buf) if client.conn.reader else 0
                where = (
                    say("websocket.server.log.lost-mid-frame", pending=pending) if pending else ""
                )
                text = say("websocket.server.log.lost", where=where, name=close_code_name(1006))
                self.log(client.id, client.peer, text, "warn")
                return
            items = client.conn.receive_data(data)  # type: ignore[assignment]

    async def _fail(self, client: Client, failure: Failure, reader: asyncio.StreamReader) -> None:
        text = say(
            "websocket.server.log.violation",
            reason=failure.reason,
            code=failure.code,
            name=close_code_name(failure.code),
            section=failure.section,
        )
        self.log(client.id, client.peer, text, "warn")
        data = client.conn.fail(failure)
        if data:
            self._show(client, data, "server", client.other)
            self._queue(client, data)
        await self._drain(client)
        if client.gone:
            return
        if client.writer.can_write_eof():
            client.writer.write_eof()
        # Read (and drop) whatever the client still sends until it closes, so that our
        # close does not turn into a TCP reset that could destroy the close frame in flight.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(self.config.drain_timeout):
                while await reader.read(65536):
                    pass

    async def _on_frame(self, client: Client, item: Received) -> None:
        other = client.other
        self._show_received(client, item, other)
        for event in item.events:
            if isinstance(event, Message):
                client.parts.append(event.data)
                if not event.message_finished:
                    continue
                whole = _join(client.parts)
                client.parts = []
                if client.path == ECHO:
                    await self._send(client, _message(whole))
                else:
                    await self._chat(client, whole)
            elif isinstance(event, Ping):
                await self._send(client, event.response())
            elif isinstance(event, Pong):
                pass
            elif isinstance(event, CloseConnection):
                code = event.code
                text = say(
                    "websocket.server.log.close-from",
                    other=other,
                    code=code,
                    name=close_code_name(code),
                    reason=repr(event.reason),
                )
                self.log(client.id, client.peer, text)
                ws = client.conn.ws
                if ws is not None and ws.state is ConnectionState.REMOTE_CLOSING:
                    await self._send(client, event.response(), force=True)

    async def _chat(self, client: Client, whole: str | bytes) -> None:
        if isinstance(whole, bytes):
            await self._send(
                client,
                TextMessage(
                    data=_json(
                        {
                            "type": "info",
                            "text": say(
                                "websocket.server.chat.binary",
                                size=len(whole),
                                head=whole[:16].hex(" "),
                                more=" …" if len(whole) > 16 else "",
                            ),
                        }
                    )
                ),
            )
            return
        try:
            msg = json.loads(whole)
            text = str(msg.get("text", "")) if isinstance(msg, dict) else str(msg)
        except (ValueError, RecursionError):
            text = whole
        self._broadcast({"type": "chat", "from": client.name, "text": text[:2000]})
        await self._drain(client)  # the sender waits for its own copy: back-pressure

    def _chat_count(self) -> int:
        return sum(1 for c in self.clients.values() if c.path == CHAT and c.open)

    def _broadcast(self, message: dict[str, object], skip: int | None = None) -> None:
        """Queue a message to every chat page without waiting for any of them.

        A page that does not keep up gets dropped by `_queue` once its backlog passes the
        bound, so one stalled page slows nobody and costs bounded memory. The frame (the same
        bytes for every page: servers do not mask) is shown once, not once per page."""
        event = TextMessage(data=_json(message))
        shown: tuple[Client, bytes] | None = None
        count = 0
        for client in list(self.clients.values()):
            if client.path == CHAT and client.id != skip and client.open:
                data = client.conn.send(event)
                if self._queue(client, data):
                    count += 1
                    shown = shown or (client, data)
        if shown is not None:
            client, data = shown
            self._show(client, data, "server", client.other if count == 1 else f"{count} pages")

    async def _pusher(self, client: Client) -> None:
        n = 0
        while client.open:
            await asyncio.sleep(self.config.push_every)
            if not client.open:
                return
            n += 1
            self.pushes += 1
            stamp = time.strftime("%H:%M:%S")
            await self._send(
                client,
                TextMessage(
                    data=_json(
                        {
                            "type": "push",
                            "n": n,
                            "text": say("websocket.server.chat.push", stamp=stamp),
                        }
                    )
                ),
            )

    async def _pinger(self, client: Client) -> None:
        n = 0
        while client.open:
            await asyncio.sleep(self.config.ping_every)
            silent = self.clock() - client.last_in
            if silent > 2 * self.config.ping_every + self.config.drain_timeout:
                # No pong, no anything, for two pings: the peer is gone without a word.
                self._drop(client, say("websocket.server.drop.no-pong", seconds=silent))
                return
            n += 1
            await self._send(client, Ping(payload=say("websocket.server.chat.ping", n=n).encode()))

    async def _send(self, client: Client, event: object, force: bool = False) -> None:
        """Send one wsproto event as a frame (and show it), then wait (bounded) until it left."""
        ws = client.conn.ws
        if client.gone or ws is None or (not force and ws.state is not ConnectionState.OPEN):
            return
        data = client.conn.send(event)  # type: ignore[arg-type]
        if self._queue(client, data):
            self._show(client, data, "server", client.other)
            await self._drain(client)

    def _queue(self, client: Client, data: bytes) -> bool:
        """Hand bytes to the client's transport, unless it is gone or too far behind (dropped)."""
        if client.gone:
            return False
        transport = client.writer.transport
        if transport.is_closing():
            self._drop(client, say("websocket.server.drop.closed"), quiet=True)
            return False
        backlog = transport.get_write_buffer_size()
        if backlog > self.config.max_backlog:
            self._drop(client, say("websocket.server.drop.not-reading", backlog=backlog))
            return False
        client.writer.write(data)
        return True

    async def _drain(self, client: Client) -> None:
        """Wait until the client took what was queued; drop it if that takes too long."""
        if client.gone:
            return
        try:
            await asyncio.wait_for(client.writer.drain(), self.config.drain_timeout)
        except TimeoutError:
            seconds = self.config.drain_timeout
            self._drop(client, say("websocket.server.drop.no-drain", seconds=seconds))
        except (ConnectionError, OSError):
            self._drop(client, say("websocket.server.drop.broke-off"), quiet=True)

    def _drop(self, client: Client, why: str, quiet: bool = False) -> None:
        """Forget a client now and cut its connection (its handler then ends and cleans up)."""
        if client.gone:
            return
        client.gone = why
        self.dropped += 1
        self.clients.pop(client.id, None)
        client.writer.transport.abort()
        if not quiet:
            self.log(client.id, client.peer, say("websocket.server.log.dropped", why=why), "warn")

    # ------------------------------------------------------------ showing frames

    def _detail(self, client: Client, direction: str, opcode: int) -> bool:
        key = (direction, opcode)
        if client.path != CHAT or key in client.seen:
            return False
        client.seen.add(key)
        return True

    def _show(self, client: Client, data: bytes, src: str, dst: str) -> None:
        head = parse_head(data)
        if head is None:
            return
        detail = self._detail(client, "out", head.opcode)
        self.emit(self._frame_event(client, data, src, dst, detail, None))

    def _show_received(self, client: Client, item: Received, src: str) -> None:
        detail = self._detail(client, "in", item.head.opcode)
        event = self._frame_event(client, item.raw, src, "server", detail, item.message)
        self.emit(event)
        if detail and event.masked and event.length:
            self.emit(unmask_event(event))

    def _frame_event(
        self, client: Client, raw: bytes, src: str, dst: str, detail: bool, message: int | None
    ) -> Event:
        explain = detail and not client.explained
        client.explained = client.explained or explain
        return frame_event(
            raw,
            src=f"#{client.id} {src}" if client.path == ECHO else src,
            dst=dst,
            detail=detail,
            explain=explain,
            message=message,
            t=self.t(),
            label=f"#{client.id}" if detail else "",
        )


def _json(obj: dict[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _join(parts: list[str | bytes]) -> str | bytes:
    if parts and isinstance(parts[0], str):
        return "".join(str(p) for p in parts)
    return b"".join(p for p in parts if isinstance(p, bytes | bytearray))


def _message(data: str | bytes) -> Message:  # type: ignore[type-arg]
    return TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data)
