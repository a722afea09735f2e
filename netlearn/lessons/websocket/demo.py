"""The guided demo: a wsproto server and a client over real sockets on 127.0.0.1, step by step.

`run` plays every stage in order (`netlearn websocket`), `scene` one part of it for a lesson step,
on a connection of its own. The live pair is `demo_rig.Demo`; the stages are in `demo_open`,
`demo_frames` and `demo_failures`; their words in `lessons/websocket/demo.toml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Progress, Title
from netlearn.lessons.websocket import demo_failures, demo_frames, demo_open
from netlearn.lessons.websocket.demo_rig import ENDPOINT, MAX_MESSAGE, Demo

__all__ = ["ENDPOINT", "MAX_MESSAGE", "PARTS", "STAGES", "Demo", "run", "scene"]

# ---------------------------------------------------------------- the stages, in order

Stage = Callable[[Demo], Iterator[Event]]


def _stage(name: str) -> Stage:
    """A stage function by name, from the module that holds it."""
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
