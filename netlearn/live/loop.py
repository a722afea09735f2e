"""One asyncio event loop running in a background thread: the live toolkit's only loop runner.

A live demo drives asyncio servers (the WebSocket server, python-socketio under uvicorn) from
ordinary synchronous code (a CLI, a test, the full-screen player). `LoopThread` owns the loop
and its thread; everything else hands it coroutines::

    from netlearn.live.loop import LoopThread

    with LoopThread("netlearn-ws") as runner:            # the loop is running from here
        port = runner.call(server.start())               # run, wait for the result (bounded)
        main = runner.submit(server.serve_forever())     # run in the background (a Future)
        runner.soon(print, "from the loop thread")       # a plain callback on the loop
        ...
    # leaving the block: `stop()`: the optional shutdown coroutine, then every task still
    # running is cancelled (bounded), the loop stops and closes, the thread is joined.

`stop(shutdown=...)` takes a coroutine function, for a server's own goodbye (close frames,
relays aborted) before the remaining tasks are cancelled. Every wait is bounded, so Ctrl-C
returns within about `timeout` seconds even if the loop is swamped; the thread is a daemon,
and whatever still runs after the timeout ends with the process.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class LoopError(RuntimeError):
    """The loop could not start, or a call on it did not finish in time."""


class LoopThread:
    """An asyncio event loop in a daemon thread, started by `start()` (or `with`)."""

    def __init__(self, name: str = "netlearn-loop") -> None:
        self.name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 10.0) -> LoopThread:
        """Start the thread and return once its loop runs (`LoopError` if it does not)."""
        if self._thread is not None:
            return self
        ready = threading.Event()
        loop = asyncio.new_event_loop()

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(ready.set)
            try:
                loop.run_forever()
            finally:
                with contextlib.suppress(Exception):
                    loop.run_until_complete(loop.shutdown_asyncgens())
                loop.close()

        self._loop = loop
        self._thread = threading.Thread(target=run, name=self.name, daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            raise LoopError(f"{self.name}: the event loop did not start")
        return self

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop (`LoopError` before `start()` or after `stop()`)."""
        if self._loop is None:
            raise LoopError(f"{self.name}: start() first")
        return self._loop

    @property
    def running(self) -> bool:
        return self._loop is not None and self._loop.is_running()

    def stop(
        self,
        timeout: float = 5.0,
        shutdown: Callable[[], Coroutine[Any, Any, object]] | None = None,
    ) -> None:
        """Run `shutdown()` (if given), cancel every task left, stop the loop, join the thread.

        Safe to call twice, and from a `finally` after Ctrl-C; returns within about `timeout`."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None or thread is None:
            return
        deadline = time.monotonic() + timeout
        if loop.is_running():
            with contextlib.suppress(Exception):
                future = asyncio.run_coroutine_threadsafe(_finish(shutdown, timeout * 0.8), loop)
                future.result(timeout * 0.9)
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(loop.stop)
        thread.join(max(0.05, deadline - time.monotonic()))

    def __enter__(self) -> LoopThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ work for the loop

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run a coroutine on the loop in the background; its Future (cancel it to stop it)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the loop and wait for its result (its exception is raised here).

        After `timeout` seconds the coroutine is cancelled and `LoopError` raised."""
        future = self.submit(coro)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise LoopError(f"{self.name}: no answer within {timeout:g} s") from None

    def soon(self, fn: Callable[..., object], *args: object) -> None:
        """Call a plain function on the loop thread, soon (thread-safe)."""
        self.loop.call_soon_threadsafe(fn, *args)


async def _finish(
    shutdown: Callable[[], Coroutine[Any, Any, object]] | None, budget: float
) -> None:
    """The loop's last coroutine: the owner's shutdown, then cancel what is left (bounded)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + budget
    if shutdown is not None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(shutdown(), max(0.01, (end - loop.time()) / 2))
    current = asyncio.current_task()
    rest = [t for t in asyncio.all_tasks() if t is not current]
    for task in rest:
        task.cancel()
    if rest:
        await asyncio.wait(rest, timeout=max(0.01, end - loop.time()))


if __name__ == "__main__":

    async def _answer() -> int:
        await asyncio.sleep(0.01)
        return 42

    with LoopThread("demo") as _runner:
        print("answer from the loop thread:", _runner.call(_answer()))
