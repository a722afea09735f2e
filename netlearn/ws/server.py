"""`netlearn websocket serve`: a small asyncio server for real browsers and WebSocket clients.

- `GET /` serves the chat page from `assets/web/websocket/`; the page opens `ws://HOST:PORT/chat`.
- `/chat`: checks Origin (refusing other sites, and saying why), greets, relays chat messages to
  every chat page, pushes a message every few seconds, pings now and then. The first frames of
  each kind, both ways, are drawn bit by bit; the browser's own upgrade request is explained.
- `/echo`: sends back every text and binary message unchanged and nothing unsolicited.

Every connection runs the sans-I/O `ServerConnection` (h11 + wsproto); a handler's error is logged
and ends that connection only. Limits: request head size, message size, number of clients, and a
handshake timeout, so one client cannot hold the server hostage.
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

import netlearn.ws.render  # noqa: F401  (registers the drawing of this lesson's events)
from netlearn.events import Event, Note
from netlearn.paths import assets_dir
from netlearn.ws.events import AcceptProof, ServerLog
from netlearn.ws.frames import close_code_name, frame_event, unmask_event
from netlearn.ws.handshake import GUID, accept_stages, http_event
from netlearn.ws.protocol import (
    BadRequest,
    Failure,
    Received,
    Refusal,
    RequestIn,
    ServerConnection,
    http_response,
)

CHAT, ECHO = "/chat", "/echo"
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}
LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
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
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    parts: list[str | bytes] = field(default_factory=list)

    @property
    def open(self) -> bool:
        ws = self.conn.ws
        return ws is not None and ws.state is ConnectionState.OPEN


class WsServer:
    """The server. `emit` receives every event (the CLI hands them to its renderer)."""

    def __init__(self, config: ServeConfig, emit: Callable[[Event], None]) -> None:
        self.config = config
        self.emit = emit
        self.ids = itertools.count(1)
        self.active = 0
        self.clients: dict[int, Client] = {}
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None
        self.port = 0
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
        return self.port

    async def serve_forever(self) -> None:
        assert self.server is not None
        try:
            await self.server.serve_forever()
        finally:
            await self.stop()

    async def stop(self) -> None:
        """Close the listening socket, say goodbye (1001) to every client, end every task."""
        if self.server is not None:
            self.server.close()
            self.server = None
        for client in list(self.clients.values()):
            if client.open:
                with contextlib.suppress(Exception):
                    client.writer.write(
                        client.conn.send(CloseConnection(code=1001, reason="server shutting down"))
                    )
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    def t(self) -> float:
        return round(time.monotonic() - self.t0, 3)

    def log(self, cid: int, peer: str, text: str, tone: str = "explain") -> None:
        self.emit(ServerLog(t=self.t(), conn=cid, peer=peer, text=text, tone=tone))

    def _spawn(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._handle(reader, writer))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    # ------------------------------------------------------------ one connection

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        cid = next(self.ids)
        addr = writer.get_extra_info("peername") or ("?", 0)
        peer = f"{addr[0]}:{addr[1]}"
        self.active += 1
        client: Client | None = None
        try:
            if self.active > self.config.max_clients:
                writer.write(
                    http_response(
                        503, b"too many clients, try again later\n", (("Retry-After", "5"),)
                    )
                )
                await writer.drain()
                self.log(cid, peer, "refused: too many clients at once (503)", "warn")
                return
            client = await self._serve(cid, peer, reader, writer)
        except asyncio.CancelledError:
            raise
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            self.log(cid, peer, "the connection broke off")
        except Exception as exc:  # a bug must cost one connection, never the server
            self.errors += 1
            self.log(cid, peer, f"internal error, connection dropped: {exc!r}", "warn")
        finally:
            self.active -= 1
            if client is not None:
                self.clients.pop(client.id, None)
                if client.path == CHAT and client.name:
                    await self._broadcast({"type": "system", "text": f"{client.name} left"})
            writer.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

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
        if isinstance(first, BadRequest):
            await self._write(writer, conn.refuse(first.refusal))
            self.log(cid, peer, f"{first.refusal.status}: {first.refusal.reason}", "warn")
            return None
        assert isinstance(first, RequestIn)
        req = first
        if req.path not in (CHAT, ECHO):
            await self._static(cid, peer, conn, req, writer)
            return None
        return await self._websocket(cid, peer, conn, req, reader, writer)

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:
        if data:
            writer.write(data)
            await asyncio.wait_for(writer.drain(), 10.0)

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
            self.log(cid, peer, f"{req.method} {req.target}: {req.refusal.status}", "warn")
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
            self.log(cid, peer, f"{req.method} {req.target} -> {status}")

    # ------------------------------------------------------------ WebSocket connections

    def _origin_ok(self, req: RequestIn) -> tuple[bool, str]:
        """Same origin as the page this server serves, and a Host it recognises."""
        origin = req.header("origin")
        if origin is None:
            return True, "no Origin header: not a browser (browsers always send one)"
        host = req.header("host") or ""
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        names = set(LOOPBACK_NAMES)
        if self.config.host not in ("0.0.0.0", "::", ""):
            names.add(self.config.host)
        elif hostname:
            names.add(hostname)  # bound to every address: trust the name the browser used
        if origin.lower() == f"http://{host}".lower() and hostname.lower() in names:
            return True, f"Origin {origin} is this server's own page"
        return False, f"Origin {origin} is not this server's page (http://{host})"

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
        if refusal is not None:
            answer = conn.refuse(refusal)
            await self._write(writer, answer)
            if chat:
                self.emit(_http(answer, "server", who, f"#{cid} the server refuses"))
            self.log(cid, peer, f"{req.path}: {refusal.status} {refusal.reason}", "warn")
            return None
        response, early = conn.accept()
        # Queue the 101 and register the client in the same step (no await in between), so
        # that a broadcast made the moment the handshake completes already reaches it, after
        # the 101 in the byte stream.
        writer.write(response)
        client = Client(cid, peer, req.path, conn, writer, other=who)
        self.clients[cid] = client
        await asyncio.wait_for(writer.drain(), 10.0)
        if chat:
            self._explain_accept(cid, req, response, who)
        else:
            self.log(cid, peer, f"{req.path}: upgraded (101), {_agent(req)}")
        if chat:
            client.name = f"guest-{cid}"
            await self._send(
                client,
                TextMessage(
                    data=_json(
                        {"type": "welcome", "you": client.name, "online": self._chat_count()}
                    )
                ),
            )
            await self._broadcast({"type": "system", "text": f"{client.name} joined"}, skip=cid)
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
        async with client.lock:
            if data:
                self._show(client, data, "server", client.other)
                client.writer.write(data)
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.writer.drain(), self.config.drain_timeout)
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
        except ValueError:
            text = whole
        await self._broadcast({"type": "chat", "from": client.name, "text": text[:2000]})

    def _chat_count(self) -> int:
        return sum(1 for c in self.clients.values() if c.path == CHAT and c.open)

    async def _broadcast(self, message: dict[str, object], skip: int | None = None) -> None:
        data = _json(message)
        for client in list(self.clients.values()):
            if client.path == CHAT and client.id != skip and client.open:
                with contextlib.suppress(Exception):
                    await self._send(client, TextMessage(data=data))

    async def _pusher(self, client: Client) -> None:
        n = 0
        while client.open:
            await asyncio.sleep(self.config.push_every)
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
            n += 1
            await self._send(client, Ping(payload=f"keep-alive {n}".encode()))

    async def _send(self, client: Client, event: object, force: bool = False) -> None:
        """Send one wsproto event as a frame (and show it), one writer at a time."""
        async with client.lock:
            ws = client.conn.ws
            if ws is None or (not force and ws.state is not ConnectionState.OPEN):
                return
            data = client.conn.send(event)  # type: ignore[arg-type]
            self._show(client, data, "server", client.other)
            client.writer.write(data)
            await asyncio.wait_for(client.writer.drain(), 10.0)

    # ------------------------------------------------------------ showing frames

    def _detail(self, client: Client, direction: str, opcode: int) -> bool:
        key = (direction, opcode)
        if client.path != CHAT or key in client.seen:
            return False
        client.seen.add(key)
        return True

    def _show(self, client: Client, data: bytes, src: str, dst: str) -> None:
        from netlearn.ws.frames import parse_head

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
