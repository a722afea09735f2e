"""A logging relay on loopback: a client connects here, the bytes go on to the server unchanged.

Each direction is read, shown to a `ConnectionObserver` (what did these bytes complete?), turned
into events by the connection's trace, and only then written on, so an event is always emitted
before the other side can react to its bytes. The relay changes nothing; it can only `cut()` its
connections, which is how the lesson shows a connection dropping.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from netlearn.events import Event
from netlearn.sio.observer import ConnectionObserver
from netlearn.sio.trace import ConnectionTrace, Tracer

READ_SIZE = 65536
CONNECT_TIMEOUT = 5.0


class Relay:
    """Listens on (host, port), relays each connection to `upstream`, reports what crossed."""

    def __init__(
        self,
        upstream: tuple[str, int],
        tracer: Tracer,
        sink: Callable[[Event], None],
        *,
        max_connections: int = 64,
    ) -> None:
        self.upstream = upstream
        self.tracer = tracer
        self.sink = sink
        self.max_connections = max_connections
        self._server: asyncio.Server | None = None
        self._live: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter, ConnectionTrace]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cutting = False

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening; the port the kernel chose (or the one asked for)."""
        self._server = await asyncio.start_server(self._accept, host, port)
        return int(self._server.sockets[0].getsockname()[1])

    async def cut(self) -> int:
        """Drop every current connection at once, as a dead network would. How many were cut."""
        cut = list(self._live)
        self._cutting = True
        for client_w, server_w, trace in cut:
            self.sink(trace.closed(False, "cut"))
            for writer in (client_w, server_w):
                writer.transport.abort()
        await asyncio.sleep(0)
        self._cutting = False
        return len(cut)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for client_w, server_w, _ in list(self._live):
            for writer in (client_w, server_w):
                writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # the relay is closing; the connection was aborted
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._live) >= self.max_connections:
            writer.transport.abort()
            return
        peer = writer.get_extra_info("peername")
        peer_text = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else ""
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.upstream), CONNECT_TIMEOUT
            )
        except (TimeoutError, OSError):
            writer.transport.abort()
            return
        observer = ConnectionObserver()
        trace = self.tracer.connection(peer_text)
        entry = (writer, up_writer, trace)
        self._live.add(entry)
        try:
            done, pending = await asyncio.wait(
                [
                    asyncio.ensure_future(self._pump(reader, up_writer, observer, trace, True)),
                    asyncio.ensure_future(self._pump(up_reader, writer, observer, trace, False)),
                ],
                return_when=asyncio.FIRST_COMPLETED,
            )
            first = done.pop().result() if done else None
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if first is not None and trace.websocket and not self._cutting:
                self.sink(trace.closed(first))
        finally:
            self._live.discard(entry)
            for w in (writer, up_writer):
                w.transport.abort() if w.transport.is_closing() else w.close()

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        observer: ConnectionObserver,
        trace: ConnectionTrace,
        from_client: bool,
    ) -> bool:
        """Copy one direction until it ends; returns from_client (who ended it)."""
        while True:
            try:
                data = await reader.read(READ_SIZE)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                return from_client
            try:
                seen = observer.from_client(data) if from_client else observer.from_server(data)
                events = trace.events(seen)
            except Exception as exc:  # noqa: BLE001 - a decoding bug must not cut the connection
                observer.mode = "opaque"
                events = [trace.note_problem(from_client, f"stopped decoding: {exc!r}")]
            for event in events:
                self.sink(event)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return not from_client
