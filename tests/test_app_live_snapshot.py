"""Snapshot of one live demo step at 80x24 (pytest-textual-snapshot).

A live run has kernel-chosen ports and clock times, so the snapshot replays a recorded trace
(`test_app_live.sio_trace`: fixed times and session ids) into the same `LiveScreen`."""

from __future__ import annotations

import time
from io import StringIO

import pytest

pytest.importorskip("textual")

from test_app_live import Host, sio_trace  # noqa: E402

from netlearn.app.live import LiveScreen  # noqa: E402
from netlearn.env import Env  # noqa: E402


def test_live_step_at_80x24(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("NO_COLOR", raising=False)
    env = Env.build("rich", stdout=StringIO(), animate=False)
    screen = LiveScreen(sio_trace(), title="Socket.IO, live", noun="part")
    app = Host(env, screen)

    async def ready(pilot) -> None:  # type: ignore[no-untyped-def]
        end = time.monotonic() + 10
        while screen.waiting is None and time.monotonic() < end:
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(80, 24), run_before=ready)
