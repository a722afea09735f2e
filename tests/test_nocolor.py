"""NO_COLOR keeps every distinction: what colour told is said in text (brackets, markers)."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from io import StringIO

import pytest
from rich.console import Console

from netlearn.env import Env
from netlearn.packets.build import build
from netlearn.packets.fields import packet_view
from netlearn.render import run_scene
from netlearn.render.widgets.flag_strip import FlagStrip
from netlearn.render.widgets.hexdump import HexDump
from netlearn.render.widgets.layer_stack import LayerStack
from netlearn.render.widgets.wrap_strip import WrapStrip

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def colours(text: str) -> list[str]:
    """The colour codes among the SGR sequences of `text` (bold, dim, underline and reverse video
    are allowed under NO_COLOR: they carry meaning without colour)."""
    found = []
    for seq in re.findall(r"\x1b\[([0-9;]*)m", text):
        for code in (int(c) for c in seq.split(";") if c):
            if 30 <= code <= 49 or 90 <= code <= 107:
                found.append(str(code))
    return found


class Tty(StringIO):
    def isatty(self) -> bool:
        return True


def tty_env(monkeypatch: pytest.MonkeyPatch, no_color: bool) -> tuple[Env, Tty]:
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    env = Env.build("auto", stdout=out, stdin=StringIO(), width=80, animate=False)
    return env, out


def draw(renderable: object, no_color: bool, width: int = 80) -> str:
    console = Console(
        file=StringIO(),
        width=width,
        force_terminal=not no_color,
        color_system=None if no_color else "truecolor",
        no_color=no_color,
    )
    console.print(renderable)
    return ANSI.sub("", console.file.getvalue())  # type: ignore[attr-defined]


def test_flag_strip_says_which_flags_are_set() -> None:
    plain = draw(FlagStrip(("SYN", "ACK")), no_color=True)
    assert "[SYN]" in plain and "[ACK]" in plain
    assert "[FIN]" not in plain and " fin " in plain
    assert "set: ACK, SYN" in plain
    coloured = draw(FlagStrip(("SYN", "ACK")), no_color=False)
    assert "[SYN]" not in coloured  # in colour, reverse video does it


def test_hex_legend_is_not_identical_squares() -> None:
    view = packet_view(build("http"), "http")
    text = draw(HexDump(view.raw, view.layers), no_color=True)
    legend = text.strip().splitlines()[-1]
    assert "■" not in legend
    assert "Ether 0-13 | IP 14-33 | TCP 34-53 | Raw 54-" in legend
    lines = text.splitlines()
    # Where a header starts mid-line, a bar marks it: IP at byte 14 (0x0e), TCP at 34 (0x22).
    assert lines[0].startswith("0000 ") and "08 00|45 00" in lines[0]
    assert "00 01|c5" in lines[2]
    assert "[IP]" in lines[1]  # a line whose bytes all belong to one header names it
    coloured = draw(HexDump(view.raw, view.layers), no_color=False)
    assert coloured.count("■") == 4


def test_hexdump_highlight_is_bracketed() -> None:
    view = packet_view(build("http"), "http")
    ip = view.layers[1]
    size = ip.end - ip.start
    text = draw(
        HexDump(view.raw[14:78], [replace(ip, start=0, end=size)], highlight=(0, size)),
        no_color=True,
    )
    first, second = text.splitlines()[:2]
    assert first.startswith("0000 [45 00")  # the new header opens with [
    assert "]" in second and second.index("]") == 5 + 3 * (size - 16)  # and closes after byte 19


def test_layer_stack_and_wrap_strip_mark_the_active_layer() -> None:
    view = packet_view(build("http"), "http")
    stack = draw(LayerStack(view.layers, len(view.raw), active="TCP"), no_color=True)
    marked = [line for line in stack.splitlines() if line.startswith("▶")]
    assert len(marked) == 1 and "TCP" in marked[0]
    strip = draw(WrapStrip(view.layers, highlight="TCP"), no_color=True)
    assert strip.count("[") == len(view.layers) and "TCP 20B".upper() in strip


def test_ladder_keeps_flags_direction_and_states(monkeypatch: pytest.MonkeyPatch) -> None:
    from netlearn.lessons.tcp import scenarios

    trace = scenarios.handshake(random.Random(1))
    env, out = tty_env(monkeypatch, no_color=True)
    assert not env.color
    run_scene(trace.events, env)
    raw = out.getvalue()
    assert colours(raw) == []
    assert "\x1b[1m" in raw  # bold stays: NO_COLOR takes colour away, not emphasis
    text = ANSI.sub("", raw)
    assert "[SYN] seq=0" in text and "[SYN, ACK] seq=0 ack=1" in text
    assert "▶" in text and "◀" in text  # which way each segment goes
    assert "ESTABLISHED" in text and "SYN-SENT" in text


def test_inspector_scene_with_no_color_keeps_the_legend(monkeypatch: pytest.MonkeyPatch) -> None:
    from netlearn.lessons.osi import scenes

    env, out = tty_env(monkeypatch, no_color=True)
    run_scene(list(scenes.inspect(env, "http")), env)
    assert colours(out.getvalue()) == []
    text = ANSI.sub("", out.getvalue())
    assert "■" not in text and "Ether 0-13 | IP 14-33" in text
    env, out = tty_env(monkeypatch, no_color=False)
    run_scene(list(scenes.inspect(env, "http")), env)
    assert "■" in out.getvalue()
