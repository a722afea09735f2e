"""What a packet means, in words: one line for the live trace, a full breakdown for `decode`."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from netlearn.lessons.socketio import codec
from netlearn.lessons.socketio.codec import EioPacket, PacketError, SioPacket
from netlearn.lessons.socketio.events import DecodedPacket, PacketPart

EIO_MEANING = {
    codec.OPEN: "open: the server accepts the session and says how it will run",
    codec.CLOSE: "close: this transport (and the session) is over",
    codec.PING: "ping: are you still there?",
    codec.PONG: "pong: still here",
    codec.MESSAGE: "message: data for the layer above (Socket.IO)",
    codec.UPGRADE: "upgrade: from now on, use the WebSocket",
    codec.NOOP: "noop: nothing; ends a pending long-poll request",
}

SIO_MEANING = {
    codec.CONNECT: "join a namespace (client) or accept the join (server, with the socket id)",
    codec.DISCONNECT: "leave the namespace",
    codec.EVENT: "an event: a name and its arguments",
    codec.ACK: "the answer to an event that asked for one",
    codec.CONNECT_ERROR: "the server refuses the join",
    codec.BINARY_EVENT: "an event whose arguments include bytes, sent as attachments",
    codec.BINARY_ACK: "an answer whose arguments include bytes, sent as attachments",
}


def _short(value: Any, size: int = 40) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= size else text[: size - 1] + "…"


def _ns(pkt: SioPacket) -> str:
    return "" if pkt.namespace == "/" else f" on {pkt.namespace}"


def sio_line(pkt: SioPacket, direction: str = "") -> str:
    """One line: what this Socket.IO packet says."""
    if pkt.type == codec.CONNECT:
        if isinstance(pkt.data, dict) and "sid" in pkt.data:
            return f"Socket.IO CONNECT accepted{_ns(pkt)}: socket id {pkt.data['sid']}"
        extra = f" with auth {_short(pkt.data)}" if pkt.data else ""
        return f"Socket.IO CONNECT: join namespace {pkt.namespace}{extra}"
    if pkt.type == codec.DISCONNECT:
        return f"Socket.IO DISCONNECT: leave namespace {pkt.namespace} (from either side)"
    if pkt.type == codec.CONNECT_ERROR:
        return f"Socket.IO CONNECT_ERROR{_ns(pkt)}: refused, {_short(pkt.data)}"
    if pkt.type in (codec.EVENT, codec.BINARY_EVENT):
        args = ", ".join(_short(a, 30) for a in pkt.args) or "no arguments"
        ack = f", asks for an ack (id {pkt.id})" if pkt.id is not None else ""
        binary = f" + {pkt.attachments} binary attachment(s)" if pkt.attachments else ""
        kind = "BINARY_EVENT" if pkt.type == codec.BINARY_EVENT else "EVENT"
        return f'Socket.IO {kind} "{pkt.event}"{_ns(pkt)}: {args}{binary}{ack}'
    args = ", ".join(_short(a, 30) for a in pkt.args) or "nothing"
    binary = f" + {pkt.attachments} binary attachment(s)" if pkt.attachments else ""
    kind = "BINARY_ACK" if pkt.type == codec.BINARY_ACK else "ACK"
    return f"Socket.IO {kind} for id {pkt.id}{_ns(pkt)}: {args}{binary}"


def packet_line(pkt: EioPacket, direction: str = "") -> tuple[str, str]:
    """(Socket.IO type name or "", one line of meaning) for one Engine.IO packet."""
    name, meaning = _packet_line(pkt, direction)
    return name, printable(meaning)


def _packet_line(pkt: EioPacket, direction: str) -> tuple[str, str]:
    if pkt.binary:
        assert isinstance(pkt.data, bytes)
        return "", f"binary attachment, {len(pkt.data)} bytes, for the packet before"
    text = str(pkt.data)
    if pkt.type == codec.OPEN:
        try:
            info = codec.parse_open(text)
        except PacketError as exc:
            return "", f"Engine.IO open, but {exc}"
        upgrades = info.get("upgrades")
        listed = upgrades if isinstance(upgrades, list) else []
        ups = ", ".join(str(u) for u in listed) or "none"
        return "", (
            f"Engine.IO open: session {info.get('sid')}, upgrades: {ups}, ping every "
            f"{info.get('pingInterval')} ms, timeout {info.get('pingTimeout')} ms"
        )
    if pkt.type == codec.PING:
        if text == "probe":
            return "", "Engine.IO ping probe: does this WebSocket work?"
        return "", "Engine.IO ping (heartbeat): are you still there?"
    if pkt.type == codec.PONG:
        if text == "probe":
            return "", "Engine.IO pong probe: yes, the WebSocket works"
        return "", "Engine.IO pong (heartbeat): still here"
    if pkt.type == codec.MESSAGE:
        try:
            sio = codec.decode_sio(text)
        except PacketError as exc:
            return "", f"Engine.IO message, not Socket.IO: {exc}"
        return sio.name, sio_line(sio, direction)
    return "", "Engine.IO " + EIO_MEANING[pkt.type]


# ------------------------------------------------------------------------- decode command


# Characters that must not reach a terminal as they are: C0/C1 controls (escape sequences could
# clear the screen or retitle the window), bidirectional overrides (they reorder what is shown),
# and lone surrogates (JSON may escape them, "\\ud800", but they are not characters and UTF-8
# cannot encode them: printing one would crash).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

MAX_BODY_PACKETS = 1000  # packets in one polling body given to `decode`


def printable(text: str) -> str:
    """The text with unprintable characters written as JSON escapes (\\u001b, \\ud800)."""
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
    if len(raw) > 4 * 100_000:  # before any work: unescape shortens by at most 4 times
        raise PacketError("that packet is longer than 100000 characters; give a shorter one")
    text = unescape(raw)
    if not text.strip():
        raise PacketError('give a packet, for example: 42["chat",{"text":"hi"}]')
    if len(text) > 100_000:
        raise PacketError("that packet is longer than 100000 characters; give a shorter one")
    if _SURROGATE.search(text):
        # A shell argument that was not UTF-8 arrives as lone surrogates (surrogateescape);
        # a packet is text, and a WebSocket text frame must be UTF-8 (RFC 6455, 5.6).
        raise PacketError(
            "the packet is not valid UTF-8 text; to carry bytes, use b+base64 (b AQID...)"
        )
    if socketio_only:
        return [_explain_sio_alone(text)]
    pieces = text.split(codec.RECORD_SEPARATOR)
    if len(pieces) > MAX_BODY_PACKETS:
        raise PacketError(f"that body holds {len(pieces)} packets; give at most {MAX_BODY_PACKETS}")
    if len(pieces) > 1:
        out = []
        for n, piece in enumerate(pieces, start=1):
            try:
                out.append(_explain_eio(piece, f"packet {n} of {len(pieces)} in this body"))
            except PacketError as exc:
                raise PacketError(f"packet {n} of {len(pieces)}: {exc}") from None
        return out
    return [_explain_eio(text, "")]


def _explain_eio(text: str, where: str) -> DecodedPacket:
    pkt = codec.decode_eio(text)
    head = f"{where}: " if where else ""
    if pkt.binary:
        assert isinstance(pkt.data, bytes)
        return DecodedPacket(
            raw=text,
            summary=f"{head}Engine.IO binary message, {len(pkt.data)} bytes (base64)",
            parts=(
                PacketPart(text="b", field="binary marker", meaning="base64 binary follows"),
                PacketPart(
                    text=text[1:],
                    field="base64 data",
                    meaning=f"the bytes {_hex(pkt.data)}",
                ),
            ),
            details=(
                "Over HTTP long-polling binary data is written as b + base64 (Engine.IO v4);",
                "over a WebSocket the same bytes travel as a binary frame, unchanged.",
                "In Socket.IO it is an attachment of the BINARY_EVENT/ACK packet before it.",
            ),
        )
    type_part = PacketPart(
        text=text[0],
        field="Engine.IO type",
        meaning=f"{pkt.type} = {EIO_MEANING[pkt.type]}",
    )
    data = str(pkt.data)
    if pkt.type == codec.OPEN:
        return _explain_open(text, data, type_part, head)
    if pkt.type == codec.MESSAGE:
        try:
            sio = codec.decode_sio(data)
        except PacketError as exc:
            raise PacketError(
                f"an Engine.IO message, but not a valid Socket.IO packet: {exc}"
            ) from None
        inner = _sio_parts(data, sio)
        return DecodedPacket(
            raw=text,
            summary=head + "Engine.IO message carrying a Socket.IO " + sio.name + " packet",
            parts=(type_part, *inner),
            details=_sio_details(sio),
            warnings=_sio_warnings(sio),
        )
    parts = [type_part]
    warnings: list[str] = []
    details: list[str] = []
    if data:
        parts.append(PacketPart(text=data, field="data", meaning=_eio_data_meaning(pkt.type, data)))
        if pkt.type in (codec.CLOSE, codec.UPGRADE, codec.NOOP) or (
            pkt.type in (codec.PING, codec.PONG) and data != "probe"
        ):
            warnings.append(f"a {pkt.name} packet normally carries no data")
            warnings.extend(_maybe_bare_sio(text))
    if pkt.type in (codec.PING, codec.PONG):
        details.append(
            "Engine.IO v4: the server sends ping every pingInterval ms; the client must answer "
            "pong within pingTimeout ms, or the server closes the session."
            if data != "probe"
            else "2probe/3probe test a new WebSocket before the client moves the session "
            "onto it (then it sends 5, upgrade)."
        )
    elif pkt.type == codec.NOOP:
        details.append(
            "Sent during an upgrade to answer a pending long-poll GET, so polling can stop."
        )
    elif pkt.type == codec.UPGRADE:
        details.append("Sent by the client on the WebSocket after 3probe: polling stops here.")
    return DecodedPacket(
        raw=text,
        summary=f"{head}Engine.IO {pkt.name} packet",
        parts=tuple(parts),
        details=tuple(details),
        warnings=tuple(warnings),
    )


def _eio_data_meaning(kind: int, data: str) -> str:
    if kind in (codec.PING, codec.PONG) and data == "probe":
        return "probe: testing a new WebSocket during the upgrade"
    return "extra data"


def _maybe_bare_sio(text: str) -> list[str]:
    try:
        sio = codec.decode_sio(text)
    except PacketError:
        return []
    return [
        f"if you meant a Socket.IO packet without the Engine.IO 4 in front, it is a {sio.name}: "
        f"decode 4{text}, or add --socketio"
    ]


def _explain_open(text: str, data: str, type_part: PacketPart, head: str) -> DecodedPacket:
    info = codec.parse_open(data)
    details = []
    what = {
        "sid": "the session id; the client repeats it as ?sid= in every later request",
        "upgrades": "transports the client may move to (a WebSocket, when it starts with polling)",
        "pingInterval": "ms between the server's pings",
        "pingTimeout": "ms the client has to answer a ping with a pong",
        "maxPayload": "the largest body in bytes the server accepts (clients batch up to it)",
    }
    for key in codec.OPEN_KEYS:
        if key in info:
            details.append(f"{key} = {_short(info[key], 60)}: {what[key]}")
    missing = [k for k in codec.OPEN_KEYS if k not in info]
    warnings = [f"the open packet lacks {', '.join(missing)}"] if missing else []
    return DecodedPacket(
        raw=text,
        summary=head + "Engine.IO open packet: the server's handshake",
        parts=(
            type_part,
            PacketPart(text=data, field="handshake JSON", meaning="session settings, below"),
        ),
        details=tuple(details),
        warnings=tuple(warnings),
    )


def _explain_sio_alone(text: str) -> DecodedPacket:
    sio = codec.decode_sio(text)
    return DecodedPacket(
        raw=text,
        summary=f"Socket.IO {sio.name} packet (on the wire it is sent as 4{text})",
        parts=tuple(_sio_parts(text, sio)),
        details=_sio_details(sio),
        warnings=_sio_warnings(sio),
    )


def _sio_parts(text: str, sio: SioPacket) -> list[PacketPart]:
    """Split the Socket.IO text into its fields, in order (the same walk as the decoder)."""
    parts = [
        PacketPart(
            text=text[0],
            field="Socket.IO type",
            meaning=f"{sio.type} = {sio.name}: {SIO_MEANING[sio.type]}",
        )
    ]
    i = 1
    if sio.type in (codec.BINARY_EVENT, codec.BINARY_ACK):
        dash = text.index("-", i)
        parts.append(
            PacketPart(
                text=text[i : dash + 1],
                field="attachments",
                meaning=f"{sio.attachments} binary attachment(s) follow as separate messages",
            )
        )
        i = dash + 1
    if text.startswith("/", i):
        comma = text.find(",", i)
        end = len(text) if comma < 0 else comma + 1
        parts.append(
            PacketPart(
                text=text[i:end],
                field="namespace",
                meaning=f"namespace {sio.namespace} (the comma ends its name)",
            )
        )
        i = end
    else:
        parts.append(
            PacketPart(text="", field="namespace", meaning="none written: the main namespace /")
        )
    if sio.id is not None:
        j = i
        while j < len(text) and text[j].isascii() and text[j].isdigit():
            j += 1
        digits = text[i:j]
        meaning = (
            f"{sio.id}: the sender wants an answer, an ACK with this id"
            if sio.type in (codec.EVENT, codec.BINARY_EVENT)
            else f"{sio.id}: this answers the event that carried this id"
        )
        parts.append(PacketPart(text=digits, field="ack id", meaning=meaning))
        i = j
    rest = text[i:]
    if rest:
        parts.append(PacketPart(text=rest, field="payload", meaning=_payload_meaning(sio)))
    return parts


def _payload_meaning(sio: SioPacket) -> str:
    if sio.type in (codec.EVENT, codec.BINARY_EVENT):
        n = len(sio.args)
        rest = "no arguments" if n == 0 else f"then {n} argument{'s' if n != 1 else ''}"
        return f'JSON array: event name "{sio.event}", {rest}'
    if sio.type in (codec.ACK, codec.BINARY_ACK):
        n = len(sio.args)
        return f"JSON array: {n} value{'s' if n != 1 else ''} handed to the sender's callback"
    if sio.type == codec.CONNECT:
        if isinstance(sio.data, dict) and "sid" in sio.data:
            return "the socket id the server gave this connection to the namespace"
        return "auth data for the server's connect handler (a token, say)"
    if sio.type == codec.CONNECT_ERROR:
        return "why the server refused"
    return "payload"


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


def _sio_details(sio: SioPacket) -> tuple[str, ...]:
    out: list[str] = []
    ns_js = "" if sio.namespace == "/" else f'io("{sio.namespace}") -> '
    ns_py = "" if sio.namespace == "/" else f', namespace="{sio.namespace}"'
    if sio.type in (codec.EVENT, codec.BINARY_EVENT):
        for n, arg in enumerate(sio.args, start=1):
            out.append(f"argument {n}: {_short(arg, 60)} ({_json_kind(arg)})")
        js_args = _js_args(sio.args)
        js_sep = ", " if js_args else ""
        if sio.id is not None:
            out.append(
                f'JavaScript: {ns_js}socket.emit("{sio.event}"{js_sep}{js_args}, (answer) => ...)'
            )
            py_args = _py_data(sio.args)
            out.append(f'Python:     sio.emit("{sio.event}"{py_args}{ns_py}, callback=on_answer)')
            reply = SioPacket(codec.ACK, sio.namespace, sio.args, sio.id).encode()
            head = reply[: len(reply) - len(_compact(sio.args))]
            out.append(
                f"The receiver must answer with an ACK with id {sio.id}: 4{head}[...], the "
                f"array holding what its handler returns (an echo: 4{reply})"
            )
        else:
            out.append(f'JavaScript: {ns_js}socket.emit("{sio.event}"{js_sep}{js_args})')
            out.append(f'Python:     sio.emit("{sio.event}"{_py_data(sio.args)}{ns_py})')
            out.append(
                f'The receiver runs its handler for "{sio.event}": socket.on("{sio.event}", ...)'
            )
    elif sio.type in (codec.ACK, codec.BINARY_ACK):
        out.append(
            f"The sender of the event with id {sio.id} gets these values in its callback; "
            "in Python the handler's return value becomes this array."
        )
    elif sio.type == codec.CONNECT:
        if isinstance(sio.data, dict) and "sid" in sio.data:
            out.append("Sent by the server: the join worked; socket.id is this sid.")
        else:
            where = "" if sio.namespace == "/" else repr(sio.namespace)
            out.append(
                f"Sent by the client first, for each namespace: io({where}); "
                "the server answers CONNECT with a sid, or CONNECT_ERROR."
            )
    elif sio.type == codec.CONNECT_ERROR:
        out.append("The client's connect_error handler runs; the namespace stays closed.")
    elif sio.type == codec.DISCONNECT:
        out.append(
            'Either side may send it (Socket.IO protocol, "Disconnection from a namespace"). '
            "From a client (socket.disconnect() in JS, sio.disconnect() in Python): the server's "
            "disconnect handler runs with reason 'client namespace disconnect'. From the server "
            "(socket.disconnect() in JS, sio.disconnect(sid) in Python): the client's handler "
            "gets 'io server disconnect', and it does not reconnect by itself."
        )
    if sio.attachments:
        nums = codec.placeholders(sio.data)
        out.append(
            f"{sio.attachments} binary attachment(s) follow as the next Engine.IO message(s): "
            "a binary WebSocket frame each, or b+base64 over polling; "
            f"placeholders found for num {', '.join(map(str, nums)) or 'none'}."
        )
    return tuple(out)


def _sio_warnings(sio: SioPacket) -> tuple[str, ...]:
    out = []
    if sio.attachments:
        nums = sorted(codec.placeholders(sio.data))
        if nums != list(range(sio.attachments)):
            out.append(
                f"it announces {sio.attachments} attachment(s) but its placeholders are "
                f"num {nums}: they should be 0..{sio.attachments - 1}"
            )
    lone = _SURROGATE.search(_compact(sio.data)) if sio.data is not None else None
    if lone:
        out.append(
            f"a string holds a lone surrogate, \\u{ord(lone.group()):04x}: JSON allows the "
            "escape, but it is half of a UTF-16 pair, not a character, so it cannot be sent "
            "as UTF-8; peers may replace it with U+FFFD or refuse the packet"
        )
    if sio.type == codec.CONNECT_ERROR and isinstance(sio.data, str):
        out.append(
            'the v5 specification gives an object like {"message": ...}; a bare string is '
            "the older form, still accepted by the reference parser"
        )
    return tuple(out)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict) and value.get("_placeholder") is True:
        return f"placeholder for binary attachment {value.get('num')}"
    return "object"


def _hex(data: bytes, limit: int = 16) -> str:
    shown = " ".join(f"{b:02x}" for b in data[:limit])
    return shown + (" …" if len(data) > limit else "")
