"""The demo's failure stages: broken handshakes and broken frames, live, each on a fresh connection.

The broken bytes are built by hand (wsproto, like any correct library, refuses to send them);
the server's machine refuses or fails the connection, and the events show what it answered.
Words under `websocket.demo.*` (lessons/websocket/demo.toml).
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

from wsproto.events import CloseConnection

from netlearn.content.words import say
from netlearn.events import Event, Note, Title
from netlearn.lessons.websocket.demo_rig import MAX_MESSAGE, first, handshake
from netlearn.lessons.websocket.frames import close_code_name, frame_event, parse_head
from netlearn.lessons.websocket.handshake import http_event
from netlearn.lessons.websocket.protocol import Failure, Received, RequestIn, standard_headers

if TYPE_CHECKING:
    from netlearn.lessons.websocket.demo_rig import Demo
    from netlearn.lessons.websocket.events import HttpMessage


def _plain(message: HttpMessage, keep: tuple[str, ...], start: bool) -> HttpMessage:
    """The message without the meanings of headers not in `keep` (the lesson explained them)."""
    headers = tuple(
        h if h.name.lower() in keep else dataclasses.replace(h, meaning="") for h in message.headers
    )
    if start:
        return dataclasses.replace(message, headers=headers, start_meaning="")
    return dataclasses.replace(message, headers=headers)


def bad_handshake(
    demo: Demo, headers: list[tuple[str, str]], label: str, keep: tuple[str, ...] = ()
) -> Iterator[Event]:

    wire = demo.fresh()
    assert wire.cproto is not None and wire.sproto is not None
    wire.cproto.headers = headers
    got = demo.deliver(wire, "client", wire.cproto.request())
    request = http_event(got.data, "client", "server", label, demo.t())
    if not demo.narrate:  # the lesson explained every header already: show what differs
        request = _plain(request, keep, start=True)
    yield request
    req = first(got, RequestIn)
    assert req is not None and req.refusal is not None
    answer = demo.deliver(wire, "server", wire.sproto.refuse(req.refusal))
    label = say("websocket.demo.labels.refuses")
    refusal = http_event(answer.data, "server", "client", label, demo.t())
    if not demo.narrate:
        refusal = _plain(refusal, keep, start=False)
    yield refusal
    wire.close("server")
    wire.close("client")


def bad_frame(demo: Demo, data: bytes, label: str, big: bool = False) -> Iterator[Event]:

    wire = demo.fresh()

    for _ in handshake(demo, wire, quiet=True):
        pass
    assert wire.sproto is not None
    wire.send("client", data)
    got = wire.pump("server")
    failure = first(got, Failure)
    item = first(got, Received)
    if item is not None:
        yield demo.frame(item, "client", "server", label)
    elif big:
        yield frame_event(
            data,
            src="client",
            dst="server",
            label=label,
            t=demo.t(),
            partial=True,
            explain=demo.narrate,
        )
        header = _header_len(data)
        payload = len(data) - header
        yield Note(text=say("websocket.demo.notes.header-only", header=header, payload=payload))
    assert failure is not None
    yield Note(
        text=say(
            "websocket.demo.notes.fails",
            code=failure.code,
            name=close_code_name(failure.code),
            reason=failure.reason,
            sections=_sections(failure.section),
        ),
        tone="warn",
    )
    wire.send("server", wire.sproto.fail(failure))
    wire.shutdown("server")
    got = wire.pump("client")
    reply = first(got, Received)
    if reply is not None:
        label = say("websocket.demo.labels.failed-close")
        yield demo.frame(reply, "server", "client", label, detail=demo.narrate)
        close = next((e for e in reply.events if isinstance(e, CloseConnection)), None)
        if close is not None and wire.cproto is not None:
            with contextlib.suppress(OSError):
                wire.send("client", wire.cproto.send(close.response()))
    wire.close("client")
    wire.read_to_eof("server", timeout=2.0)
    wire.close("server")
    if demo.failed_once:
        return
    demo.failed_once = True
    yield Note(text=say("websocket.demo.notes.after-failing"))


def stage_failures(demo: Demo) -> Iterator[Event]:
    yield from stage_handshake_failures(demo)
    yield from stage_frame_failures(demo)


def _intro(demo: Demo, what: str) -> Iterator[Event]:
    if demo.rig.listener is not None:
        return
    demo.rig.listen()
    yield Note(text=say("websocket.demo.notes.failures-intro", port=demo.rig.port, what=what))


def stage_handshake_failures(demo: Demo) -> Iterator[Event]:
    if demo.narrate:
        what = say("websocket.demo.notes.broken-both")
    else:
        what = say("websocket.demo.notes.broken-requests")
    yield from _intro(demo, what)
    key = base64.b64encode(demo.env.rng.randbytes(16)).decode()
    yield Title(text=say("websocket.demo.titles.no-upgrade"))
    headers = [h for h in standard_headers(demo.host(), key) if h[0] != "Upgrade"]
    yield from bad_handshake(demo, headers, say("websocket.demo.labels.no-upgrade"))
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.no-upgrade"), tone="warn")
    yield Title(text=say("websocket.demo.titles.version-8"))
    headers = standard_headers(demo.host(), key, version="8")
    yield from bad_handshake(
        demo,
        headers,
        say("websocket.demo.labels.version-8"),
        keep=("sec-websocket-version", "upgrade", "connection"),
    )
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.version-8"), tone="warn")


def stage_frame_failures(demo: Demo) -> Iterator[Event]:
    from netlearn.packets.websocket import ws_frame

    yield from _intro(demo, say("websocket.demo.notes.broken-frames"))
    yield Title(text=say("websocket.demo.titles.unmasked"))
    label = say("websocket.demo.labels.unmasked")
    yield from bad_frame(demo, bytes(ws_frame(b"Hello")), label)
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.unmasked"))
    yield Title(text=say("websocket.demo.titles.not-utf8"))
    key4 = demo.env.rng.randbytes(4)
    label = say("websocket.demo.labels.not-utf8")
    yield from bad_frame(demo, bytes(ws_frame(b"caf\xc3\x28", masking_key=key4)), label)
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.not-utf8"))
    else:  # the lesson's text gave the rule: say only why these bytes break it
        yield Note(text=say("websocket.demo.notes.not-utf8-bytes"))
    yield Title(text=say("websocket.demo.titles.too-big"))
    big = bytes(ws_frame(b"\x00" * (MAX_MESSAGE + 1), opcode=2, masking_key=key4))
    label = say("websocket.demo.labels.too-big", size=MAX_MESSAGE + 1)
    yield from bad_frame(demo, big, label, big=True)
    if not demo.narrate:  # the lesson's text says why the header is enough
        return
    yield Note(text=say("websocket.demo.notes.too-big", max=MAX_MESSAGE))


def _sections(text: str) -> str:
    return ("sections " if " and " in text else "section ") + text


def _header_len(frame: bytes) -> int:
    head = parse_head(frame)
    assert head is not None
    return head.header_len
