"""What a packet means, in words: one line for the live trace, a full breakdown for `decode`.

`packet_line` (the live trace) lives in `lines`, the field-by-field breakdown in `breakdown`;
this module is the `decode` command's entry: it reads what a learner typed and checks its size.
"""

from __future__ import annotations

import dataclasses

from netlearn.content.words import say
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.breakdown import explain_eio, explain_sio_alone
from netlearn.lessons.socketio.events import DecodedPacket, PacketPart
from netlearn.lessons.socketio.lines import SURROGATE, packet_line, printable, sio_line
from netlearn.lessons.socketio.problems import PacketError, Problem

MAX_BODY_PACKETS = 1000  # packets in one polling body given to `decode`
MAX_CHARS = 100_000  # characters of what a learner types

__all__ = ["explain", "packet_line", "printable", "sio_line", "unescape"]


def _printable_view(view: DecodedPacket) -> DecodedPacket:
    parts = tuple(
        PacketPart(text=printable(p.text), field=p.field, meaning=printable(p.meaning))
        for p in view.parts
    )
    return dataclasses.replace(
        view,
        raw=printable(view.raw),
        summary=printable(view.summary),
        parts=parts,
        details=tuple(printable(d) for d in view.details),
        warnings=tuple(printable(w) for w in view.warnings),
    )


def unescape(text: str) -> str:
    """Let a learner type the record separator as \\x1e, \\u001e or the symbol ␞."""
    for token in ("\\x1e", "\\x1E", "\\u001e", "\\u001E", "\u241e"):
        text = text.replace(token, codec.RECORD_SEPARATOR)
    return text


def explain(raw: str, *, socketio_only: bool = False) -> list[DecodedPacket]:
    """Take a packet string apart. Raises PacketError with one clear sentence if it is invalid.

    By default the string is what crosses the wire: an Engine.IO packet (or a polling body of
    several, separated by \\x1e). With `socketio_only`, it is a bare Socket.IO packet, as the
    Socket.IO specification writes its examples (without the Engine.IO 4 in front).
    """
    return [_printable_view(view) for view in _explain(raw, socketio_only)]


def _explain(raw: str, socketio_only: bool) -> list[DecodedPacket]:
    if len(raw) > 4 * MAX_CHARS:  # before any work: unescape shortens by at most 4 times
        raise PacketError(Problem.DECODE_TOO_LONG, limit=MAX_CHARS)
    text = unescape(raw)
    if not text.strip():
        raise PacketError(Problem.DECODE_EMPTY)
    if len(text) > MAX_CHARS:
        raise PacketError(Problem.DECODE_TOO_LONG, limit=MAX_CHARS)
    if SURROGATE.search(text):
        # A shell argument that was not UTF-8 arrives as lone surrogates (surrogateescape);
        # a packet is text, and a WebSocket text frame must be UTF-8 (RFC 6455, 5.6).
        raise PacketError(Problem.NOT_UTF8)
    if socketio_only:
        return [explain_sio_alone(text)]
    pieces = text.split(codec.RECORD_SEPARATOR)
    if len(pieces) > MAX_BODY_PACKETS:
        raise PacketError(Problem.TOO_MANY_PACKETS, n=len(pieces), limit=MAX_BODY_PACKETS)
    if len(pieces) > 1:
        out = []
        total = len(pieces)
        for n, piece in enumerate(pieces, start=1):
            try:
                out.append(
                    explain_eio(piece, say("socketio.explain.decode.where", n=n, total=total))
                )
            except PacketError as exc:
                raise PacketError(Problem.IN_BODY, n=n, total=total, problem=exc) from None
        return out
    return [explain_eio(text, "")]
