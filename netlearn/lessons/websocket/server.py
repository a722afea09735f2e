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
from collections.abc import Callable
from typing import TYPE_CHECKING

from wsproto.events import CloseConnection

from netlearn.content.words import say
from netlearn.events import Event
from netlearn.hostcheck import HostPolicy
from netlearn.lessons.websocket.events import ServerLog
from netlearn.lessons.websocket.protocol import (
    BadRequest,
    RequestIn,
    ServerConnection,
    http_response,
)
from netlearn.lessons.websocket.server_config import ServeConfig
from netlearn.lessons.websocket.server_conn import CHAT, ECHO, Client
from netlearn.lessons.websocket.server_upgrade import Upgrades, _short
from netlearn.live.loop import LoopThread

if TYPE_CHECKING:
    from netlearn.env import Env

__all__ = ["CHAT", "ECHO", "Client", "ServeConfig", "ServerThread", "WsServer"]

STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/index.html": ("index.html", "text/html; charset=utf-8"),
    "/chat.js": ("chat.js", "text/javascript; charset=utf-8"),
    "/style.css": ("style.css", "text/css; charset=utf-8"),
}


class WsServer(Upgrades):
    """The server. `emit` receives every event (the CLI hands them to its renderer).

    `env` gives the clock (event times, timeouts of requests still arriving, silent peers);
    without one, the process's monotonic clock."""

    def __init__(
        self, config: ServeConfig, emit: Callable[[Event], None], env: Env | None = None
    ) -> None:
        self.config = config
        self.emit = emit
        self._clock = env.clock if env is not None else None
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
        self.t0 = 0.0  # set by start(), on the clock the server runs on
        self.pushes = 0
        self.errors = 0

    # ------------------------------------------------------------ lifecycle

    def clock(self) -> float:
        """Now, in seconds: the env's clock, else the event loop's (both monotonic)."""
        if self._clock is not None:
            return self._clock()
        return asyncio.get_running_loop().time()

    async def start(self) -> int:
        self.t0 = self.clock()
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
                        client.conn.send(
                            CloseConnection(
                                code=1001, reason=say("websocket.server.answers.shutting-down")
                            )
                        ),
                    )
        tasks = list(self.tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
        for client in list(self.clients.values()):
            client.writer.transport.abort()

    def t(self) -> float:
        return round(self.clock() - self.t0, 3)

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
                    503,
                    say("websocket.server.answers.burst").encode(),
                    (("Retry-After", "1"),),
                )
            )
            writer.close()
            return
        task = asyncio.get_running_loop().create_task(self._handle(cid, reader, writer))
        self.tasks.add(task)
        self.pending[cid] = (self.clock(), task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(lambda _t: self.pending.pop(cid, None))

    def _evict_slowest(self) -> bool:
        """Make room by dropping the request that has been arriving longest (slowloris)."""
        cid, (since, task) = next(iter(self.pending.items()))  # the oldest: dicts keep order
        if self.clock() - since < min(1.0, self.config.handshake_timeout):
            return False
        del self.pending[cid]
        task.cancel()
        self.log(cid, "-", say("websocket.server.log.evicted"))
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
                self.log(cid, peer, say("websocket.server.log.broke-off"))
        except Exception as exc:  # a bug must cost one connection, never the server
            self.errors += 1
            text = say("websocket.server.log.internal-error", error=repr(exc))[:300]
            self.log(cid, peer, text, "warn")
        finally:
            self.active -= 1
            # Forget the client whatever ended it: a close, EOF, a reset, an error, a drop.
            client = self.clients.pop(cid, None)
            if client is not None and client.path == CHAT and client.name and not self.stopping:
                left = say("websocket.server.chat.left", name=client.name)
                self._broadcast({"type": "system", "text": left})
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
                self.log(cid, peer, say("websocket.server.log.no-request"))
                return None
            try:
                data = await asyncio.wait_for(reader.read(65536), left)
            except TimeoutError:
                self.log(cid, peer, say("websocket.server.log.no-request"))
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
            refusal = first.refusal
            text = say(
                "websocket.server.log.bad-request", status=refusal.status, reason=refusal.reason
            )
            self.log(cid, peer, text, "warn")
            return None
        assert isinstance(first, RequestIn)
        req = first
        ok, why = self.policy.host_ok(req.header("host"))
        if not ok:
            # Every path, pages too: a rebinding page must not read this server's pages either.
            names = self.policy.names()
            body = say("websocket.server.answers.wrong-host", why=why, names=names).encode()
            await self._write(writer, conn.respond(http_response(421, body)))
            method, target = _short(req.method), _short(req.target)
            text = say("websocket.server.log.wrong-host", method=method, target=target, why=why)
            self.log(cid, peer, text, "warn")
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
            text = say(
                "websocket.server.log.static-refused",
                method=_short(req.method),
                target=_short(req.target),
                status=req.refusal.status,
            )
            self.log(cid, peer, text, "warn")
            return
        entry = STATIC.get(req.path)
        if req.method not in ("GET", "HEAD"):
            body = say("websocket.server.answers.only-get").encode()
            answer = http_response(405, body, (("Allow", "GET, HEAD"),))
            status = 405
        elif entry is None:
            answer = http_response(404, say("websocket.server.answers.not-found").encode())
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
            method, target = _short(req.method), _short(req.target)
            self.log(
                cid,
                peer,
                say("websocket.server.log.static", method=method, target=target, status=status),
            )

    # ------------------------------------------------------------ WebSocket connections


class ServerThread:
    """The server on its own event loop in a background thread (for tests and embedding)."""

    def __init__(
        self, config: ServeConfig, emit: Callable[[Event], None], env: Env | None = None
    ) -> None:
        import threading

        self.config = config
        self.emit = emit
        self.lock = threading.Lock()
        self.runner = LoopThread("netlearn-ws-serve")
        self.server = WsServer(config, self._emit, env)
        self._main: object = None

    def _emit(self, event: Event) -> None:
        with self.lock:
            self.emit(event)

    def start(self) -> int:
        self.runner.start()
        try:
            self.runner.call(self.server.start())
        except BaseException:
            self.runner.stop()
            raise
        self._main = self.runner.submit(self.server.serve_forever())
        return self.server.port

    def stop(self) -> None:
        self.runner.stop(timeout=10.0, shutdown=self.server.stop)

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
