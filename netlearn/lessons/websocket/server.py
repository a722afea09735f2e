"""`netlearn websocket serve`: a small asyncio server for real browsers and WebSocket clients.

- `GET /` serves the chat page from `assets/web/websocket/`; the page opens `ws://HOST:PORT/chat`.
- `/chat`: checks Origin (refusing other sites, and saying why), greets, relays chat messages to
  every chat page, pushes a message every few seconds, pings now and then. The first frames of
  each kind, both ways, are drawn bit by bit; the browser's own upgrade request is explained.
- `/echo`: sends back every text and binary message unchanged and nothing unsolicited.

Every connection runs the sans-I/O `ServerConnection` (h11 + wsproto); a handler's error is logged
and ends that connection only. Every request must name this server in its Host header (the
loopback names, the bound name, `--allow-host` names; any IP when bound to every address), so a
page that rebinds its own DNS name to this machine is refused (`netlearn.hostcheck`).

Limits, so one client cannot hold the server hostage: request head size, message size, open
WebSocket clients (`max_clients`, then 503), requests still arriving (`max_pending`; when full,
the slowest one older than a second is dropped), a handshake timeout, and a bound on what may
wait to be sent to one client (a client that stops reading is dropped, never buffered for).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from wsproto.connection import ConnectionState
from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Message,
    Ping,
    Pong,
    TextMessage,
)

import netlearn.lessons.websocket.render  # noqa: F401  (registers the drawing of this lesson's events)
from netlearn.events import Event, Note
from netlearn.hostcheck import HostPolicy
from netlearn.lessons.websocket.events import AcceptProof, ServerLog
from netlearn.lessons.websocket.frames import close_code_name, frame_event, unmask_event
from netlearn.lessons.websocket.handshake import GUID, accept_stages, http_event
from netlearn.lessons.websocket.protocol import (
    BadRequest,
    Failure,
    Received,
    Refusal,
    RequestIn,
    ServerConnection,
    http_response,
)
from netlearn.paths import assets_dir

CHAT, ECHO = "/chat", "/echo"
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
CSWSH = (
    "Why check at all? A WebSocket handshake is an ordinary GET, and a browser sends this "
    "site's cookies with it even when a page from *another* site opens the socket. Neither the "
    "same-origin policy nor CORS stops a page from opening a WebSocket to any server, and once "
    "open, that page reads everything sent on it. Without this check, any site you visit could "
    "talk to this chat in your name: **cross-site WebSocket hijacking**. The browser's `Origin` "
    "header names the page that opened the socket (and page scripts cannot forge it), so the "
    "server compares it with its own address (RFC 6455 section 10.2) and refuses others with "
    "403 (section 4.2.2)."
)


@dataclass
class ServeConfig:
    host: str = "127.0.0.1"
    port: int = 0
    max_message: int = 1 << 20
    max_clients: int = 200
    push_every: float = 5.0
    ping_every: float = 20.0
    handshake_timeout: float = 10.0
    drain_timeout: float = 2.0
    allow_hosts: tuple[str, ...] = ()
    max_pending: int = 0  # requests still arriving at once; 0: max(64, max_clients)
    max_backlog: int = 256 * 1024  # bytes waiting to be sent to one client before it is dropped
    web_dir: Path = field(default_factory=lambda: assets_dir() / "web" / "websocket")


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
    last_in: float = field(default_factory=time.monotonic)

    @property
    def open(self) -> bool:
        ws = self.conn.ws
        return not self.gone and ws is not None and ws.state is ConnectionState.OPEN


class WsServer:
    """The server. `emit` receives every event (the CLI hands them to its renderer)."""

    def __init__(self, config: ServeConfig, emit: Callable[[Event], None]) -> None:
        self.config = config
        self.emit = emit
        self.ids = itertools.count(1)
        self.active = 0
        self.clients: dict[int, Client] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.pending: dict[int, tuple[float, asyncio.Task[None]]] = {}  # requests arriving
        self.server: asyncio.Server | None = None
        self.port = 0
        self.policy = HostPolicy.make(config.host, config.port, config.allow_hosts)
        self.stopping = False
        self.dropped = 0
        self.t0 = time.monotonic()
        self.pushes = 0
        self.errors = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> int:
        self.server = await asyncio.start_server(
            self._spawn, self.config.host, self.config.port, backlog=256, reuse_address=True
        )
        sock = self.server.sockets[0]
        self.port = sock.getsockname()[1]
        self.policy = HostPolicy.make(self.config.host, self.port, self.config.allow_hosts)
        return self.port

    @property
    def max_pending(self) -> int:
        return self.config.max_pending or max(64, self.config.max_clients)

    async def serve_forever(self) -> None:
        assert self.server is not None
        try:
            await self.server.serve_forever()
        finally:
            await self.stop()

    async def stop(self, grace: float = 0.3) -> None:
        """Close the listening socket, say goodbye (1001) to every client, end every task.

        Bounded: whatever has not closed after `grace` seconds is cut off (Ctrl-C must work
        within a second, even in the middle of a burst of clients)."""
        self.stopping = True
        if self.server is not None:
            self.server.close()
            self.server = None
        for client in list(self.clients.values()):
            if client.open:
                with contextlib.suppress(Exception):
                    self._queue(
                        client,
                        client.conn.send(CloseConnection(code=1001, reason="server shutting down")),
                    )
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for client in list(self.clients.values()):
            client.writer.transport.abort()

    def t(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def log(self, cid: int, peer: str, text: str, tone: str = "explain") -> None:
        text = text if len(text) <= 400 else text[:399] + "…"  # one line, whatever the input
        self.emit(ServerLog(t=self.t(), conn=cid, peer=peer, text=text, tone=tone))

    def _spawn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.stopping:
            writer.transport.abort()
            return
        cid = next(self.ids)
        if len(self.pending) >= self.max_pending and not self._evict_slowest():
            # Requests keep arriving and none is slow: a burst. Refuse this one, politely.
            writer.write(
                http_response(
                    503, b"too many requests at once, try again\n", (("Retry-After", "1"),)
                )
            )
            writer.close()
            return
        task = asyncio.get_running_loop().create_task(self._handle(cid, reader, writer))
        self.tasks.add(task)
        self.pending[cid] = (time.monotonic(), task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(lambda _t: self.pending.pop(cid, None))

    def _evict_slowest(self) -> bool:
        """Make room by dropping the request that has been arriving longest (slowloris)."""
        cid, (since, task) = next(iter(self.pending.items()))  # the oldest: dicts keep order
        if time.monotonic() - since < min(1.0, self.config.handshake_timeout):
            return False
        del self.pending[cid]
        task.cancel()
        self.log(cid, "-", "request still incomplete while others wait: dropped to make room")
        return True

    # ------------------------------------------------------------ one connection

    async def _handle(
        self, cid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        addr = writer.get_extra_info("peername") or ("?", 0)
        peer = f"{addr[0]}:{addr[1]}"
        self.active += 1
        try:
            await self._serve(cid, peer, reader, writer)
        except asyncio.CancelledError:
            raise
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError, OSError):
            client = self.clients.get(cid)
            if client is None or not client.gone:
                self.log(cid, peer, "the connection broke off")
        except Exception as exc:  # a bug must cost one connection, never the server
            self.errors += 1
            self.log(cid, peer, f"internal error, connection dropped: {exc!r}"[:300], "warn")
        finally:
            self.active -= 1
            # Forget the client whatever ended it: a close, EOF, a reset, an error, a drop.
            client = self.clients.pop(cid, None)
            if client is not None and client.path == CHAT and client.name and not self.stopping:
                self._broadcast({"type": "system", "text": f"{client.name} left"})
            await self._close(writer)

    async def _close(self, writer: asyncio.StreamWriter) -> None:
        """Close TCP; a peer that does not take the last bytes in time gets a reset instead."""
        transport = writer.transport
        if not transport.get_write_buffer_size() and (self.stopping or transport.is_closing()):
            writer.close()  # nothing left to send: closes at once, no need to wait
            return
        writer.close()
        try:
            await asyncio.wait_for(writer.wait_closed(), 0.2 if self.stopping else 1.0)
        except asyncio.CancelledError:
            transport.abort()
            raise
        except Exception:  # noqa: BLE001  (a timeout or the reset it ended with)
            transport.abort()

    async def _serve(
        self, cid: int, peer: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> Client | None:
        conn = ServerConnection(endpoints=(CHAT, ECHO), max_message=self.config.max_message)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.config.handshake_timeout
        first = None
        while first is None:
            left = deadline - loop.time()
            if left <= 0:
                self.log(cid, peer, "no complete request within the time limit: closed")
                return None
            try:
                data = await asyncio.wait_for(reader.read(65536), left)
            except TimeoutError:
                self.log(cid, peer, "no complete request within the time limit: closed")
                return None
            if not data:
                return None
            items = conn.receive_data(data)
            first = items[0] if items else None
        self.pending.pop(cid, None)  # the request is in: no longer a candidate for eviction
        # Let the loop breathe before the (costly) explaining and answering: in a burst of
        # requests, Ctrl-C's cancellation is queued behind whatever is ready, so each step
        # is kept short, and nothing new is started once the server is stopping.
        await asyncio.sleep(0)
        if self.stopping:
            return None
        if isinstance(first, BadRequest):
            await self._write(writer, conn.refuse(first.refusal))
            self.log(cid, peer, f"{first.refusal.status}: {first.refusal.reason}", "warn")
            return None
        assert isinstance(first, RequestIn)
        req = first
        ok, why = self.policy.host_ok(req.header("host"))
        if not ok:
            # Every path, pages too: a rebinding page must not read this server's pages either.
            body = f"{why}\nThis server answers to: {self.policy.names()}.\n".encode()
            await self._write(writer, conn.respond(http_response(421, body)))
            self.log(cid, peer, f"refused {_short(req.method)} {_short(req.target)}: {why}", "warn")
            return None
        if req.path not in (CHAT, ECHO):
            await self._static(cid, peer, conn, req, writer)
            return None
        return await self._websocket(cid, peer, conn, req, reader, writer)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if data:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), self.config.drain_timeout)

    async def _static(
        self,
        cid: int,
        peer: str,
        conn: ServerConnection,
        req: RequestIn,
        writer: asyncio.StreamWriter,
    ) -> None:
        if req.refusal is not None:  # a WebSocket handshake to a path with no endpoint
            await self._write(writer, conn.refuse(req.refusal))
            self.log(
                cid,
                peer,
                f"{_short(req.method)} {_short(req.target)}: {req.refusal.status}",
                "warn",
            )
            return
        entry = STATIC.get(req.path)
        if req.method not in ("GET", "HEAD"):
            answer = http_response(405, b"only GET here\n", (("Allow", "GET, HEAD"),))
            status = 405
        elif entry is None:
            answer = http_response(404, b"not found\n")
            status = 404
        else:
            name, ctype = entry
            body = (self.config.web_dir / name).read_bytes()
            headers = (
                ("Cache-Control", "no-store"),
                ("X-Content-Type-Options", "nosniff"),
                ("Content-Security-Policy", "default-src 'self'; connect-src 'self'"),
            )
            answer = http_response(200, body, headers, content_type=ctype)
            if req.method == "HEAD":
                answer = answer[: answer.index(b"\r\n\r\n") + 4]
            status = 200
        await self._write(writer, conn.respond(answer))
        if req.path != "/favicon.ico":  # browsers ask for it on their own; not worth a line
            self.log(cid, peer, f"{_short(req.method)} {_short(req.target)} -> {status}")

    # ------------------------------------------------------------ WebSocket connections

    def _origin_ok(self, req: RequestIn) -> tuple[bool, str]:
        """An Origin naming one of the hosts this server answers to, on its port (hostcheck)."""
        return self.policy.origin_ok(req.header("origin"))

    async def _websocket(
        self,
        cid: int,
        peer: str,
        conn: ServerConnection,
        req: RequestIn,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> Client | None:
        chat = req.path == CHAT
        who = "browser" if req.header("origin") else "client"
        if chat:
            self.emit(_http(req.raw, who, "server", f"#{cid} the upgrade request, from {peer}"))
        refusal = req.refusal
        if refusal is None and chat:
            ok, why = self._origin_ok(req)
            self.log(cid, peer, ("allowed: " if ok else "refused: ") + why, "tip" if ok else "warn")
            if not ok:
                refusal = Refusal(403, "cross-site WebSocket connections are refused", "10.2")
                self.emit(Note(t=self.t(), text=CSWSH, tone="warn"))
        if refusal is None and len(self.clients) >= self.config.max_clients:
            refusal = Refusal(
                503,
                f"this server takes at most {self.config.max_clients} WebSocket clients at once "
                "(--max-clients); try again later",
                "4.2.2",
                (("Retry-After", "5"),),
            )
        if refusal is not None:
            answer = conn.refuse(refusal)
            await self._write(writer, answer)
            if chat:
                self.emit(_http(answer, "server", who, f"#{cid} the server refuses"))
            self.log(cid, peer, f"{req.path}: {refusal.status} {refusal.reason}", "warn")
            return None
        response, early = conn.accept()
        # Queue the 101, register the client and queue its welcome in the same step (no await
        # in between), so that a broadcast made the moment the handshake completes already
        # reaches it, after the 101 and the welcome in the byte stream.
        writer.write(response)
        client = Client(cid, peer, req.path, conn, writer, other=who)
        self.clients[cid] = client
        if chat:
            self._explain_accept(cid, req, response, who)
            client.name = f"guest-{cid}"
            welcome = {"type": "welcome", "you": client.name, "online": self._chat_count()}
            data = conn.send(TextMessage(data=_json(welcome)))
            if self._queue(client, data):
                self._show(client, data, "server", who)
        else:
            self.log(cid, peer, f"{req.path}: upgraded (101), {_agent(req)}")
        await self._drain(client)
        if chat:
            self._broadcast({"type": "system", "text": f"{client.name} joined"}, skip=cid)
            background = [
                asyncio.create_task(self._pusher(client)),
                asyncio.create_task(self._pinger(client)),
            ]
        else:
            background = []
        try:
            await self._frames(client, early, reader)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
        return client

    def _explain_accept(self, cid: int, req: RequestIn, response: bytes, who: str) -> None:
        offered = req.header("sec-websocket-extensions")
        key = req.header("sec-websocket-key") or ""
        stages = accept_stages(key)
        self.emit(
            AcceptProof(
                t=self.t(),
                key=key,
                guid=GUID,
                joined=stages.joined,
                digest=stages.digest,
                accept=stages.accept,
            )
        )
        self.emit(_http(response, "server", who, f"#{cid} 101 Switching Protocols"))
        if offered:
            self.emit(
                Note(
                    t=self.t(),
                    text=f"The {who} offered `{offered}`. This server accepts no extension: "
                    "its answer has no Sec-WebSocket-Extensions header, so no compression is "
                    "used and every frame below stays readable (RFC 6455 section 9.1; "
                    "permessage-deflate is RFC 7692).",
                )
            )

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
            client.last_in = time.monotonic()
            if client.gone:
                return
            if not data:
                pending = len(client.conn.reader.buf) if client.conn.reader else 0
                where = f" in the middle of a frame ({pending} bytes of it)" if pending else ""
                self.log(
                    client.id,
                    client.peer,
                    f"connection lost{where} without a close frame: the application sees code "
                    f"1006 ({close_code_name(1006)}), which is never sent on the wire "
                    "(RFC 6455 section 7.1.5)",
                    "warn",
                )
                return
            items = client.conn.receive_data(data)  # type: ignore[assignment]

    async def _fail(self, client: Client, failure: Failure, reader: asyncio.StreamReader) -> None:
        self.log(
            client.id,
            client.peer,
            f"protocol violation: {failure.reason}; closing with {failure.code} "
            f"({close_code_name(failure.code)}), RFC 6455 section {failure.section}",
            "warn",
        )
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
                self.log(
                    client.id,
                    client.peer,
                    f"close from the {other}: {code} ({close_code_name(code)}) "
                    f"{event.reason!r}; answering, then closing TCP first (RFC 6455 section 7.1.1)",
                )
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
                            "text": f"the server got {len(whole)} binary bytes: "
                            f"{whole[:16].hex(' ')}{' …' if len(whole) > 16 else ''}",
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
                            "text": f"the server's clock says {stamp}; nobody asked for this",
                        }
                    )
                ),
            )

    async def _pinger(self, client: Client) -> None:
        n = 0
        while client.open:
            await asyncio.sleep(self.config.ping_every)
            silent = time.monotonic() - client.last_in
            if silent > 2 * self.config.ping_every + self.config.drain_timeout:
                # No pong, no anything, for two pings: the peer is gone without a word.
                self._drop(client, f"no answer for {silent:.0f} s, not even to pings")
                return
            n += 1
            await self._send(client, Ping(payload=f"keep-alive {n}".encode()))

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
            self._drop(client, "the connection is closed", quiet=True)
            return False
        backlog = transport.get_write_buffer_size()
        if backlog > self.config.max_backlog:
            self._drop(client, f"it does not read: {backlog} bytes wait to be sent to it")
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
            self._drop(client, f"it took nothing for {self.config.drain_timeout:g} s")
        except (ConnectionError, OSError):
            self._drop(client, "the connection broke off", quiet=True)

    def _drop(self, client: Client, why: str, quiet: bool = False) -> None:
        """Forget a client now and cut its connection (its handler then ends and cleans up)."""
        if client.gone:
            return
        client.gone = why
        self.dropped += 1
        self.clients.pop(client.id, None)
        client.writer.transport.abort()
        if not quiet:
            self.log(client.id, client.peer, f"dropped: {why}", "warn")

    # ------------------------------------------------------------ showing frames

    def _detail(self, client: Client, direction: str, opcode: int) -> bool:
        key = (direction, opcode)
        if client.path != CHAT or key in client.seen:
            return False
        client.seen.add(key)
        return True

    def _show(self, client: Client, data: bytes, src: str, dst: str) -> None:
        from netlearn.lessons.websocket.frames import parse_head

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


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _http(raw: bytes, src: str, dst: str, label: str) -> Event:
    return http_event(raw, src, dst, label)


def _agent(req: RequestIn) -> str:
    agent = req.header("user-agent") or "no User-Agent"
    origin = req.header("origin") or "no Origin"
    return f"{origin}, {agent[:60]}"


def _json(obj: dict[str, object]) -> str:
    return json.dumps(obj, ensure_ascii=False)


def _join(parts: list[str | bytes]) -> str | bytes:
    if parts and isinstance(parts[0], str):
        return "".join(str(p) for p in parts)
    return b"".join(p for p in parts if isinstance(p, bytes | bytearray))


def _message(data: str | bytes) -> Message:  # type: ignore[type-arg]
    return TextMessage(data=data) if isinstance(data, str) else BytesMessage(data=data)


class ServerThread:
    """The server on its own event loop in a background thread (for tests and embedding)."""

    def __init__(self, config: ServeConfig, emit: Callable[[Event], None]) -> None:
        self.config = config
        self.emit = emit
        self.loop = asyncio.new_event_loop()
        self.server = WsServer(config, self._emit)
        self.thread = threading.Thread(target=self._run, name="netlearn-ws-serve", daemon=True)
        self.ready = threading.Event()
        self.lock = threading.Lock()
        self._main: asyncio.Future[None] | None = None
        self._error: BaseException | None = None

    def _emit(self, event: Event) -> None:
        with self.lock:
            self.emit(event)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_until_complete(self.server.start())
        except BaseException as exc:  # reported to start()
            self._error = exc
            self.ready.set()
            return
        self._main = asyncio.ensure_future(self.server.serve_forever(), loop=self.loop)
        self.ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            self.loop.run_until_complete(self._main)
        self.loop.close()

    def start(self) -> int:
        self.thread.start()
        self.ready.wait(10)
        if self._error is not None:
            raise self._error
        return self.server.port

    def stop(self) -> None:
        if self._main is not None and not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self._main.cancel)
        self.thread.join(10)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
