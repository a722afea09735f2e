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

import contextlib
import select
import socket

from netlearn.content.words import say
from netlearn.labs import sio_wire as s
from netlearn.labs import ws_frames as w
from netlearn.labs.clock import now
from netlearn.labs.core import Lab, Stage, StageContext, StageFailed
from netlearn.labs.sio_server import PING_TIMEOUT, LabServer

ACTOR = "server"
HOLD_OPEN = 0.3  # the open packet is held back this long: a client must not speak first
EVENTS = ("lantern", "comet", "harbor", "pixel", "meadow", "signal", "quartz", "ember")
WORDS = ("kiwi", "maple", "otter", "cobalt", "fjord", "saffron", "raven", "tulip")


def _read_head(sock: socket.socket, deadline: float, buf: bytearray) -> bytes:
    while b"\r\n\r\n" not in buf:
        left = deadline - now()
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
        say("labs.socketio-client.relay.task", ns=s.NS, event=repr(event), data=data, a=a, b=b),
    )
    upstream: socket.socket | None = None
    try:
        conn = ctx.accept(ACTOR)
        head = _read_head(conn.sock, ctx.deadline, conn.pending)
        ctx.log.received(ACTOR, head)
        line = head.split(b"\r\n", 1)[0].decode("latin-1")
        if "EIO=4" not in line or "transport=websocket" not in line:
            raise StageFailed(
                say("labs.socketio-client.relay.request-line", line=repr(line)),
                got=head[:200],
                offset=4,
                expected=say("labs.socketio-client.relay.request-line-expected"),
                rule=say("labs.socketio-client.relay.request-line-rule"),
                rfc=f"{s.EIO}, Handshake",
                cause=say("labs.socketio-client.relay.request-line-cause"),
                lesson=s.STEP_TRANSPORTS,
            )
        upstream = socket.create_connection(("127.0.0.1", port), timeout=5)
        upstream.sendall(head)
        up_buf = bytearray()
        answer = _read_head(upstream, ctx.deadline, up_buf)
        conn.send(answer)
        if not answer.startswith(b"HTTP/1.1 101"):
            raise StageFailed(
                say("labs.socketio-client.relay.refused"),
                got=answer[:200],
                offset=9,
                rule=say("labs.socketio-client.relay.refused-rule"),
                rfc="RFC 6455 §4.1",
                lesson=s.STEP_TRANSPORTS,
            )
        _pump(ctx, conn.sock, upstream, bytes(up_buf), checker, goal)
    except (TimeoutError, ConnectionError) as exc:
        raise StageFailed(say("labs.socketio-client.relay.upgrade-failed", error=exc)) from None
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
    from_client, from_server = w.Frames(), w.Frames()
    queue: list[tuple[str | None, bytes]] = []
    release = now() + HOLD_OPEN
    socks = [client, upstream]

    def take(data: bytes) -> None:
        for opcode, payload, raw in from_server.feed(data):
            text = payload.decode("utf-8", "replace") if opcode == w.TEXT else None
            queue.append((text, raw))

    def flush() -> None:
        while queue:
            text, raw = queue[0]
            at = now()
            if at < release or (text and '["question"' in text and not checker.pongs):
                return
            queue.pop(0)
            if text is not None:
                checker.server_packet(text, at)
                ctx.log.note(ACTOR, say("labs.socketio-client.relay.sends", text=text[:100]))
            ctx.log.sent(ACTOR, raw)
            with contextlib.suppress(OSError):
                client.sendall(raw)

    take(first)
    while not checker.reached(goal):
        flush()
        at = now()
        problem = checker.tick(at)
        if problem is not None:
            raise problem
        if at >= ctx.deadline:
            words, cause, lesson = checker.waiting_for()
            raise StageFailed(
                say("labs.socketio-client.relay.time-out", words=words),
                cause=s.cause(cause),
                lesson=lesson,
            )
        ready, _, _ = select.select(socks, [], [], max(min(ctx.deadline - at, 0.05), 0))
        if upstream in ready:
            data = upstream.recv(65536)
            if data:
                take(data)
            else:
                socks.remove(upstream)
                if checker.disconnected:  # the server closes TCP first: pass it on
                    flush()
                    ctx.log.note(ACTOR, say("labs.socketio-client.relay.closes-tcp"))
                    with contextlib.suppress(OSError):
                        client.shutdown(socket.SHUT_WR)
                else:
                    words, cause, lesson = checker.waiting_for()
                    raise StageFailed(
                        say("labs.socketio-client.relay.server-closed", words=words),
                        cause=s.cause(cause),
                        lesson=lesson,
                    )
        if client in ready:
            try:
                data = client.recv(65536)
            except ConnectionResetError:
                data = b""
            at = now()
            for opcode, payload, raw in from_client.feed(data) if data else []:
                ctx.log.received(ACTOR, raw)  # per message: the log does not depend on chunks
                problem = _client_message(ctx, opcode, payload, raw, checker, at)
                if problem is not None:
                    raise problem
                if checker.reached(goal):
                    return  # what comes after belongs to a later stage
            if not data:
                ctx.log.note(ACTOR, say("labs.socketio-client.relay.program-closed"))
                problem = checker.client_closed()
                if problem is None and not checker.reached(goal):
                    words, cause, lesson = checker.waiting_for()
                    problem = StageFailed(
                        say("labs.socketio-client.relay.program-closed-waiting", words=words),
                        cause=s.cause(cause),
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
    at: float,
) -> StageFailed | None:
    if opcode == w.CLOSE:
        ctx.log.note(ACTOR, say("labs.socketio-client.relay.got-close"))
        return None if checker.disconnected else checker.client_closed()
    if opcode in (w.PING, w.PONG):
        return None
    if opcode == w.BINARY:
        got, offset, _ = w.window(view, 0)
        return StageFailed(
            say("labs.socketio-client.relay.binary"),
            got=got,
            offset=offset,
            expected="text messages (opcode 1)",
            rule=say("labs.socketio-client.relay.binary-rule"),
            rfc=f"{s.EIO}, Protocol",
            cause=s.cause("binary"),
            lesson=s.STEP_WIRE,
        )
    text = payload.decode("utf-8", "replace")
    ctx.log.note(ACTOR, say("labs.socketio-client.relay.got", text=text[:100]))
    return checker.client_packet(text, at)


def _stage(goal: str, timeout: float, lesson: str, needs_exit: bool = False) -> Stage:
    def run(ctx: StageContext) -> None:
        _relay(ctx, goal)

    title = say(f"labs.socketio-client.stages.{goal}")
    return Stage(goal, title, run, timeout, lesson, needs_exit=needs_exit)


LAB = Lab(
    name="socketio-client",
    title=say("labs.socketio-client.title"),
    kind="client",
    lesson="socketio",
    stages=(
        _stage("connect", 6.0, s.STEP_OUTSIDER),
        _stage("emit", 6.0, s.STEP_EVENTS),
        _stage("heartbeat", 6.0, s.STEP_TRANSPORTS),
        _stage("ack", 6.0, s.STEP_ACKS),
        _stage("disconnect", 6.0, s.STEP_RECONNECT, needs_exit=True),
    ),
    starters=("python",),
    url_template="ws://{host}:{port}/socket.io/?EIO=4&transport=websocket",
)
