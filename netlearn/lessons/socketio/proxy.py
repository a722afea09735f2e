"""A logging relay on loopback: a client connects here, the bytes go on to the server unchanged.

Each direction is read, shown to a `ConnectionObserver` (what did these bytes complete?), turned
into events by the connection's trace, and only then written on, so an event is always emitted
before the other side can react to its bytes. The relay changes nothing; it can only `cut()` its
connections, which is how the lesson shows a connection dropping.

It is also the server's doorman, because it sees every connection first:

- at most `max_connections` at once; one more gets `503 Service Unavailable` with `Retry-After`
  and a one-line reason (not a reset), and the terminal is told (at most once a second);
- a client must send a whole request head within `head_timeout` seconds of connecting, before
  the relay even opens a connection to the server: sockets that dribble a request line
  (slowloris) are closed and hold nothing else;
- between requests an HTTP connection may stay quiet `idle_timeout` seconds, and a later request
  must arrive whole within `head_timeout` of its first byte. A WebSocket has no such limit
  (Engine.IO's own ping/pong finds dead peers).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from netlearn.content.words import say
from netlearn.events import Event, Note
from netlearn.lessons.socketio.observer import ConnectionObserver, RequestSeen, ResponseSeen
from netlearn.lessons.socketio.trace import ConnectionTrace, Tracer

READ_SIZE = 65536
CONNECT_TIMEOUT = 5.0
HEAD_TIMEOUT = 5.0  # seconds for a request head to arrive whole
IDLE_TIMEOUT = 15.0  # seconds an HTTP connection may wait, quiet, between requests
MAX_HEAD = 32 * 1024  # bytes of one request head
RETRY_AFTER = 5  # seconds, in a 503
MAX_REFUSING = 256  # connections being answered 503 at once; beyond, they are simply closed


def http_error(status: int, reason: str, body: str, retry_after: int | None = None) -> bytes:
    """A whole HTTP/1.1 error response that closes the connection."""
    data = f"netlearn: {body}\n".encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Length: {len(data)}\r\n"
        "Cache-Control: no-store\r\n"
        "Connection: close\r\n"
    )
    if retry_after is not None:
        head += f"Retry-After: {retry_after}\r\n"
    return head.encode() + b"\r\n" + data


class Relay:
    """Listens on (host, port), relays each connection to `upstream`, reports what crossed."""

    def __init__(
        self,
        upstream: tuple[str, int],
        tracer: Tracer,
        sink: Callable[[Event], None],
        *,
        max_connections: int = 64,
        head_timeout: float = HEAD_TIMEOUT,
        idle_timeout: float = IDLE_TIMEOUT,
        backlog: int = 1024,
    ) -> None:
        self.upstream = upstream
        self.tracer = tracer
        self.sink = sink
        self.max_connections = max_connections
        self.head_timeout = head_timeout
        self.idle_timeout = idle_timeout
        self.backlog = backlog
        self._server: asyncio.Server | None = None
        self._live: set[tuple[asyncio.StreamWriter, asyncio.StreamWriter, ConnectionTrace]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._cutting = False
        self._refusing = 0
        self.counts = {"full": 0, "slow": 0, "idle": 0}  # connections refused or closed, and why
        self._told: dict[str, tuple[float, int]] = {}

    @property
    def connections(self) -> int:
        """Connections open now (accepted, not yet finished)."""
        return len(self._tasks)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Start listening; the port the kernel chose (or the one asked for)."""
        self._server = await asyncio.start_server(
            self._accept, host, port, backlog=self.backlog, limit=MAX_HEAD
        )
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

    def abort_all(self) -> None:
        """Stop listening and drop every connection now (no waiting: used on Ctrl-C)."""
        if self._server is not None:
            self._server.close()
        for client_w, server_w, _ in list(self._live):
            for writer in (client_w, server_w):
                writer.transport.abort()
        for task in list(self._tasks):
            task.cancel()

    async def close(self, timeout: float = 1.0) -> None:
        self.abort_all()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), timeout)

    # -- one connection

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if self.connections >= self.max_connections:
            await self._refuse_full(reader, writer)
            return
        if task is not None:
            self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except asyncio.CancelledError:
            pass  # the relay is closing; the connection was aborted
        except Exception as exc:  # noqa: BLE001 - one connection's trouble stays with it
            writer.transport.abort()
            failed = say("socketio.serve.relay.failed", kind=type(exc).__name__, problem=exc)
            self._tell("error", failed)
        finally:
            if task is not None:
                self._tasks.discard(task)

    async def _refuse_full(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Over the limit: answer 503 with Retry-After (after reading the head, so no reset)."""
        self.counts["full"] += 1
        limit = self.max_connections
        full = say("socketio.serve.relay.full", limit=limit, retry_after=RETRY_AFTER)
        self._tell("full", full)
        if self._refusing >= MAX_REFUSING:
            writer.transport.abort()
            return
        self._refusing += 1
        try:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 1.0)
            writer.write(
                http_error(
                    503,
                    "Service Unavailable",
                    say("socketio.serve.relay.full-body", limit=limit, retry_after=RETRY_AFTER),
                    RETRY_AFTER,
                )
            )
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.drain(), 1.0)
        finally:
            self._refusing -= 1
            writer.close()

    async def _read_head(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bytes | None:
        """The first request head, within head_timeout; None (connection closed) if not."""
        try:
            return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), self.head_timeout)
        except TimeoutError:
            self.counts["slow"] += 1
            seconds = self.head_timeout
            self._tell("slow", say("socketio.serve.relay.slow", seconds=seconds))
            body = say("socketio.serve.relay.slow-body", seconds=seconds)
            writer.write(http_error(408, "Request Timeout", body))
        except asyncio.LimitOverrunError:
            writer.write(
                http_error(
                    431,
                    "Request Header Fields Too Large",
                    say("socketio.serve.relay.head-too-large", limit=MAX_HEAD),
                )
            )
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        writer.transport.abort() if writer.transport.is_closing() else writer.close()
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await self._read_head(reader, writer)
        if head is None:
            return
        peer = writer.get_extra_info("peername")
        peer_text = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else ""
        try:
            up_reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection(*self.upstream), CONNECT_TIMEOUT
            )
        except (TimeoutError, OSError):
            no_server = say("socketio.serve.relay.no-server")
            writer.write(http_error(502, "Bad Gateway", no_server))
            writer.close()
            return
        observer = ConnectionObserver()
        trace = self.tracer.connection(peer_text)
        entry = (writer, up_writer, trace)
        watch = _Watchdog(self, writer, up_writer)
        self._live.add(entry)
        try:
            pumps = [
                asyncio.ensure_future(
                    self._pump(reader, up_writer, observer, trace, True, watch, head)
                ),
                asyncio.ensure_future(self._pump(up_reader, writer, observer, trace, False, watch)),
            ]
            try:
                done, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
            except asyncio.CancelledError:
                for task in pumps:
                    task.cancel()
                raise
            first = done.pop().result() if done else None
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if first is not None and trace.websocket and not self._cutting:
                self.sink(trace.closed(first))
        finally:
            watch.stop()
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
        watch: _Watchdog,
        first: bytes = b"",
    ) -> bool:
        """Copy one direction until it ends; returns from_client (who ended it)."""
        data = first
        while True:
            if not data:
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
                seen = []
                problem = say("socketio.trace.link.stopped-decoding", problem=exc)
                events = [trace.note_problem(from_client, problem)]
            watch.saw(from_client, seen, observer.mode)
            for event in events:
                self.sink(event)
            try:
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return not from_client
            data = b""

    def _tell(self, kind: str, text: str) -> None:
        """A line in the terminal, at most once a second per kind (with how many since)."""
        now = self.tracer.clock()
        last, missed = self._told.get(kind, (-10.0, 0))
        if now - last < 1.0:
            self._told[kind] = (last, missed + 1)
            return
        self._told[kind] = (now, 0)
        more = say("socketio.serve.relay.more-like-it", n=missed) if missed else ""
        self.sink(Note(text=text + more, tone="warn"))


class _Watchdog:
    """Closes an HTTP connection that stays quiet too long between requests, or sends one slowly.

    Fed what the observer saw: a request makes it wait for the server (no limit: a long-poll
    answers after up to pingInterval seconds); the last answer starts the idle clock; the first
    byte of a next request starts the head clock; a WebSocket or an undecoded connection stops it.
    """

    def __init__(self, relay: Relay, client: asyncio.StreamWriter, server: asyncio.StreamWriter):
        self.relay = relay
        self.client = client
        self.server = server
        self.pending = 0  # requests the server has not answered yet
        self.started = True  # the first request's head was read already
        self.off = False
        self.timer: asyncio.TimerHandle | None = None
        self._arm(relay.head_timeout, "slow")

    def saw(self, from_client: bool, seen: list, mode: str) -> None:  # type: ignore[type-arg]
        if self.off:
            return
        if mode != "http":
            self.stop()
            return
        for item in seen:
            if isinstance(item, RequestSeen):
                self.pending += 1
                self.started = False
                self._cancel()
            elif isinstance(item, ResponseSeen) and item.status != 101:
                self.pending = max(0, self.pending - 1)
                if self.pending == 0:
                    self._arm(self.relay.idle_timeout, "idle")
        whole = any(isinstance(item, RequestSeen) for item in seen)
        if from_client and self.pending == 0 and not self.started and not whole:
            self.started = True  # bytes of a next request, not yet whole
            self._arm(self.relay.head_timeout, "slow")

    def _arm(self, seconds: float, why: str) -> None:
        self._cancel()
        loop = asyncio.get_running_loop()
        self.timer = loop.call_later(seconds, self._fire, why, seconds)

    def _cancel(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def stop(self) -> None:
        self.off = True
        self._cancel()

    def _fire(self, why: str, seconds: float) -> None:
        self.timer = None
        self.relay.counts[why] += 1
        if why == "slow":
            self.relay._tell("slow", say("socketio.serve.relay.slow-later", seconds=seconds))
        for writer in (self.client, self.server):
            writer.transport.abort()
