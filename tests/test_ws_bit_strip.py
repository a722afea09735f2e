"""The BitStrip widget: the first bits of a header, labelled (RFC 6455 section 5.2's drawing)."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from netlearn.render.widgets.bit_strip import BitStrip


def _old(raw: bytes) -> tuple[str, str]:
    """The strip as the WebSocket lesson drew it by hand before the widget."""
    b0, b1 = format(raw[0], "08b"), format(raw[1], "08b")
    bits = f"{b0[0]} {b0[1]} {b0[2]} {b0[3]} {b0[4:]:^6} {b1[0]} {b1[1:]:^11}"
    return bits, "F R R R opcode M payload len"


def test_the_strip_matches_every_first_two_bytes() -> None:
    for b0 in range(256):
        for b1 in (0x00, 0x05, 0x7E, 0x7F, 0x85, 0xFE, 0xFF):
            raw = bytes((b0, b1))
            assert BitStrip(raw).lines() == _old(raw)


def test_rich_draws_labels_then_bits() -> None:
    out = StringIO()
    Console(file=out, width=60, color_system=None).print(BitStrip(bytes.fromhex("8105")))
    assert [line.rstrip() for line in out.getvalue().splitlines()] == [
        "  F R R R opcode M payload len",
        "  1 0 0 0  0001  0   0000101",
    ]


def test_other_segments() -> None:
    strip = BitStrip(bytes((0b10110000,)), segments=(("a", 2, ""), ("bee", 1, ""), ("c", 5, "")))
    assert strip.lines() == ("10  1  10000", "a  bee   c")
