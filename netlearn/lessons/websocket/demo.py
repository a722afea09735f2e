"""The guided demo: a wsproto server and a client over real sockets on 127.0.0.1, step by step.

Both ends live in one process and one thread (this one, or a child in a private network
namespace when this one may not capture: `netlearn.netns`). The client writes its upgrade
request with h11 (so that its Sec-WebSocket-Key comes from `env.rng`); the server hands the
request to wsproto, which checks it and writes the 101 response; from then on both ends speak
frames through wsproto.
Each stage is a generator of events; the network work of a stage happens only when its events
are pulled, so on a terminal the learner's key press really is what sends the next bytes.
Every frame and HTTP message shown is the bytes `recv()` returned on the receiving end.

This module holds the shared plumbing (`Demo`) and the two entry points (`run`, `scene`); the
stages are in `demo_open` (TCP, upgrade, 101), `demo_frames` (frames, ping, close) and
`demo_failures`; their words in `lessons/websocket/demo.toml`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Progress, Title
from netlearn.lessons.websocket.events import WsFrame
from netlearn.lessons.websocket.frames import frame_event
from netlearn.lessons.websocket.handshake import new_key
from netlearn.lessons.websocket.live import LiveRig, Pumped, WsWire
from netlearn.lessons.websocket.protocol import ClientConnection, Received, ServerConnection

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
            from netlearn.lessons.websocket.demo_open import handshake

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


# ---------------------------------------------------------------- the stages, in order

Stage = Callable[[Demo], Iterator[Event]]


def _stage(name: str) -> Stage:
    """A stage function by name, from the module that holds it."""
    from netlearn.lessons.websocket import demo_failures, demo_frames, demo_open

    for module in (demo_open, demo_frames, demo_failures):
        fn = getattr(module, name, None)
        if fn is not None:
            return fn  # type: ignore[no-any-return]
    raise LookupError(name)


# (step id, stage function); a stage's title is websocket.demo.stages.<step id>
STAGES: tuple[tuple[str, str], ...] = (
    ("connect", "stage_connect"),
    ("upgrade", "stage_upgrade"),
    ("switch", "stage_switch"),
    ("text", "stage_text"),
    ("push", "stage_push"),
    ("binary", "stage_binary"),
    ("fragments", "stage_fragments"),
    ("ping", "stage_ping"),
    ("close", "stage_close"),
    ("failures", "stage_failures"),
    ("compare", "stage_compare"),
)


def stage_title(step_id: str) -> str:
    return say(f"websocket.demo.stages.{step_id}")


def run(env: Env) -> Iterator[Event]:
    """The whole guided demo: a Progress event before each stage, sockets closed at the end."""
    from netlearn import netns

    demo = Demo(env)
    try:
        if netns.inside():
            where = say("websocket.demo.run.where-netns")
        else:
            where = say("websocket.demo.run.where-here")
        yield Title(
            text=say("websocket.demo.run.title"),
            subtitle=say("websocket.demo.run.subtitle", where=where),
        )
        for index, (step_id, name) in enumerate(STAGES):
            yield Progress(
                t=demo.t(),
                lesson="websocket-demo",
                step_id=step_id,
                index=index,
                total=len(STAGES),
                title=stage_title(step_id),
            )
            yield from _stage(name)(demo)
    finally:
        demo.close()


PARTS = {
    "connect": ("stage_connect",),
    "upgrade": ("quiet_connect", "stage_upgrade", "stage_switch"),
    "text": ("stage_text",),
    "push": ("stage_push",),
    "binary": ("stage_binary",),
    "fragments": ("stage_fragments",),
    "ping": ("stage_ping",),
    "close": ("stage_close",),
    "failures": ("stage_failures",),
    "handshake-failures": ("stage_handshake_failures",),
    "frame-failures": ("stage_frame_failures",),
}


def scene(env: Env, part: str = "upgrade") -> Iterator[Event]:
    """One part of the demo for a lesson step, on its own live connection."""
    if part not in PARTS:
        raise NetlearnError(
            say("websocket.demo.run.unknown-part", part=part, parts=", ".join(PARTS))
        )
    demo = Demo(env, narrate=False)
    try:
        if part not in ("connect", "upgrade") and not part.endswith("failures"):
            port = demo.rig.listen()
            yield Note(text=say("websocket.demo.run.fresh-run", port=port))
        for name in PARTS[part]:
            yield from _stage(name)(demo)
        if demo.wire is not None:
            demo.wire.close("server")
            demo.wire.close("client")
    finally:
        demo.close()
