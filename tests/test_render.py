"""Renderers fed a saved trace, and widgets drawn on an 80-column string console."""

from __future__ import annotations

import json
import re
from io import StringIO

import pytest
from rich.console import Console

from netlearn.env import Env
from netlearn.events import Note, Table, Title, to_dict
from netlearn.packets.build import build
from netlearn.packets.fields import packet_view
from netlearn.render import run_scene
from netlearn.render.registry import wrap_markdown

TRACE = [
    Title(text="A title", subtitle="Sub"),
    Note(text="Run `netlearn learn osi --auto --speed 2` to watch it play on its own."),
    Note(text="Mind the gap.", tone="warn"),
    Table(title="T", columns=("a", "b"), rows=(("1", "2"),)),
]


def _console() -> Console:
    return Console(file=StringIO(), width=80, color_system=None, force_terminal=False)


def test_json_renderer_is_one_object_per_event(make_env) -> None:
    env, buf = make_env("json")
    view = packet_view(build("ping"), "ping")
    run_scene([*TRACE, view], env)
    lines = buf.getvalue().splitlines()
    assert len(lines) == len(TRACE) + 1
    decoded = [json.loads(x) for x in lines]
    assert [d["type"] for d in decoded] == ["title", "note", "note", "table", "packet"]
    assert bytes.fromhex(decoded[-1]["raw"]) == view.raw
    assert decoded[-1] == json.loads(json.dumps(to_dict(view)))


def test_plain_renderer_keeps_commands_whole(make_env) -> None:
    env, buf = make_env("plain", width=40)
    run_scene(TRACE, env)
    out = buf.getvalue()
    assert "`netlearn learn osi --auto --speed 2`" in out
    assert "Warning: Mind the gap." in out
    assert "\x1b" not in out


def test_wrap_markdown_rules() -> None:
    md = "# Head\n\n- a bullet " + "word " * 20 + "\n\n```\ncode  stays   as is\n```"
    lines = wrap_markdown(md, 40)
    assert lines[0] == "HEAD"
    assert lines[2].startswith("- a bullet")
    assert all(x.startswith("  ") for x in lines[3:5])
    assert "    code  stays   as is" in lines


@pytest.mark.parametrize("tty", [True, False], ids=["tty", "pipe"])
def test_auto_format_follows_the_terminal(monkeypatch: pytest.MonkeyPatch, tty: bool) -> None:
    class Out(StringIO):
        def isatty(self) -> bool:
            return tty

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Out()
    env = Env.build("auto", stdout=out, stdin=StringIO(), width=80)
    assert env.fmt == ("rich" if tty else "plain")
    assert env.color is tty and env.animate is tty
    run_scene(TRACE[:1], env)
    assert ("\x1b[" in out.getvalue()) is tty


def test_no_color_and_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    class Out(StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("NO_COLOR", "1")
    env = Env.build("auto", stdout=Out(), width=80)
    assert env.fmt == "rich" and not env.color
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("TERM", "dumb")
    assert not Env.build("auto", stdout=Out(), width=80).color


def test_pause_only_when_animating() -> None:
    slept: list[float] = []
    env = Env.build("plain", stdout=StringIO(), width=80, speed=2.0)
    env.sleep = slept.append
    env.pause(1.0)
    assert slept == []
    env.animate = True
    env.pause(1.0)
    assert slept == [0.5]


def test_widgets_fit_80_columns() -> None:
    from netlearn.render.widgets.field_table import FieldTable
    from netlearn.render.widgets.hexdump import HexDump
    from netlearn.render.widgets.layer_stack import LayerStack

    view = packet_view(build("websocket"), "ws")
    console = _console()
    console.print(LayerStack(view.layers, len(view.raw)))
    for layer in view.layers:
        console.print(FieldTable(layer))
    console.print(HexDump(view.raw, view.layers))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert max(len(x) for x in text.splitlines()) <= 80
    assert "WebSocket frame" in text and "masking_key" in text
    assert "0030  " in text


def test_hexdump_colours_bytes_by_layer() -> None:
    from netlearn.render.widgets.hexdump import HexDump

    view = packet_view(build("http"), "http")
    console = Console(file=StringIO(), width=100, color_system="standard", force_terminal=True)
    console.print(HexDump(view.raw, view.layers))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    # yellow (33) for Ethernet, cyan (36) for IP, green (32) for TCP, magenta (35) for data
    for code in ("33m", "36m", "32m", "35m"):
        assert code in out


def test_widget_demos_run_alone() -> None:
    import subprocess
    import sys

    for mod in ("hexdump", "field_table", "layer_stack"):
        result = subprocess.run(
            [sys.executable, "-m", f"netlearn.render.widgets.{mod}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip()


def test_plain_drops_emphasis_around_code_and_keeps_code_whole() -> None:
    lines = wrap_markdown("Run **`netlearn learn osi`** now, *then* `a * b` and **bold**.", 30)
    text = " ".join(lines)
    assert "*" not in text.replace("`a * b`", "")
    assert "`netlearn learn osi`" in lines[0] or "`netlearn learn osi`" in lines[1]


def test_wide_tables_become_records_only_when_cells_would_tower(make_env) -> None:
    from netlearn.lessons.osi.scenes import layers

    env, buf = make_env("rich", width=80)
    [seven] = list(layers(env))
    short = Table(
        title="Lessons",
        columns=("#", "id", "title", "minutes", "status"),
        rows=(("1", "osi", "The OSI model", "20", "new"),),
    )
    run_scene([seven, short], env)
    out = buf.getvalue()
    assert "  responsible for" in out  # the seven layers: one record per layer
    assert re.search(r"┃ #\s+┃ id\s+┃ title", out)  # the short table keeps its columns
    assert max(len(x) for x in out.splitlines()) <= 80
