"""What a packet means, in one line: the live trace's reading of each packet.

The words are in lessons/socketio/explain.toml ([line]) and the shared glossaries
lessons/glossary/engineio-packets.toml and socketio-packets.toml.
"""

from __future__ import annotations

import json
import re
from typing import Any

from netlearn.content.words import say
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.protocol import EioPacket, PacketError, SioPacket

# Characters that must not reach a terminal as they are: C0/C1 controls (escape sequences could
# clear the screen or retitle the window), bidirectional overrides (they reorder what is shown),
# and lone surrogates (JSON may escape them, "\\ud800", but they are not characters and UTF-8
# cannot encode them: printing one would crash).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
SURROGATE = re.compile("[\ud800-\udfff]")


def eio_meaning(kind: int) -> str:
    """The glossary's meaning of an Engine.IO packet type (`open: the server accepts ...`)."""
    return say(f"glossary.engineio-packets.{codec.EIO_TYPES[kind]}")


def sio_meaning(kind: int) -> str:
    """The glossary's meaning of a Socket.IO packet type."""
    return say(f"glossary.socketio-packets.{codec.SIO_TYPES[kind].lower().replace('_', '-')}")


def short(value: Any, size: int = 40) -> str:
    """A JSON value, compact, cut with … past `size` characters."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= size else text[: size - 1] + "…"


def printable(text: str) -> str:
    """The text with unprintable characters written as JSON escapes (\\u001b, \\ud800)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _ns(pkt: SioPacket) -> str:
    return (
        ""
        if pkt.namespace == "/"
        else say("socketio.explain.line.on-namespace", namespace=pkt.namespace)
    )


def _attachments(pkt: SioPacket) -> str:
    return say("socketio.explain.line.attachments", n=pkt.attachments) if pkt.attachments else ""


def sio_line(pkt: SioPacket, direction: str = "") -> str:
    """One line: what this Socket.IO packet says."""
    if pkt.type == codec.CONNECT:
        if isinstance(pkt.data, dict) and "sid" in pkt.data:
            return say("socketio.explain.line.connect-accepted", ns=_ns(pkt), sid=pkt.data["sid"])
        auth = say("socketio.explain.line.with-auth", auth=short(pkt.data)) if pkt.data else ""
        return say("socketio.explain.line.connect", namespace=pkt.namespace, auth=auth)
    if pkt.type == codec.DISCONNECT:
        return say("socketio.explain.line.disconnect", namespace=pkt.namespace)
    if pkt.type == codec.CONNECT_ERROR:
        return say("socketio.explain.line.connect-error", ns=_ns(pkt), data=short(pkt.data))
    if pkt.type in (codec.EVENT, codec.BINARY_EVENT):
        args = ", ".join(short(a, 30) for a in pkt.args) or say(
            "socketio.explain.line.no-arguments"
        )
        ack = say("socketio.explain.line.asks-ack", id=pkt.id) if pkt.id is not None else ""
        return say(
            "socketio.explain.line.event",
            kind=codec.SIO_TYPES[pkt.type],
            event=pkt.event,
            ns=_ns(pkt),
            args=args,
            binary=_attachments(pkt),
            ack=ack,
        )
    args = ", ".join(short(a, 30) for a in pkt.args) or say("socketio.explain.line.nothing")
    kind = "BINARY_ACK" if pkt.type == codec.BINARY_ACK else "ACK"
    return say(
        "socketio.explain.line.ack",
        kind=kind,
        id=pkt.id,
        ns=_ns(pkt),
        args=args,
        binary=_attachments(pkt),
    )


def packet_line(pkt: EioPacket, direction: str = "") -> tuple[str, str]:
    """(Socket.IO type name or "", one line of meaning) for one Engine.IO packet."""
    name, meaning = _packet_line(pkt, direction)
    return name, printable(meaning)


def _packet_line(pkt: EioPacket, direction: str) -> tuple[str, str]:
    if isinstance(pkt.data, bytes):
        return "", say("socketio.explain.line.binary", n=len(pkt.data))
    text = str(pkt.data)
    if pkt.type == codec.OPEN:
        try:
            info = codec.parse_open(text)
        except PacketError as exc:
            return "", say("socketio.explain.line.open-bad", problem=exc)
        upgrades = info.get("upgrades")
        listed = upgrades if isinstance(upgrades, list) else []
        ups = ", ".join(str(u) for u in listed) or say("socketio.explain.line.no-upgrades")
        return "", say(
            "socketio.explain.line.open",
            sid=info.get("sid"),
            upgrades=ups,
            interval=info.get("pingInterval"),
            timeout=info.get("pingTimeout"),
        )
    if pkt.type == codec.PING:
        if text == "probe":
            return "", say("socketio.explain.line.ping-probe")
        return "", say("socketio.explain.line.ping")
    if pkt.type == codec.PONG:
        if text == "probe":
            return "", say("socketio.explain.line.pong-probe")
        return "", say("socketio.explain.line.pong")
    if pkt.type == codec.MESSAGE:
        try:
            sio = codec.decode_sio(text)
        except PacketError as exc:
            return "", say("socketio.explain.line.message-bad", problem=exc)
        return sio.name, sio_line(sio, direction)
    return "", say("socketio.explain.line.other", meaning=eio_meaning(pkt.type))
