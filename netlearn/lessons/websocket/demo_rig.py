"""The guided demo's shared parts: the live pair (`Demo`), and the opening handshake every
stage needs on its connection.

Both ends live in one process and one thread (this one, or a child in a private network
namespace when this one may not capture: `netlearn.netns`). The client writes its upgrade
request with h11 (so that its Sec-WebSocket-Key comes from `env.rng`); the server hands the
request to wsproto, which checks it and writes the 101 response; from then on both ends speak
frames through wsproto.
Each stage is a generator of events; the network work of a stage happens only when its events
are pulled, so on a terminal the learner's key press really is what sends the next bytes.
Every frame and HTTP message shown is the bytes `recv()` returned on the receiving end.

The entry points (`run`, `scene`) are in `demo`; the stages in `demo_open` (TCP, upgrade, 101),
`demo_frames` (frames, ping, close) and `demo_failures`; their words in
`lessons/websocket/demo.toml`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.lessons.websocket.events import AcceptProof, WsFrame
from netlearn.lessons.websocket.frames import frame_event
from netlearn.lessons.websocket.handshake import GUID, accept_stages, http_event, new_key
from netlearn.lessons.websocket.live import LiveRig, Pumped, WsWire
from netlearn.lessons.websocket.protocol import (
    ClientConnection,
    Received,
    RequestIn,
    ResponseIn,
    ServerConnection,
)

ENDPOINT = "/chat"
MAX_MESSAGE = 64 * 1024  # the demo server's limit; the "too big" case sends one byte more
CAPTURE_WAIT = 2.0


class Demo:
    """The live pair and everything the stages share."""

    def __init__(self, env: Env, *, narrate: bool = True) -> None:
        # `narrate`: the standalone demo explains each header field and stage itself; inside a
        # lesson the lesson's text does, so the scenes stay short.
        self.env = env
        self.narrate = narrate
        self.rig = LiveRig()
        self.stack = contextlib.ExitStack()
        self.t0 = env.clock()
        self.capture: Any = None  # a netlearn.live.capture.LiveCapture, when allowed
        self.capture_reason = ""
        self.seen_segments = 0
        self.wire: WsWire | None = None
        self.key = ""
        self.pending_response: tuple[bytes, str] = (b"", "")  # the 101 as read, and its accept
        self.explained = not narrate
        # The payload so far of a fragmented message each side is receiving (its UTF-8 is
        # checked across fragments, RFC 6455 section 5.6).
        self.fragments: dict[str, bytes] = {}
        self.failed_once = False  # the failing-a-connection note is shown once

    def t(self) -> float:
        return round(self.env.clock() - self.t0, 6)

    def close(self) -> None:
        self.stack.close()
        self.rig.close()

    def host(self) -> str:
        return f"127.0.0.1:{self.rig.port}"

    # ------------------------------------------------------------ capture

    def start_capture(self) -> None:
        """Capture the demo's TCP segments when this process may (lazily; never required)."""
        try:
            from netlearn.live.capture import LiveCapture, can_capture
        except ImportError:
            self.capture_reason = say("websocket.demo.errors.no-capture-module")
            return
        try:
            ok, reason = can_capture("lo")
            if not ok:
                self.capture_reason = reason
                return
            self.capture = self.stack.enter_context(LiveCapture(self.rig.port, iface="lo"))
        except (NetlearnError, OSError) as exc:
            self.capture_reason = str(exc)
            self.capture = None

    def segments(
        self,
        until: Callable[[object], bool] | None = None,
        start: Callable[[object], bool] | None = None,
    ) -> Iterator[Event]:
        """The captured segments not shown yet (after waiting for `until`, if given), from the
        first one that satisfies `start` (if given) on."""
        cap = self.capture
        if cap is None:
            return
        if until is not None:
            cap.wait_for(until, timeout=CAPTURE_WAIT)
        new = cap.segments()[self.seen_segments :]
        self.seen_segments += len(new)
        if start is not None:
            first = next((i for i, s in enumerate(new) if start(s)), len(new))
            new = new[first:]
        yield from new

    def skip_segments(self) -> None:
        if self.capture is not None:
            self.seen_segments = len(self.capture.segments())

    # ------------------------------------------------------------ frames and wires

    def frame(
        self, item: Received, src: str, dst: str, label: str = "", detail: bool = True
    ) -> WsFrame:
        """The frame as `dst` read it; the first one drawn also explains every field."""
        explain = detail and not self.explained
        self.explained = self.explained or explain
        head = item.head
        prefix = self.fragments.get(dst) if head.opcode == 0 else None
        if head.opcode in (1, 2) and not head.fin:
            self.fragments[dst] = b""
        event = frame_event(
            item.raw,
            src=src,
            dst=dst,
            label=label,
            detail=detail,
            message=item.message,
            t=self.t(),
            explain=explain,
            prefix=prefix,
        )
        if dst in self.fragments and (head.opcode in (0, 1, 2)):
            if head.fin:
                del self.fragments[dst]
            else:
                self.fragments[dst] += event.payload
        return event

    def deliver(self, wire: WsWire, src: str, data: bytes) -> Pumped:
        """`src` sends `data`; the other end reads until its protocol object has something."""
        wire.send(src, data)
        dst = "server" if src == "client" else "client"
        return wire.pump(dst)

    def open_wire(self) -> WsWire:
        """The main connection, connected and upgraded (quietly, if an earlier stage did not)."""
        if self.wire is None:
            if self.rig.listener is None:
                self.rig.listen()
            self.wire = self.rig.connect()
            for _ in handshake(self, self.wire, quiet=True):
                pass
        return self.wire

    def fresh(self) -> WsWire:
        """A new connection with a new pair of machines (the failure cases)."""
        wire = self.rig.connect()
        _, key = new_key(self.env.rng)
        wire.cproto = ClientConnection(self.host(), ENDPOINT, key=key)
        wire.sproto = ServerConnection(endpoints=(ENDPOINT,), max_message=MAX_MESSAGE)
        return wire


def first(got: Pumped, kind: type) -> Any:
    """The first item of `kind` that a pump completed, or None."""
    return next((i for i in got.items if isinstance(i, kind)), None)


def handshake(demo: Demo, wire: WsWire, quiet: bool = False) -> Iterator[Event]:
    """The opening handshake on `wire` (used quietly before the later stages)."""
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
