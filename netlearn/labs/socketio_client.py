"""Lab 4, socketio-client: Engine.IO and Socket.IO by hand, over any WebSocket.

Each stage starts python-socketio's real server (uvicorn, in a thread, on 127.0.0.1 port 0) and
puts a byte relay in front of it on the lab's listener: the relay forwards every byte unchanged,
decodes the WebSocket frames both ways and hands each text packet to `sio_wire.SioChecker`, which
grades the client's packets. The protocol of the lab (also in lessons/labs/socketio-client.md):

1. the server sends the open packet `0{...}` (held back a moment: a client must wait for it);
2. the client connects to namespace /lab: `40/lab,`; the server answers `40/lab,{"sid":...}`
   and sends `42/lab,["task",{"event":E,"data":D}]`;
3. the client emits `42/lab,[E,D]`;
4. the server pings (`2`) every pingInterval (1000 ms); the client answers `3` within pingTimeout;
5. the server asks `42/lab,<id>["question",{"a":A,"b":B}]`; the client answers `43/lab,<id>[A+B]`;
6. the client leaves with `41/lab,`, closes the WebSocket and exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import select
import socket
import threading
import time
from typing import Any

from netlearn.labs import sio_wire as s
from netlearn.labs import ws_wire as w
from netlearn.labs.core import Lab, Stage, StageContext, StageFailed

ACTOR = "server"
PING_INTERVAL = 1  # whole seconds: python-engineio writes int(interval) * 1000 in the open packet
PING_TIMEOUT = 1.0
HOLD_OPEN = 0.3  # the open packet is held back this long: a client must not speak first
EVENTS = ("lantern", "comet", "harbor", "pixel", "meadow", "signal", "quartz", "ember")
WORDS = ("kiwi", "maple", "otter", "cobalt", "fjord", "saffron", "raven", "tulip")


class LabServer:
    """python-socketio's AsyncServer under uvicorn, in a thread, on 127.0.0.1 port 0."""

    def __init__(self, task: dict[str, Any], question: dict[str, int], ack_id: int) -> None:
        self.task = task
        self.question = question
        self.ack_id = ack_id
        self.port = 0
        self.answers: list[Any] = []
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._thread = threading.Thread(target=self._run, name="lab-sio", daemon=True)
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def _app(self) -> Any:
        import socketio

        ack_id = self.ack_id

        class Manager(socketio.AsyncManager):  # type: ignore[misc]
            """Ack ids from the lab's random numbers, so a hard-coded id fails."""

            def _generate_ack_id(self, sid: str, callback: Any) -> int:
                self.callbacks.setdefault(sid, {0: itertools.count(1)})
                self.callbacks[sid][ack_id] = callback
                return ack_id

        sio = socketio.AsyncServer(
            async_mode="asgi",
            ping_interval=PING_INTERVAL,
            ping_timeout=PING_TIMEOUT,
            always_connect=True,
            client_manager=Manager(),
            logger=False,
            engineio_logger=False,
        )
        started: dict[str, float] = {}

        @sio.on("connect", namespace=s.NS)
        async def connect(sid: str, environ: Any, auth: Any = None) -> None:
            started[sid] = time.monotonic()
            await sio.emit("task", self.task, to=sid, namespace=s.NS)

        @sio.on(self.task["event"], namespace=s.NS)
        async def on_task(sid: str, *args: Any) -> None:
            # ask once a heartbeat has gone by, so the client has answered a ping first
            wait = started.get(sid, 0) + PING_INTERVAL + 0.3 - time.monotonic()
            await asyncio.sleep(max(wait, 0))

            def answered(*data: Any) -> None:
                self.answers.append(list(data))

            await sio.emit("question", self.question, to=sid, namespace=s.NS, callback=answered)

        return socketio.ASGIApp(sio)

    def _run(self) -> None:
        import uvicorn

        asyncio.set_event_loop(self._loop)
        for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self._app(), log_level="critical", lifespan="off", http="h11", ws="wsproto"
        )
        self._server = uvicorn.Server(config)

        async def main() -> None:
            task = asyncio.ensure_future(self._server.serve(sockets=[sock]))
            while not self._server.started and not task.done():
                await asyncio.sleep(0.01)
            self._ready.set()
            await task

        try:
            self._loop.run_until_complete(main())
        except BaseException as exc:  # reported by start()
            self._error = exc
            self._ready.set()
        finally:
            pending = asyncio.all_tasks(self._loop)
            for task in pending:
                task.cancel()
            with contextlib.suppress(BaseException):
                self._loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self._loop.close()
            sock.close()

    def start(self) -> int:
        self._thread.start()
        if not self._ready.wait(10.0) or self._error is not None or not self.port:
            raise StageFailed(f"netlearn's Socket.IO server did not start ({self._error})")
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        self._thread.join(3.0)


class Frames:
    """Decodes the WebSocket frames of one direction (masked or not), joins fragments."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.parts: list[bytes] = []
        self.raws: list[bytes] = []
        self.opcode = 0

    def feed(self, data: bytes) -> list[tuple[int, bytes, bytes]]:
        """Whole messages and control frames: (opcode, payload, the frames' raw bytes)."""
        self.buf += data
        out = []
        while True:
            head = w.parse_head(bytes(self.buf[:14]))
            if head is None or len(self.buf) < head.size + head.length:
                return out
            raw = bytes(self.buf[: head.size + head.length])
            del self.buf[: head.size + head.length]
            payload = w.mask(raw[head.size :], head.key) if head.masked else raw[head.size :]
            if head.control:
                out.append((head.opcode, payload, raw))
                continue
            if head.opcode != w.CONT:
                self.opcode, self.parts, self.raws = head.opcode, [], []
            self.parts.append(payload)
            self.raws.append(raw)
            if head.fin:
                out.append((self.opcode, b"".join(self.parts), b"".join(self.raws)))


def _read_head(sock: socket.socket, deadline: float, buf: bytearray) -> bytes:
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0 or len(buf) > 16384:
            raise TimeoutError
        ready, _, _ = select.select([sock], [], [], left)
        if ready:
            data = sock.recv(65536)
            if not data:
                raise ConnectionError("closed")
            buf += data
    at = buf.find(b"\r\n\r\n") + 4
    head = bytes(buf[:at])
    del buf[:at]
    return head


def _relay(ctx: StageContext, goal: str) -> None:
    rng = ctx.rng
    event = rng.choice(EVENTS) + "-" + str(rng.randrange(10, 100))
    data = {"word": rng.choice(WORDS), "number": rng.randrange(1, 1000)}
    a, b = rng.randrange(1, 500), rng.randrange(1, 500)
    ack_id = rng.randrange(2, 400)
    checker = s.SioChecker(event, data, a + b, PING_TIMEOUT)
    server = LabServer({"event": event, "data": data}, {"a": a, "b": b}, ack_id)
    port = server.start()
    ctx.log.note(
        ACTOR,
        f"python-socketio serves namespace {s.NS}; this run's task: emit {event!r} with "
        f"{data}, then answer {a}+{b}",
    )
    upstream: socket.socket | None = None
    try:
        conn = ctx.accept(ACTOR)
        head = _read_head(conn.sock, ctx.deadline, conn.pending)
        ctx.log.received(ACTOR, head)
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if "EIO=4" not in line or "transport=websocket" not in line:
            raise StageFailed(
                f"the request line is {line!r}: it lacks EIO=4 or transport=websocket",
                got=head[:200],
                offset=4,
                expected="/socket.io/?EIO=4&transport=websocket (NETLEARN_URL as given)",
                rule="A WebSocket-only client connects to /socket.io/?EIO=4&transport=websocket",
                rfc=f"{s.EIO}, Handshake",
                cause="Use NETLEARN_URL as it is: it already has the path and query.",
                lesson=s.STEP_TRANSPORTS,
            )
        upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        upstream.sendall(head)
        up_buf = bytearray()
        answer = _read_head(upstream, ctx.deadline, up_buf)
        conn.send(answer)
        if not answer.startswith(b"HTTP/1.1 101"):
            raise StageFailed(
                "the server refused the WebSocket upgrade",
                got=answer[:200],
                offset=9,
                rule="The upgrade is answered 101 when it is a valid WebSocket request",
                rfc="RFC 6455 §4.1",
                lesson=s.STEP_TRANSPORTS,
            )
        _pump(ctx, conn.sock, upstream, bytes(up_buf), checker, goal)
    except (TimeoutError, ConnectionError) as exc:
        raise StageFailed(f"the connection failed during the upgrade: {exc}") from None
    finally:
        if upstream is not None:
            with contextlib.suppress(OSError):
                upstream.close()
        server.stop()


def _pump(
    ctx: StageContext,
    client: socket.socket,
    upstream: socket.socket,
    first: bytes,
    checker: s.SioChecker,
    goal: str,
) -> None:
    """Relay both ways until the stage's goal is reached; StageFailed on the first mistake.

    Server messages wait in a queue: the open packet until HOLD_OPEN has passed (a client must
    wait for it), the question until the client has answered a ping (so the heartbeat always
    comes first, whatever the timing)."""
    from_client, from_server = Frames(), Frames()
    queue: list[tuple[str | None, bytes]] = []
    release = time.monotonic() + HOLD_OPEN
    socks = [client, upstream]

    def take(data: bytes) -> None:
        for opcode, payload, raw in from_server.feed(data):
            text = payload.decode("utf-8", "replace") if opcode == w.TEXT else None
            queue.append((text, raw))

    def flush() -> None:
        while queue:
            text, raw = queue[0]
            now = time.monotonic()
            if now < release or (text and '["question"' in text and not checker.pongs):
                return
            queue.pop(0)
            if text is not None:
                checker.server_packet(text, now)
                ctx.log.note(ACTOR, f"sends {text[:100]}")
            ctx.log.sent(ACTOR, raw)
            with contextlib.suppress(OSError):
                client.sendall(raw)

    take(first)
    while not checker.reached(goal):
        flush()
        now = time.monotonic()
        problem = checker.tick(now)
        if problem is not None:
            raise problem
        if now >= ctx.deadline:
            words, cause, lesson = checker.waiting_for()
            raise StageFailed(
                f"the server waited for {words} and the stage's time ran out",
                cause=s.CAUSES[cause],
                lesson=lesson,
            )
        ready, _, _ = select.select(socks, [], [], max(min(ctx.deadline - now, 0.05), 0))
        if upstream in ready:
            data = upstream.recv(65536)
            if data:
                take(data)
            else:
                socks.remove(upstream)
                if checker.disconnected:  # the server closes TCP first: pass it on
                    flush()
                    ctx.log.note(ACTOR, "closes the TCP connection (after the close handshake)")
                    with contextlib.suppress(OSError):
                        client.shutdown(socket.SHUT_WR)
                else:
                    words, cause, lesson = checker.waiting_for()
                    raise StageFailed(
                        f"python-socketio closed the session while it waited for {words}",
                        cause=s.CAUSES[cause],
                        lesson=lesson,
                    )
        if client in ready:
            try:
                data = client.recv(65536)
            except ConnectionResetError:
                data = b""
            now = time.monotonic()
            for opcode, payload, raw in from_client.feed(data) if data else []:
                ctx.log.received(ACTOR, raw)  # per message: the log does not depend on chunks
                problem = _client_message(ctx, opcode, payload, raw, checker, now)
                if problem is not None:
                    raise problem
                if checker.reached(goal):
                    return  # what comes after belongs to a later stage
            if not data:
                ctx.log.note(ACTOR, "the program closed the connection")
                problem = checker.client_closed()
                if problem is None and not checker.reached(goal):
                    words, cause, lesson = checker.waiting_for()
                    problem = StageFailed(
                        f"the program closed the connection while the server waited for {words}",
                        cause=s.CAUSES[cause],
                        lesson=lesson,
                    )
                if problem is not None:
                    raise problem
                return
            with contextlib.suppress(OSError):
                upstream.sendall(data)


def _client_message(
    ctx: StageContext,
    opcode: int,
    payload: bytes,
    view: bytes,
    checker: s.SioChecker,
    now: float,
) -> StageFailed | None:
    if opcode == w.CLOSE:
        ctx.log.note(ACTOR, "got the WebSocket close frame")
        return None if checker.disconnected else checker.client_closed()
    if opcode in (w.PING, w.PONG):
        return None
    if opcode == w.BINARY:
        got, at, _ = w.window(view, 0)
        return StageFailed(
            "the client sent a binary WebSocket message",
            got=got,
            offset=at,
            expected="text messages (opcode 1)",
            rule="Engine.IO packets travel as text messages; binary ones carry attachments",
            rfc=f"{s.EIO}, Protocol",
            cause=s.CAUSES["binary"],
            lesson=s.STEP_WIRE,
        )
    text = payload.decode("utf-8", "replace")
    ctx.log.note(ACTOR, f"got {text[:100]}")
    return checker.client_packet(text, now)


def _stage(goal: str):  # type: ignore[no-untyped-def]
    def run(ctx: StageContext) -> None:
        _relay(ctx, goal)

    return run


LAB = Lab(
    name="socketio-client",
    title="Engine.IO and Socket.IO by hand, over a WebSocket",
    kind="client",
    lesson="socketio",
    stages=(
        Stage(
            "connect",
            "read the open packet, connect to namespace /lab",
            _stage("connect"),
            6.0,
            s.STEP_OUTSIDER,
        ),
        Stage("emit", "emit the event the server's task names", _stage("emit"), 6.0, s.STEP_EVENTS),
        Stage(
            "heartbeat",
            "answer the server's ping 2 with 3 in time",
            _stage("heartbeat"),
            6.0,
            s.STEP_TRANSPORTS,
        ),
        Stage(
            "ack",
            "answer the question with an ACK of the right id",
            _stage("ack"),
            6.0,
            s.STEP_ACKS,
        ),  # fmt: skip
        Stage(
            "disconnect",
            "leave with 41/lab, close, exit 0",
            _stage("disconnect"),
            6.0,
            s.STEP_RECONNECT,
            needs_exit=True,
        ),
    ),
    starters=("python",),
    url_template="ws://{host}:{port}/socket.io/?EIO=4&transport=websocket",
)
