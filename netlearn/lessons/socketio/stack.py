"""Server(s), relays and the event queue, in one process, on loopback, with kernel-chosen ports.

The asyncio side (uvicorn serving python-socketio, the logging relays) runs in one background
thread with its own event loop (`netlearn.live.loop.LoopThread`). The caller's thread drives the
lesson: it reads `events` (a thread-safe queue every piece reports into), asks the loop to do
things with `call()`, and always ends with `close()`, which stops the servers, drops the relays,
cancels what is left on the loop and joins the thread, so the ports are free again when it
returns. Times are read from `clock` (the command's `env.clock`), counted from the start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import socket
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Event
from netlearn.lessons.socketio.events import ServerLog
from netlearn.lessons.socketio.proxy import Relay
from netlearn.lessons.socketio.trace import Tracer
from netlearn.live.loop import LoopError, LoopThread

T = TypeVar("T")
START_TIMEOUT = 10.0
BACKLOG = 1024  # listen backlog: a whole class may arrive within half a second


class QueueLogHandler(logging.Handler):
    """Server log records become `ServerLog` events (and are kept for the logging section)."""

    def __init__(self, sink: Callable[[Event], None], clock: Callable[[], float]) -> None:
        super().__init__(logging.DEBUG)
        self.sink = sink
        self.clock = clock
        self.records: list[ServerLog] = []
        self.live = False  # when False, records are kept but not shown

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                exc = record.exc_info[1]
                message += f" -> {type(exc).__name__}: {exc}"
            event = ServerLog(
                t=round(self.clock(), 3),
                level=record.levelname,
                logger=record.name,
                message=message,
            )
            self.records.append(event)
            del self.records[:-200]
            if self.live or record.levelno >= logging.ERROR:
                self.sink(event)
        except Exception:  # a log handler must never raise into the server
            self.handleError(record)


@dataclass
class ServerHandle:
    name: str
    sio: Any
    port: int
    uvicorn: Any
    task: asyncio.Task[None] | None = None


@dataclass
class LiveStack:
    """The live pieces of the lesson and the queue of everything they saw."""

    ping_interval: float = 4.0
    ping_timeout: float = 3.0
    max_payload: int = 100_000
    static: Path | None = None
    demo_handlers: bool = True
    max_connections: int = 64  # per relay; the server behind takes a little more
    max_events: int = 0  # events waiting to be shown; more are dropped and counted (0: no limit)
    gate: Any = None  # a guard.Gate: Host/Origin and class size, for every request
    now: Callable[[], float] = time.monotonic  # the command's env.clock
    events: queue.Queue[Event] = field(default_factory=queue.Queue)
    servers: dict[str, ServerHandle] = field(default_factory=dict)
    relays: dict[str, Relay] = field(default_factory=dict)
    relay_ports: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._t0 = self.now()
        self.runner: LoopThread | None = None
        self.log_handler = QueueLogHandler(self.sink, self.clock)
        self.muted = False
        self.dropped = 0  # events not queued because the queue was full
        if self.max_events:
            self.events = queue.Queue(self.max_events)

    # -- plumbing

    def clock(self) -> float:
        """Seconds since the stack was made."""
        return self.now() - self._t0

    def sink(self, event: Event) -> None:
        if self.muted:
            return
        try:
            self.events.put_nowait(event)
        except queue.Full:
            self.dropped += 1  # the terminal cannot keep up; never block the servers for it

    def start(self) -> LiveStack:
        runner = LoopThread("netlearn-sio-loop")
        try:
            runner.start(START_TIMEOUT)
        except LoopError:
            raise NetlearnError(say("socketio.serve.stack.no-loop")) from None
        self.runner = runner
        return self

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the loop thread and wait for its result."""
        if self.runner is None:
            raise RuntimeError("start() first")
        try:
            return self.runner.call(coro, timeout)
        except LoopError:
            raise NetlearnError(say("socketio.serve.stack.timed-out")) from None

    # -- servers and relays

    def add_server(self, name: str = "server", client_manager: Any = None) -> ServerHandle:
        """A python-socketio server on 127.0.0.1 with a kernel-chosen port."""
        logger = logging.getLogger(f"netlearn.lessons.socketio.{name}.socketio")
        elogger = logging.getLogger(f"netlearn.lessons.socketio.{name}.engineio")
        for log in (logger, elogger):
            log.setLevel(logging.INFO)
            log.propagate = False
            log.handlers = [self.log_handler]
        _quiet_uvicorn()
        handle = self.call(self._start_server(name, logger, elogger, client_manager))
        self.servers[name] = handle
        return handle

    async def _start_server(
        self, name: str, logger: logging.Logger, elogger: logging.Logger, manager: Any
    ) -> ServerHandle:
        import uvicorn

        from netlearn.lessons.socketio.guard import GateMiddleware
        from netlearn.lessons.socketio.server import make_app, make_server

        gate = self.gate
        sio = make_server(
            sink=self.sink,
            clock=self.clock,
            name=name,
            logger=logger,
            engineio_logger=elogger,
            ping_interval=self.ping_interval,
            ping_timeout=self.ping_timeout,
            max_payload=self.max_payload,
            demo_handlers=self.demo_handlers,
            client_manager=manager,
            cors_allowed_origins=gate.origin_allowed if gate is not None else None,
        )
        if gate is not None:
            gate.sessions = lambda: len(sio.eio.sockets)
        app = make_app(sio, self.static)
        if gate is not None:
            app = GateMiddleware(app, gate)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(BACKLOG)
        sock.setblocking(False)
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="off",
            http="h11",
            ws="wsproto",
            ws_max_size=self.max_payload + 1024,
            ws_ping_interval=None,
            # the relay in front refuses first, with a reason; this is a backstop
            limit_concurrency=self.max_connections + 64,
            backlog=BACKLOG,
            timeout_graceful_shutdown=1,
            server_header=False,
        )
        server = uvicorn.Server(config)
        handle = ServerHandle(name, sio, sock.getsockname()[1], server)
        handle.task = asyncio.ensure_future(server.serve(sockets=[sock]))
        for _ in range(500):
            if server.started or handle.task.done():
                break
            await asyncio.sleep(0.01)
        if not server.started:
            server.should_exit = True
            sock.close()
            raise NetlearnError(say("socketio.serve.stack.no-server"))
        return handle

    def add_relay(
        self,
        name: str | None,
        server: str = "server",
        host: str = "127.0.0.1",
        port: int = 0,
        peer: str | None = None,
    ) -> int:
        """A logging relay in front of `server`; its port. `name` None: name by session."""
        target = ("127.0.0.1", self.servers[server].port)
        tracer = Tracer(self.clock, name=name, peer=peer or server)
        relay = Relay(
            target, tracer, self.sink, max_connections=self.max_connections, backlog=BACKLOG
        )
        try:
            bound = self.call(relay.start(host, port))
        except OSError as exc:
            problem = say(
                "socketio.serve.stack.cannot-listen", host=host, port=port, reason=exc.strerror
            )
            raise NetlearnError(problem) from None
        key = name or f"relay-{len(self.relays) + 1}"
        self.relays[key] = relay
        self.relay_ports[key] = bound
        return bound

    def cut(self, relay: str) -> int:
        """Drop every connection that goes through this relay."""
        return self.call(self.relays[relay].cut())

    # -- the end

    def close(self, timeout: float = 5.0) -> None:
        """Stop everything; safe to call twice, and from a finally after Ctrl-C.

        Returns within about `timeout` seconds even if the loop is swamped: the listening
        sockets are closed first, and whatever is still running is a daemon thread that ends
        with the process.
        """
        runner, self.runner = self.runner, None
        if runner is None:
            return
        self.muted = True
        runner.stop(timeout, shutdown=lambda: self._shutdown(timeout * 0.4))

    async def _shutdown(self, budget: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + budget
        for relay in self.relays.values():
            relay.abort_all()  # the public port is free from here on
        for handle in self.servers.values():
            handle.uvicorn.should_exit = True
            handle.uvicorn.force_exit = True
        for relay in self.relays.values():
            with contextlib.suppress(Exception):
                await relay.close(timeout=max(0.01, (end - loop.time()) / 4))
        tasks = [h.task for h in self.servers.values() if h.task is not None]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=max(0.01, (end - loop.time()) / 2))
            for task in pending:
                task.cancel()
        # whatever is left on the loop is cancelled by the runner once this returns


def _quiet_uvicorn() -> None:
    """uvicorn's own log lines would mix into the lesson's output: keep only its errors, quietly."""
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        log = logging.getLogger(name)
        log.setLevel(logging.CRITICAL)
        log.propagate = False
        if not log.handlers:
            log.addHandler(logging.NullHandler())
