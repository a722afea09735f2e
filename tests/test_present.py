"""Classroom: presenter mode paces by the page (no sleeps per step), exports take a light theme."""

from __future__ import annotations

import random
import re
from io import StringIO
from pathlib import Path

import pytest

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.options import show
from netlearn.render import export_events, run_scene
from netlearn.runner.present import MARGIN, PAGE_SECONDS

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Tty(StringIO):
    def isatty(self) -> bool:
        return True


def osi_events(env: Env) -> list:  # type: ignore[type-arg]
    from netlearn.lessons.osi import scenes

    return [*scenes.encapsulate(env, "http"), *scenes.inspect(env, "http")]


def test_auto_waits_per_page_not_per_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LINES", "20")
    out = Tty()
    env = Env.build("rich", stdout=out, stdin=StringIO(), width=100, speed=2.0)
    assert env.animate and env.height == 20
    slept: list[float] = []
    env.sleep = slept.append
    events = osi_events(env)
    show(events, env, present=True, auto=True)
    lines = ANSI.sub("", out.getvalue()).splitlines()
    pages = len(lines) // (env.height - 2)
    assert pages >= 3
    assert slept and set(slept) == {PAGE_SECONDS / 2.0}  # one reading time per full page
    assert len(slept) in (pages, pages - 1)
    assert all(line.startswith(" " * MARGIN) or not line.strip() for line in lines)
    # The same scene drawn normally sleeps per step (0.9 s per wrapping step, ...).
    normal: list[float] = []
    env2 = Env.build("rich", stdout=Tty(), stdin=StringIO(), width=100, speed=2.0)
    env2.sleep = normal.append
    run_scene(osi_events(env2), env2)
    assert len(normal) > len(slept) and PAGE_SECONDS / 2.0 not in normal


def test_present_changes_nothing_in_a_pipe() -> None:
    env = Env.build("plain", stdout=StringIO(), width=80)
    show(osi_events(env), env, present=True)
    env2 = Env.build("plain", stdout=StringIO(), width=80)
    show(osi_events(env2), env2)
    assert env.stdout.getvalue() == env2.stdout.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("suffix", [".svg", ".html", ".txt"])
def test_every_kind_of_scene_exports_in_the_light_theme(tmp_path: Path, suffix: str) -> None:
    from netlearn.lessons.tcp import scenarios

    env = Env.build("plain", stdout=StringIO(), width=80)
    scenes = {
        "osi": osi_events(env),
        "tcp": list(scenarios.handshake(random.Random(1)).events),
    }
    for name, events in scenes.items():
        light, dark = tmp_path / f"{name}-light{suffix}", tmp_path / f"{name}-dark{suffix}"
        export_events(events, light, theme="light")
        export_events(events, dark, theme="dark")
        text = light.read_text()
        assert "handshake" in text.lower() or "Ether" in text
        if suffix == ".txt":
            assert text == dark.read_text()  # text has no colours
        elif suffix == ".svg":
            assert "#ffffff" in text.lower() and "#ffffff" not in dark.read_text().lower()
        else:
            assert "#ffffff" in text.lower() and "#292929" in dark.read_text().lower()


def test_unknown_theme_is_one_clear_line(tmp_path: Path) -> None:
    env = Env.build("plain", stdout=StringIO(), width=80)
    with pytest.raises(NetlearnError, match="unknown theme 'pink'"):
        show([], env, tmp_path / "x.svg", theme="pink")


def test_cli_frame_export_light(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "frame.svg"
    done = run_cli(
        "websocket", "frame", "--example", "text", "--export", str(out), "--theme", "light"
    )
    assert done.returncode == 0, done.stderr
    assert "#ffffff" in out.read_text().lower()
    bad = run_cli("socketio", "decode", "2", "--theme", "pink")
    assert (
        bad.returncode == 1
        and bad.stderr.strip() == "netlearn: unknown theme 'pink': choose dark or light"
    )
