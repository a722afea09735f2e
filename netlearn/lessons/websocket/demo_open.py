"""The demo's opening stages: the TCP connection underneath, the upgrade request, the 101.

Each stage is a function of the `Demo` (netlearn.lessons.websocket.demo) yielding events; its
words are under `websocket.demo.*` (lessons/websocket/demo.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.lessons.websocket.events import AcceptProof, SocketCall
from netlearn.lessons.websocket.handshake import GUID, accept_stages, http_event, new_key
from netlearn.lessons.websocket.protocol import (
    ClientConnection,
    RequestIn,
    ResponseIn,
    ServerConnection,
)

if TYPE_CHECKING:
    from netlearn.lessons.websocket.demo import Demo
    from netlearn.lessons.websocket.live import WsWire


def handshake(demo: Demo, wire: WsWire, quiet: bool = False) -> Iterator[Event]:
    """The opening handshake on `wire` (used quietly before the later stages)."""
    from netlearn.lessons.websocket.demo import ENDPOINT, MAX_MESSAGE, first

    nonce, key = new_key(demo.env.rng)
    demo.key = key
    wire.cproto = ClientConnection(demo.host(), ENDPOINT, key=key, max_message=MAX_MESSAGE)
    wire.sproto = ServerConnection(endpoints=(ENDPOINT,), max_message=MAX_MESSAGE)
    request = wire.cproto.request()
    got = demo.deliver(wire, "client", request)
    req = first(got, RequestIn)
    if req is None or req.upgrade is None:
        raise NetlearnError(say("websocket.demo.errors.handshake-refused"))
    if not quiet:
        yield Note(text=say("websocket.demo.notes.nonce", nonce=nonce.hex(" "), key=key))
        label = say("websocket.demo.labels.request")
        yield http_event(got.data, "client", "server", label, demo.t())
        yield from demo.segments(lambda s: getattr(s, "payload_len", 0) > 0)
        yield Note(text=say("websocket.demo.notes.server-checks"))
    response, early = wire.sproto.accept()
    got = demo.deliver(wire, "server", response)
    resp = first(got, ResponseIn)
    if resp is None or not resp.accepted:
        raise NetlearnError(say("websocket.demo.errors.response-refused"))
    if not quiet:
        stages = accept_stages(key)
        if demo.narrate:  # a lesson's next step explains the proof
            yield Note(text=say("websocket.demo.notes.proof-intro"))
        yield AcceptProof(
            t=demo.t(),
            key=key,
            guid=GUID,
            joined=stages.joined,
            digest=stages.digest,
            accept=stages.accept,
            key_bytes=nonce,
        )
        if demo.narrate:
            yield Note(text=say("websocket.demo.notes.proof-why"))
        demo.pending_response = (got.data, stages.accept)
    else:
        demo.skip_segments()
    assert not early  # the client sends nothing before it has read the 101


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
    from netlearn.lessons.websocket.scenes import compare

    yield from compare(demo.env)
