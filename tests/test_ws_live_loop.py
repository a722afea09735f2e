"""netlearn.live.loop: the one loop-in-a-thread runner."""

from __future__ import annotations

import asyncio

import pytest

from netlearn.live.loop import LoopError, LoopThread


async def _value(x: int) -> int:
    await asyncio.sleep(0)
    return x


async def _boom() -> None:
    raise ValueError("boom")


def test_call_runs_on_the_loop_and_returns() -> None:
    with LoopThread("t") as runner:
        assert runner.running
        assert runner.call(_value(7)) == 7
        with pytest.raises(ValueError):
            runner.call(_boom())
    assert not runner.running


def test_call_times_out_with_loop_error() -> None:
    with LoopThread("t") as runner, pytest.raises(LoopError):
        runner.call(asyncio.Event().wait(), timeout=0.05)


def test_stop_runs_shutdown_then_cancels_what_is_left() -> None:
    seen: list[str] = []

    async def forever() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            seen.append("cancelled")
            raise

    async def shutdown() -> None:
        seen.append("shutdown")

    runner = LoopThread("t").start()
    runner.submit(forever())
    runner.call(_value(0))  # the task has started
    runner.stop(timeout=10.0, shutdown=shutdown)
    assert seen == ["shutdown", "cancelled"]
    runner.stop()  # twice is fine
    with pytest.raises(LoopError):
        _ = runner.loop


def test_soon_calls_on_the_loop_thread() -> None:
    import threading

    names: list[str] = []
    with LoopThread("named-loop") as runner:
        done = threading.Event()
        runner.soon(lambda: (names.append(threading.current_thread().name), done.set()))
        assert done.wait(2)
    assert names == ["named-loop"]
