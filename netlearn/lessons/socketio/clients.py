"""The demo's Socket.IO clients: python-socketio's own `socketio.Client`, lightly watched.

Each client records what its handlers received, so the lesson can wait for "bob got it" instead
of sleeping, and so the side-by-side tables are built from what really arrived.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any


class DemoClient:
    """A `socketio.Client` with a name, a record of what it received, and reconnection on."""

    def __init__(
        self,
        name: str,
        url: str,
        transports: list[str] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import requests
        import socketio

        self.name = name
        self.clock = clock  # the command's env.clock: deadlines of wait() and join()
        self.url = url
        self.transports = transports
        http = requests.Session()
        http.trust_env = False  # talk to 127.0.0.1 directly, never through a configured proxy
        self.sio = socketio.Client(
            handle_sigint=False,
            http_session=http,
            reconnection=True,
            reconnection_delay=0.5,
            reconnection_delay_max=1.0,
            randomization_factor=0,
            request_timeout=5,
        )
        self._cond = threading.Condition()
        self.got: list[tuple[str, tuple[Any, ...]]] = []
        self.connects = 0
        self.disconnects: list[str] = []
        self.sid = ""

        @self.sio.event
        def connect() -> None:
            with self._cond:
                self.connects += 1
                self.sid = self.sio.get_sid() or ""
                self._cond.notify_all()

        @self.sio.event
        def disconnect(reason: Any = None) -> None:
            with self._cond:
                self.disconnects.append(str(reason))
                self._cond.notify_all()

        @self.sio.on("*")
        def anything(event: str, *args: Any) -> None:
            with self._cond:
                self.got.append((event, args))
                self._cond.notify_all()

    # -- actions

    def connect(self, namespaces: list[str] | None = None) -> None:
        self.sio.connect(
            self.url,
            transports=self.transports,
            namespaces=namespaces,
            wait_timeout=5,
        )

    @property
    def eio_sid(self) -> str:
        return str(self.sio.eio.sid or "")

    @property
    def transport(self) -> str:
        return str(self.sio.transport() or "")

    @property
    def reconnect_scheduled(self) -> bool:
        return self.sio._reconnect_task is not None

    def received(self, event: str) -> list[tuple[Any, ...]]:
        with self._cond:
            return [args for name, args in self.got if name == event]

    def wait(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Block until predicate() (checked whenever a handler runs) or the timeout."""
        deadline = self.clock() + timeout
        with self._cond:
            while not predicate():
                left = deadline - self.clock()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
            return True

    def close(self) -> None:
        """Stop at once: no reconnection, no waiting for a pending long poll; never raises.

        The client's threads end when their sockets do (the lesson closes the relays right
        after); `join()` then waits for them.
        """
        sio = self.sio
        self._threads = [
            t
            for t in (sio.eio.read_loop_task, sio.eio.write_loop_task, sio._reconnect_task)
            if t is not None
        ]
        try:
            sio.reconnection = False
            if sio._reconnect_abort is not None:
                sio._reconnect_abort.set()
            sio.eio.disconnect(abort=True)
        except Exception:  # noqa: BLE001 - best effort on the way out
            pass

    def join(self, timeout: float = 2.0) -> None:
        """Wait for the client's threads to end (after its connections are gone)."""
        deadline = self.clock() + timeout
        for thread in getattr(self, "_threads", []):
            left = deadline - self.clock()
            if left <= 0:
                break
            with contextlib.suppress(RuntimeError):  # never started
                thread.join(left)
