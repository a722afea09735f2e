"""python-socketio's real server for the socketio-client lab: uvicorn in a thread, on port 0.

It serves namespace /lab: on connect it sends the task, and once the task's event has come (and a
heartbeat has gone by) it asks the question, with an ack id from the lab's random numbers so that
a hard-coded id fails. The lab's relay (`socketio_client`) stands between it and the learner.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import socket
import threading
from typing import Any

from netlearn.content.words import say
from netlearn.labs.clock import now
from netlearn.labs.failure import StageFailed
from netlearn.labs.sio_wire import NS

PING_INTERVAL = 1  # whole seconds: python-engineio writes int(interval) * 1000 in the open packet
PING_TIMEOUT = 1.0


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

        @sio.on("connect", namespace=NS)
        async def connect(sid: str, environ: Any, auth: Any = None) -> None:
            started[sid] = now()
            await sio.emit("task", self.task, to=sid, namespace=NS)

        @sio.on(self.task["event"], namespace=NS)
        async def on_task(sid: str, *args: Any) -> None:
            # ask once a heartbeat has gone by, so the client has answered a ping first
            wait = started.get(sid, 0) + PING_INTERVAL + 0.3 - now()
            await asyncio.sleep(max(wait, 0))

            def answered(*data: Any) -> None:
                self.answers.append(list(data))

            await sio.emit("question", self.question, to=sid, namespace=NS, callback=answered)

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
            raise StageFailed(say("labs.socketio-client.relay.no-server", error=self._error))
        return self.port

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        self._thread.join(3.0)
