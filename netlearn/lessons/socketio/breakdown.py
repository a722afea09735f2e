"""A packet string taken apart, field by field: what `netlearn socketio decode` shows.

Walks the text the way `codec` decodes it and names each piece. The words are in
lessons/socketio/explain.toml ([decode], [json-kinds]) and the shared glossaries.
"""

from __future__ import annotations

import json
from typing import Any

from netlearn.content.words import items, say
from netlearn.lessons.socketio import protocol as codec
from netlearn.lessons.socketio.events import DecodedPacket, PacketPart
from netlearn.lessons.socketio.lines import SURROGATE, eio_meaning, short, sio_meaning
from netlearn.lessons.socketio.problems import PacketError, Problem
from netlearn.lessons.socketio.protocol import SioPacket
from netlearn.render.text import hex_bytes


def _head(where: str) -> str:
    return say("socketio.explain.decode.head", where=where) if where else ""


def explain_eio(text: str, where: str) -> DecodedPacket:
    """One Engine.IO packet (`where`: its place in a polling body, or "")."""
    pkt = codec.decode_eio(text)
    head = _head(where)
    if isinstance(pkt.data, bytes):
        return DecodedPacket(
            raw=text,
            summary=say("socketio.explain.decode.binary-summary", head=head, n=len(pkt.data)),
            parts=(
                PacketPart(
                    text="b",
                    field=say("socketio.explain.decode.binary-marker"),
                    meaning=say("socketio.explain.decode.binary-marker-meaning"),
                ),
                PacketPart(
                    text=text[1:],
                    field=say("socketio.explain.decode.base64-data"),
                    meaning=say("socketio.explain.decode.base64-meaning", hex=hex_bytes(pkt.data)),
                ),
            ),
            details=tuple(items("socketio.explain.decode.binary-details")),
        )
    type_part = PacketPart(
        text=text[0],
        field=say("socketio.explain.decode.eio-type"),
        meaning=say(
            "socketio.explain.decode.eio-type-meaning", type=pkt.type, meaning=eio_meaning(pkt.type)
        ),
    )
    data = str(pkt.data)
    if pkt.type == codec.OPEN:
        return _explain_open(text, data, type_part, head)
    if pkt.type == codec.MESSAGE:
        try:
            sio = codec.decode_sio(data)
        except PacketError as exc:
            raise PacketError(Problem.MESSAGE_NOT_SIO, problem=exc) from None
        return DecodedPacket(
            raw=text,
            summary=say("socketio.explain.decode.message-summary", head=head, name=sio.name),
            parts=(type_part, *sio_parts(data, sio)),
            details=sio_details(sio),
            warnings=sio_warnings(sio),
        )
    parts = [type_part]
    warnings: list[str] = []
    details: list[str] = []
    if data:
        probe = pkt.type in (codec.PING, codec.PONG) and data == "probe"
        if probe:
            meaning = say("socketio.explain.decode.probe-data")
        else:
            meaning = say("socketio.explain.decode.extra-data")
        parts.append(
            PacketPart(text=data, field=say("socketio.explain.decode.data"), meaning=meaning)
        )
        if pkt.type in (codec.CLOSE, codec.UPGRADE, codec.NOOP) or (
            pkt.type in (codec.PING, codec.PONG) and data != "probe"
        ):
            warnings.append(say("socketio.explain.decode.no-data-expected", name=pkt.name))
            warnings.extend(_maybe_bare_sio(text))
    if pkt.type in (codec.PING, codec.PONG):
        details.append(
            say("socketio.explain.decode.heartbeat-detail")
            if data != "probe"
            else say("socketio.explain.decode.probe-detail")
        )
    elif pkt.type == codec.NOOP:
        details.append(say("socketio.explain.decode.noop-detail"))
    elif pkt.type == codec.UPGRADE:
        details.append(say("socketio.explain.decode.upgrade-detail"))
    return DecodedPacket(
        raw=text,
        summary=say("socketio.explain.decode.eio-summary", head=head, name=pkt.name),
        parts=tuple(parts),
        details=tuple(details),
        warnings=tuple(warnings),
    )


def _maybe_bare_sio(text: str) -> list[str]:
    try:
        sio = codec.decode_sio(text)
    except PacketError:
        return []
    return [say("socketio.explain.decode.bare-socketio", name=sio.name, text=text)]


def _explain_open(text: str, data: str, type_part: PacketPart, head: str) -> DecodedPacket:
    info = codec.parse_open(data)
    details = [
        say(
            "socketio.explain.decode.open-key",
            key=key,
            value=short(info[key], 60),
            meaning=say(f"glossary.engineio-open.{key}"),
        )
        for key in codec.OPEN_KEYS
        if key in info
    ]
    missing = [k for k in codec.OPEN_KEYS if k not in info]
    warnings = (
        [say("socketio.explain.decode.open-lacks", keys=", ".join(missing))] if missing else []
    )
    return DecodedPacket(
        raw=text,
        summary=say("socketio.explain.decode.open-summary", head=head),
        parts=(
            type_part,
            PacketPart(
                text=data,
                field=say("socketio.explain.decode.handshake-json"),
                meaning=say("socketio.explain.decode.handshake-json-meaning"),
            ),
        ),
        details=tuple(details),
        warnings=tuple(warnings),
    )


def explain_sio_alone(text: str) -> DecodedPacket:
    """A bare Socket.IO packet, as the specification writes its examples."""
    sio = codec.decode_sio(text)
    return DecodedPacket(
        raw=text,
        summary=say("socketio.explain.decode.sio-alone-summary", name=sio.name, text=text),
        parts=tuple(sio_parts(text, sio)),
        details=sio_details(sio),
        warnings=sio_warnings(sio),
    )


def sio_parts(text: str, sio: SioPacket) -> list[PacketPart]:
    """Split the Socket.IO text into its fields, in order (the same walk as the decoder)."""
    parts = [
        PacketPart(
            text=text[0],
            field=say("socketio.explain.decode.sio-type"),
            meaning=say(
                "socketio.explain.decode.sio-type-meaning",
                type=sio.type,
                name=sio.name,
                meaning=sio_meaning(sio.type),
            ),
        )
    ]
    i = 1
    if sio.type in (codec.BINARY_EVENT, codec.BINARY_ACK):
        dash = text.index("-", i)
        parts.append(
            PacketPart(
                text=text[i : dash + 1],
                field=say("socketio.explain.decode.attachments"),
                meaning=say("socketio.explain.decode.attachments-meaning", n=sio.attachments),
            )
        )
        i = dash + 1
    if text.startswith("/", i):
        comma = text.find(",", i)
        end = len(text) if comma < 0 else comma + 1
        meaning = say("socketio.explain.decode.namespace-meaning", namespace=sio.namespace)
        parts.append(
            PacketPart(
                text=text[i:end], field=say("socketio.explain.decode.namespace"), meaning=meaning
            )
        )
        i = end
    else:
        parts.append(
            PacketPart(
                text="",
                field=say("socketio.explain.decode.namespace"),
                meaning=say("socketio.explain.decode.namespace-none"),
            )
        )
    if sio.id is not None:
        j = i
        while j < len(text) and text[j].isascii() and text[j].isdigit():
            j += 1
        meaning = (
            say("socketio.explain.decode.ack-id-asks", id=sio.id)
            if sio.type in (codec.EVENT, codec.BINARY_EVENT)
            else say("socketio.explain.decode.ack-id-answers", id=sio.id)
        )
        parts.append(
            PacketPart(text=text[i:j], field=say("socketio.explain.decode.ack-id"), meaning=meaning)
        )
        i = j
    rest = text[i:]
    if rest:
        parts.append(
            PacketPart(
                text=rest,
                field=say("socketio.explain.decode.payload"),
                meaning=_payload_meaning(sio),
            )
        )
    return parts


def _payload_meaning(sio: SioPacket) -> str:
    n = len(sio.args)
    if sio.type in (codec.EVENT, codec.BINARY_EVENT):
        if n == 0:
            rest = say("socketio.explain.decode.no-arguments")
        elif n == 1:
            rest = say("socketio.explain.decode.then-one-argument")
        else:
            rest = say("socketio.explain.decode.then-arguments", n=n)
        return say("socketio.explain.decode.event-payload", event=sio.event, rest=rest)
    if sio.type in (codec.ACK, codec.BINARY_ACK):
        if n == 1:
            return say("socketio.explain.decode.ack-payload-one")
        return say("socketio.explain.decode.ack-payload", n=n)
    if sio.type == codec.CONNECT:
        if isinstance(sio.data, dict) and "sid" in sio.data:
            return say("socketio.explain.decode.connect-sid-payload")
        return say("socketio.explain.decode.connect-auth-payload")
    if sio.type == codec.CONNECT_ERROR:
        return say("socketio.explain.decode.connect-error-payload")
    return say("socketio.explain.decode.payload")


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _js_args(args: list[Any]) -> str:
    return ", ".join(json.dumps(a, ensure_ascii=False) for a in args)


def _py_data(args: list[Any]) -> str:
    if not args:
        return ""
    if len(args) == 1:
        return ", " + _py(args[0])
    return ", (" + ", ".join(_py(a) for a in args) + ")"


def _py(value: Any) -> str:
    if isinstance(value, dict) and value.get("_placeholder") is True:
        return "b'...'"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py(k)}: {_py(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _event_details(sio: SioPacket) -> list[str]:
    # One line per argument, and a packet may carry thousands: look the words up once.
    line = say("socketio.explain.decode.argument", n="{n}", value="{value}", kind="{kind}")
    kinds: dict[str, str] = {}
    out = [
        line.format(n=n, value=short(arg, 60), kind=_kind_cached(arg, kinds))
        for n, arg in enumerate(sio.args, start=1)
    ]
    ns_js = "" if sio.namespace == "/" else f'io("{sio.namespace}") -> '
    ns_py = "" if sio.namespace == "/" else f', namespace="{sio.namespace}"'
    js_args = _js_args(sio.args)
    js_sep = ", " if js_args else ""
    if sio.id is not None:
        js_call = f'{ns_js}socket.emit("{sio.event}"{js_sep}{js_args}, (answer) => ...)'
        py_call = f'sio.emit("{sio.event}"{_py_data(sio.args)}{ns_py}, callback=on_answer)'
    else:
        js_call = f'{ns_js}socket.emit("{sio.event}"{js_sep}{js_args})'
        py_call = f'sio.emit("{sio.event}"{_py_data(sio.args)}{ns_py})'
    out.append(say("socketio.explain.decode.javascript-call", call=js_call))
    out.append(say("socketio.explain.decode.python-call", call=py_call))
    if sio.id is not None:
        reply = SioPacket(codec.ACK, sio.namespace, sio.args, sio.id).encode()
        head = reply[: len(reply) - len(_compact(sio.args))]
        out.append(say("socketio.explain.decode.must-ack", id=sio.id, head=head, reply=reply))
    else:
        out.append(say("socketio.explain.decode.runs-handler", event=sio.event))
    return out


def sio_details(sio: SioPacket) -> tuple[str, ...]:
    """What the packet asks of its receiver, and how each library writes it."""
    out: list[str] = []
    if sio.type in (codec.EVENT, codec.BINARY_EVENT):
        out.extend(_event_details(sio))
    elif sio.type in (codec.ACK, codec.BINARY_ACK):
        out.append(say("socketio.explain.decode.ack-detail", id=sio.id))
    elif sio.type == codec.CONNECT:
        if isinstance(sio.data, dict) and "sid" in sio.data:
            out.append(say("socketio.explain.decode.connect-server"))
        else:
            where = "" if sio.namespace == "/" else repr(sio.namespace)
            out.append(say("socketio.explain.decode.connect-client", where=where))
    elif sio.type == codec.CONNECT_ERROR:
        out.append(say("socketio.explain.decode.connect-error-detail"))
    elif sio.type == codec.DISCONNECT:
        out.append(say("socketio.explain.decode.disconnect-detail"))
    if sio.attachments:
        nums = codec.placeholders(sio.data)
        shown = ", ".join(map(str, nums)) or say("socketio.explain.decode.no-placeholders")
        out.append(say("socketio.explain.decode.attachments-detail", n=sio.attachments, nums=shown))
    return tuple(out)


def sio_warnings(sio: SioPacket) -> tuple[str, ...]:
    """What in the packet a peer may refuse or misread."""
    out = []
    if sio.attachments:
        nums = sorted(codec.placeholders(sio.data))
        if nums != list(range(sio.attachments)):
            out.append(
                say(
                    "socketio.explain.decode.placeholders-wrong",
                    n=sio.attachments,
                    nums=nums,
                    last=sio.attachments - 1,
                )
            )
    lone = SURROGATE.search(_compact(sio.data)) if sio.data is not None else None
    if lone:
        out.append(say("socketio.explain.decode.lone-surrogate", code=f"{ord(lone.group()):04x}"))
    if sio.type == codec.CONNECT_ERROR and isinstance(sio.data, str):
        out.append(say("socketio.explain.decode.connect-error-string"))
    return tuple(out)


def _kind_cached(value: Any, seen: dict[str, str]) -> str:
    if isinstance(value, dict) and value.get("_placeholder") is True:
        return json_kind(value)
    name = type(value).__name__
    if name not in seen:
        seen[name] = json_kind(value)
    return seen[name]


def json_kind(value: Any) -> str:
    """The JSON type of a value, in words (a binary placeholder named as such)."""
    if isinstance(value, bool):
        return say("socketio.explain.json-kinds.boolean")
    if value is None:
        return say("socketio.explain.json-kinds.null")
    if isinstance(value, int | float):
        return say("socketio.explain.json-kinds.number")
    if isinstance(value, str):
        return say("socketio.explain.json-kinds.string")
    if isinstance(value, list):
        return say("socketio.explain.json-kinds.array")
    if isinstance(value, dict) and value.get("_placeholder") is True:
        return say("socketio.explain.json-kinds.placeholder", num=value.get("num"))
    return say("socketio.explain.json-kinds.object")
