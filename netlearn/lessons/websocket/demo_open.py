"""The demo's opening stages: the TCP connection underneath, the upgrade request, the 101.

Each stage is a function of the `Demo` (netlearn.lessons.websocket.demo) yielding events; its
words are under `websocket.demo.*` (lessons/websocket/demo.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.events import Event, Note
from netlearn.lessons.websocket.compare import compare
from netlearn.lessons.websocket.demo_rig import handshake
from netlearn.lessons.websocket.events import SocketCall
from netlearn.lessons.websocket.handshake import http_event

if TYPE_CHECKING:
    from netlearn.lessons.websocket.demo_rig import Demo


def stage_connect(demo: Demo) -> Iterator[Event]:
    port = demo.rig.listen()
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.tcp-underneath"))
    yield SocketCall(
        t=demo.t(),
        side="server",
        call=say("websocket.demo.sockets.listen-call"),
        result=say("websocket.demo.sockets.listen-result", port=port),
        meaning=say("websocket.demo.sockets.listen-meaning", port=port),
    )
    demo.start_capture()
    wire = demo.rig.connect()
    demo.wire = wire
    cport = wire.client_addr[1]
    yield SocketCall(
        t=demo.t(),
        side="client",
        call=say("websocket.demo.sockets.connect-call", port=port),
        result=say("websocket.demo.sockets.connect-result", port=cport),
        meaning=say("websocket.demo.sockets.connect-meaning"),
    )
    yield SocketCall(
        t=demo.t(),
        side="server",
        call="accept()",
        result=say("websocket.demo.sockets.accept-result", port=cport),
        meaning=say("websocket.demo.sockets.accept-meaning"),
    )
    if demo.capture is not None:
        yield Note(text=say("websocket.demo.notes.captured-open"))
        yield from demo.segments(lambda s: getattr(s, "flags", "") == "A")
        yield Note(text=say("websocket.demo.notes.three-way"))
    else:
        reason = demo.capture_reason.rstrip(".")
        yield Note(text=say("websocket.demo.notes.no-capture", reason=reason), tone="tip")


def quiet_connect(demo: Demo) -> Iterator[Event]:
    """The TCP connection, made without showing it (a lesson step showed it already)."""
    for _ in stage_connect(demo):
        pass
    demo.skip_segments()
    return iter(())


def stage_upgrade(demo: Demo) -> Iterator[Event]:
    assert demo.wire is not None
    yield from handshake(demo, demo.wire)


def stage_switch(demo: Demo) -> Iterator[Event]:
    data, accept = demo.pending_response
    label = say("websocket.demo.labels.switch")
    yield http_event(data, "server", "client", label, demo.t())
    yield Note(text=say("websocket.demo.notes.client-checks", accept=accept))
    if demo.narrate:  # a lesson's text says it
        yield Note(text=say("websocket.demo.notes.no-more-http"), tone="tip")


def stage_compare(demo: Demo) -> Iterator[Event]:
    yield from compare(demo.env)
