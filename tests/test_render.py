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

    for mod in (
        "hexdump",
        "field_table",
        "layer_stack",
        "cwnd_chart",
        "wrap_strip",
        "quiz_card",
    ):
        module = "netlearn.quiz.card" if mod == "quiz_card" else f"netlearn.render.widgets.{mod}"
        result = subprocess.run(
            [sys.executable, "-m", module],
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


def test_a_drawing_is_found_in_the_event_packages_render_module(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No side-effect import: the first event of a kind with no drawing imports its package's
    `render` module, which registers the drawing; a package with no render module falls back."""
    import sys

    pkg = tmp_path / "somelesson"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "events.py").write_text(
        "from dataclasses import dataclass\n"
        "from typing import ClassVar\n"
        "from netlearn.events import Event\n"
        "@dataclass(frozen=True, kw_only=True)\n"
        "class Ping(Event):\n"
        "    kind: ClassVar[str] = 'ping'\n"
        "    n: int\n"
    )
    (pkg / "render.py").write_text(
        "from netlearn.render.registry import plain_lines\n"
        "from somelesson.events import Ping\n"
        "@plain_lines.register(Ping)\n"
        "def _(event, env):\n"
        "    return [f'ping number {event.n}']\n"
    )
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "__init__.py").write_text("")
    (bare / "events.py").write_text((pkg / "events.py").read_text())
    monkeypatch.syspath_prepend(str(tmp_path))
    from bare.events import Ping as BarePing  # type: ignore[import-not-found]
    from somelesson.events import Ping  # type: ignore[import-not-found]

    from netlearn.render.drawer import Drawer

    drawer = Drawer(Env.build("plain", stdout=StringIO(), width=80))
    assert "somelesson.render" not in sys.modules
    assert drawer.lines(Ping(n=3)) == ["ping number 3"]
    assert "somelesson.render" in sys.modules
    assert drawer.lines(BarePing(n=4)) == ["[ping] n=4"]


def test_core_events_are_drawn_by_the_core_without_any_import() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from io import StringIO\n"
        "from netlearn.env import Env\n"
        "from netlearn.events import Peers, Segment\n"
        "from netlearn.render import run_scene\n"
        "out = StringIO()\n"
        "env = Env.build('plain', stdout=out, width=80)\n"
        "run_scene([Peers(left='client', right='server'),\n"
        "           Segment(src='client', dst='server', sport=1, dport=2, flags='S', seq=5,\n"
        "                   ack=0, window=10, payload_len=0, raw=b'')], env)\n"
        "print(out.getvalue())\n"
        "print(sorted(m for m in sys.modules if m.startswith('netlearn.lessons.')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "#1 0.000s client -> server [SYN]" in out
    assert out.rstrip().endswith("[]")  # the core drew it; no lesson was imported


def test_two_drawers_keep_two_ladders() -> None:
    from netlearn.events import Peers, Segment
    from netlearn.render.drawer import Drawer

    env = Env.build("plain", stdout=StringIO(), width=80)
    one, two = Drawer(env), Drawer(env)
    seg = Segment(
        src="a",
        dst="b",
        sport=1,
        dport=2,
        flags="S",
        seq=1,
        ack=0,
        window=1,
        payload_len=0,
        raw=b"",
    )
    one.lines(Peers(left="a", right="b"))
    assert one.lines(seg)[0].startswith("#1 ")
    assert one.lines(seg)[0].startswith("#2 ")
    assert two.lines(seg)[0].startswith("#1 ")  # its own numbering, not the other's


def test_render_and_packets_import_no_lesson() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "netlearn"
    bad = []
    for folder in ("render", "packets"):
        for path in sorted((root / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else []
                )
                bad += [f"{path.name}: {n}" for n in names if n.startswith("netlearn.lessons")]
    assert bad == []


def test_every_answer_kind_and_note_tone_has_its_words() -> None:
    from netlearn.content.words import table
    from netlearn.quiz.model import ANSWER_KINDS

    assert set(table("core.quiz-card.kinds")) == set(ANSWER_KINDS)
    assert set(table("core.render.note-title")) <= set(table("core.render.note-prefix"))
