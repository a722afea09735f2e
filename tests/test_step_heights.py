"""Every step of a lesson fits in about two screens: at most LIMIT lines of plain output at 80
columns (hints included, as plain output prints them). Steps are built in-process, with the
live scenes on real sockets, one Env per lesson as in a real run."""

from __future__ import annotations

import io

import pytest

from netlearn.content.checker import load_lesson
from netlearn.content.manifest import MANIFEST, find, load_report
from netlearn.env import Env
from netlearn.paths import lessons_dir
from netlearn.render import make_renderer
from netlearn.runner.player import step_events

LIMIT = 100  # lines; two 80x24 screens are ~48: most steps are under 70, the live ones not all


def heights(lesson: str) -> dict[str, int]:
    """Each step's id and its number of lines of plain output, 80 columns wide."""
    root = lessons_dir()
    manifest = load_report(root)
    info = find(lesson, manifest.lessons, manifest.broken)
    text = load_lesson(info, root / MANIFEST)
    out: dict[str, int] = {}
    buffer = io.StringIO()
    # Live scenes at 8x: the same events, heartbeats and quiet windows eight times shorter.
    env = Env.build("plain", stdout=buffer, width=80, seed=7, speed=8.0)
    renderer = make_renderer(env)
    for index, step in enumerate(text.steps):
        before = buffer.getvalue().count("\n")
        for event in step_events(env, info, text, index, hints=True):
            renderer.emit(event)
        out[step.id] = buffer.getvalue().count("\n") - before
    return out


@pytest.mark.timeout(60)
@pytest.mark.parametrize("lesson", ["osi", "capture", "websocket", "socketio"])
def test_every_step_fits_in_two_screens(lesson: str) -> None:
    measured = heights(lesson)
    assert measured, lesson
    tall = {step: n for step, n in measured.items() if n > LIMIT}
    assert not tall, f"{lesson}: steps over {LIMIT} lines: {tall}"


# One step is allowed a little more: its scene is one ladder of 25 segments (a loss, the
# duplicate ACKs and the fast retransmit must be seen together), and its prose is two lines. In
# the full-screen player the scene has its own scrolling region.
TCP_ALLOWED = {"loss-recovery": 110}


@pytest.mark.timeout(60)
def test_tcp_steps_fit_in_two_screens() -> None:
    measured = heights("tcp")
    tall = {step: n for step, n in measured.items() if n > TCP_ALLOWED.get(step, LIMIT)}
    assert not tall, f"tcp: steps over {LIMIT} lines: {tall}"
    assert set(TCP_ALLOWED) <= set(measured)  # an allowance for a step that is gone is stale
