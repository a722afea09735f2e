"""The interactive layer inspector, driven headless: keys move through layers and fields, and
the selected field's bytes (to the hex digit) light up in the hex dump."""

from __future__ import annotations

import asyncio
from io import StringIO

import pytest
from rich.console import Console
from textual.app import App

from netlearn.app.inspector import FieldHexDump, InspectorScreen, byte_range, field_bits, where
from netlearn.env import Env
from netlearn.events import PacketView
from netlearn.lessons.osi.scenes import inspect


def http_view() -> PacketView:
    env = Env.build("plain", stdout=StringIO(), stderr=StringIO(), stdin=StringIO())
    (view,) = list(inspect(env, "http"))
    assert isinstance(view, PacketView)
    return view


class Host(App[object]):
    def __init__(self, screen: InspectorScreen) -> None:
        super().__init__()
        self.inspector = screen

    def on_mount(self) -> None:
        self.push_screen(self.inspector)


def screen_text(app: App[object]) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(seg.text for seg in strip).rstrip() for strip in strips)


def drive(keys: list[str], size: tuple[int, int] = (80, 24)) -> tuple[InspectorScreen, str]:
    screen = InspectorScreen(http_view())

    async def go() -> str:
        app = Host(screen)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            return screen_text(app)

    return screen, asyncio.run(go())


def lit_digits(view: PacketView, bits: tuple[int, int] | None) -> list[int]:
    """The hex digits (nibble numbers) the dump draws in reverse video, read from its output."""
    console = Console(width=80, color_system=None, force_terminal=False, record=True)
    segments = list(console.render(FieldHexDump(view.raw, view.layers, bits)))
    lines: list[list[tuple[str, bool]]] = [[]]
    for seg in segments:
        if seg.text == "\n":
            lines.append([])
            continue
        rev = bool(seg.style and seg.style.reverse)
        lines[-1].extend((ch, rev) for ch in seg.text)
    out = []
    rows = [
        line
        for line in lines
        if line and "".join(c for c, _ in line[:4]).strip("0123456789abcdef") == ""
    ]
    for row in rows:
        text = "".join(c for c, _ in row)
        if len(text) < 6 or text[4:6] != "  ":
            continue
        base = int(text[:4], 16)
        for i in range(16):
            for d in range(2):
                col = 6 + i * 3 + d
                if col < len(row) and row[col][1]:
                    out.append(2 * (base + i) + d)
    return out


def layer(view: PacketView, name: str):  # type: ignore[no-untyped-def]
    return next(la for la in view.layers if la.name == name)


def field(view: PacketView, layer_name: str, field_name: str):  # type: ignore[no-untyped-def]
    return next(f for f in layer(view, layer_name).fields if f.name == field_name)


def test_field_positions_come_from_the_event() -> None:
    view = http_view()
    tcp, ip = layer(view, "TCP"), layer(view, "IP")
    dport = field(view, "TCP", "dport")
    assert byte_range(field_bits(tcp, dport)) == (tcp.start + 2, tcp.start + 4)
    port = int.from_bytes(view.raw[tcp.start + 2 : tcp.start + 4], "big")
    assert dport.value.split()[0] == str(port)  # the bytes hold the value the field shows
    ttl = field(view, "IP", "ttl")
    assert byte_range(field_bits(ip, ttl)) == (ip.start + 8, ip.start + 9)
    ihl = field(view, "IP", "ihl")
    assert field_bits(ip, ihl) == (ip.start * 8 + 4, ip.start * 8 + 8)
    assert where(ip, ihl) == f"bits 4-7 of byte {ip.start} (4 bits)"
    assert where(tcp, dport) == f"bytes {tcp.start + 2}-{tcp.start + 3} (2 bytes)"
    assert view.raw[ip.start] & 0x0F == 5  # IHL 5: the low nibble of byte 14


def test_the_dump_lights_the_field_to_the_hex_digit() -> None:
    view = http_view()
    tcp, ip = layer(view, "TCP"), layer(view, "IP")
    dport = field_bits(tcp, field(view, "TCP", "dport"))
    assert lit_digits(view, dport) == list(range(2 * (tcp.start + 2), 2 * (tcp.start + 4)))
    ttl = field_bits(ip, field(view, "IP", "ttl"))
    assert lit_digits(view, ttl) == [2 * (ip.start + 8), 2 * (ip.start + 8) + 1]
    ihl = field_bits(ip, field(view, "IP", "ihl"))
    assert lit_digits(view, ihl) == [2 * ip.start + 1]  # one hex digit: the "5" of 0x45
    assert lit_digits(view, None) == []


def test_keys_move_through_layers_and_fields() -> None:
    view = http_view()
    ip, tcp = layer(view, "IP"), layer(view, "TCP")
    screen, text = drive([])
    assert screen.current_layer.name == "Ether" and screen.field_index == 0
    assert "[Ether]" in text
    # → to IP, down to ttl.
    ttl_index = [f.name for f in ip.fields].index("ttl")
    screen, text = drive(["right", *["down"] * ttl_index])
    assert screen.current_layer.name == "IP" and screen.current_field.name == "ttl"  # type: ignore[union-attr]
    assert screen.highlighted_bytes() == (ip.start + 8, ip.start + 9)
    assert f"IP.ttl = 64: byte {ip.start + 8} (1 byte)" in text
    assert "[IP]" in text
    # Tab twice from Ether: TCP; j to dport.
    screen, text = drive(["tab", "tab", "j"])
    assert screen.current_field.name == "dport"  # type: ignore[union-attr]
    assert screen.highlighted_bytes() == (tcp.start + 2, tcp.start + 4)
    assert f"bytes {tcp.start + 2}-{tcp.start + 3} (2 bytes)" in text
    # The carets under the dump mark the two bytes (four hex digits) on screen.
    rows = text.splitlines()
    row = next(
        i
        for i, line in enumerate(rows)
        if line.strip().startswith(f"{(tcp.start + 2) // 16 * 16:04x}  ")
    )
    assert rows[row + 1].count("^") == 4 + 2  # four digits and two ASCII characters
    # ← wraps round from the first layer to the last; k wraps to the last field.
    screen, _text = drive(["left", "k"])
    assert screen.layer_index == len(view.layers) - 1
    screen, _text = drive(["right", "k"])
    assert screen.current_field == ip.fields[-1]


def test_ihl_lights_one_digit_and_enter_opens_the_meaning() -> None:
    view = http_view()
    ip = layer(view, "IP")
    ihl = [f.name for f in ip.fields].index("ihl")
    screen, text = drive(["right", *["down"] * ihl, "enter"])
    assert screen.current_field.name == "ihl"  # type: ignore[union-attr]
    assert screen.highlighted_bits() == (ip.start * 8 + 4, ip.start * 8 + 8)
    assert f"bits 4-7 of byte {ip.start} (4 bits)" in text
    assert "▾ ihl" in text
    first_words = " ".join(field(view, "IP", "ihl").meaning.split()[:3])
    assert first_words in " ".join(text.split())
    screen, text = drive(["right", *["down"] * ihl, "enter", "enter"])
    assert "▾ ihl" not in text and "▸ ihl" in text


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_it_fits_and_q_leaves(size: tuple[int, int]) -> None:
    screen = InspectorScreen(http_view())

    async def go() -> tuple[str, object]:
        app = Host(screen)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            text = screen_text(app)
            await pilot.press("q")
            await pilot.pause()
        return text, app.return_code

    text, code = asyncio.run(go())
    assert "↑↓ field" in text.splitlines()[-1]
    assert code == 0
