"""Small pieces both WebSocket drawings share (plain in `render`, Rich in `render_rich`)."""

from __future__ import annotations

from netlearn.events import FieldInfo
from netlearn.lessons.websocket.events import Unmask
from netlearn.render.text import hex_bytes, route, wrap
from netlearn.render.widgets.bit_strip import BitStrip

SIDE_STYLE = {"client": "cyan", "browser": "cyan", "server": "yellow"}
HEX_LIMIT = 32


def wrap_lines(text: str, width: int, indent: str = "  ", sub: str = "      ") -> list[str]:
    return wrap(text, width, indent, sub)


def arrow(src: str, dst: str) -> str:
    return route(src, dst)


def hex_of(data: bytes, limit: int = HEX_LIMIT) -> str:
    return hex_bytes(data, limit, count_rest=True)


def char_of(byte: int) -> str:
    return repr(chr(byte)) if 32 <= byte < 127 else "·"


def wire_bits(raw: bytes, field: FieldInfo) -> str:
    """The field's bits exactly as they sit in the frame: binary up to 16 bits, else hex."""
    start, n = field.bit_offset, field.bits
    if start + n > len(raw) * 8:
        return ""
    value = int.from_bytes(raw, "big") >> (len(raw) * 8 - start - n) & ((1 << n) - 1)
    if n <= 16:
        return format(value, f"0{n}b")
    return value.to_bytes(n // 8, "big").hex(" ")


def field_value(raw: bytes, field: FieldInfo) -> str:
    """'0001 = 1 (text)': the wire bits, then scapy's reading of them when it adds anything."""
    bits = wire_bits(raw, field)
    value = field.value
    if field.name == "masking_key" or not bits:
        return bits or value
    return bits if bits == value else f"{bits} = {value}"


def bit_strip(raw: bytes) -> tuple[str, str]:
    """The first two header bytes as labelled bits, as RFC 6455 section 5.2 draws them."""
    return BitStrip(raw).lines()


def xor_rows(event: Unmask) -> list[tuple[int, int, int, int]]:
    n = min(event.shown, len(event.masked))
    return [(i, event.masked[i], event.key[i % 4], event.clear[i]) for i in range(n)]
