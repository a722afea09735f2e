"""The WebSocket lesson's scenes, as registered in `netlearn.scenes.SCENES`."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.lessons.websocket.compare import close_codes, compare
from netlearn.lessons.websocket.events import AcceptProof
from netlearn.lessons.websocket.handshake import (
    GUID,
    RFC_EXAMPLE_ACCEPT,
    RFC_EXAMPLE_KEY,
    accept_stages,
    key_is_valid,
)

__all__ = ["accept", "close_codes", "compare", "frame", "live"]

# The parts that show the TCP segments underneath, captured live.
CAPTURED_PARTS = ("connect",)  # the others make their connection quietly, uncaptured


def live(env: Env, part: str = "upgrade") -> Iterator[Event]:
    """One part of the live demo (see `netlearn.lessons.websocket.demo.PARTS`).

    Without the privilege to capture, a part that shows captured segments runs in a private
    network namespace of its own, where capturing needs none."""
    from netlearn.lessons.websocket.demo import scene

    events = scene(env, part)
    if part in CAPTURED_PARTS:
        from netlearn.live.capture import needs_private_net, run_private

        if needs_private_net("lo"):
            from netlearn.netns import with_notice

            # The captured segments are core events, drawn here by the core's TCP drawing.
            private = run_private(lambda: events)
            if private is not None:
                events.close()  # never started here: the child runs its own copy
                return with_notice(private, after_title=False)
    return events


def accept(env: Env, key: str = RFC_EXAMPLE_KEY) -> Iterator[Event]:
    """Sec-WebSocket-Accept computed from a key, stage by stage (RFC 6455 section 1.3)."""
    if not key_is_valid(key):
        raise NetlearnError(say("websocket.scenes.accept.bad-key", key=repr(key)))
    stages = accept_stages(key)
    yield AcceptProof(
        key=key,
        guid=GUID,
        joined=stages.joined,
        digest=stages.digest,
        accept=stages.accept,
        key_bytes=base64.b64decode(key),
    )
    if key == RFC_EXAMPLE_KEY:
        if stages.accept == RFC_EXAMPLE_ACCEPT:
            same = say("websocket.scenes.accept.same")
        else:
            same = say("websocket.scenes.accept.not-same")
        text = say("websocket.scenes.accept.rfc-example", accept=RFC_EXAMPLE_ACCEPT, same=same)
        yield Note(text=text, tone="rfc")


def frame(env: Env, hex: str = "", example: str = "masked") -> Iterator[Event]:
    """A frame explained field by field (hex without spaces, or an RFC 6455 section 5.7 example)."""
    from netlearn.lessons.websocket.explain import explain

    return explain(env, hex, "" if hex else example)
