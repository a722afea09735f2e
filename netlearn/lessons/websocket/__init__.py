"""The WebSocket lesson: a live upgrade and live frames, a frame explainer, a server for browsers.

The lesson follows the floor plan every lesson shares (`protocol` sans-I/O around h11 and
wsproto, `events`, `render`, `live`, `demo`, `scenes`, `quiz`, `cli`; each module's docstring
says its one idea). `SPEC` declares its command, scenes and quiz generators (strings only:
importing this package stays cheap).
"""

from __future__ import annotations

import re

from netlearn.lessonspec import Arg, GeneratorSpec, LessonSpec, SceneSpec

# The choices below repeat names declared in the lesson's modules (without importing them, so
# the checker stays light); tests/test_content_broken.py checks that the lists agree.
WS_PARTS = (  # netlearn.lessons.websocket.demo.PARTS
    "connect",
    "upgrade",
    "text",
    "push",
    "binary",
    "fragments",
    "ping",
    "close",
    "failures",
    "handshake-failures",
    "frame-failures",
)
# netlearn.lessons.websocket.explain.RFC_EXAMPLES
WS_EXAMPLES = ("text", "masked", "fragmented", "ping", "pong", "binary256", "binary64k")


def _ws_key(value: str) -> bool:
    """A Sec-WebSocket-Key: base64 of 16 bytes."""
    import base64
    import binascii

    try:
        return len(base64.b64decode(value, validate=True)) == 16
    except (ValueError, binascii.Error):
        return False


def _hex_bytes(value: str) -> bool:
    """Hex as `netlearn.lessons.websocket.frames.parse_hex` takes it: digit pairs, 0x and
    separators allowed."""
    cleaned = re.sub(r"[\s,:;_\-\[\]{}()]+", "", re.sub(r"0[xX](?=[0-9a-fA-F])", "", value))
    return (
        bool(cleaned)
        and len(cleaned) % 2 == 0
        and re.fullmatch(r"[0-9a-fA-F]+", cleaned) is not None
    )


SPEC = LessonSpec(
    id="websocket",
    command=(
        "netlearn.lessons.websocket.cli:ws_app",
        "WebSocket, live: the upgrade and the frames byte by byte; a frame explainer; "
        "a server for your browser.",
    ),
    scenes={
        "live": SceneSpec(
            "netlearn.lessons.websocket.scenes:live",
            (Arg("part", WS_PARTS),),
            "a part of the live demo",
        ),
        "accept": SceneSpec(
            "netlearn.lessons.websocket.scenes:accept",
            (Arg("key", test=_ws_key, about="a Sec-WebSocket-Key (base64 of 16 bytes)"),),
            "the accept proof",
        ),
        "frame": SceneSpec(
            "netlearn.lessons.websocket.scenes:frame",
            (
                Arg("hex", test=_hex_bytes, about="hex bytes such as 81054865"),
                Arg("example", WS_EXAMPLES),
            ),
            "a frame",
        ),
        "compare": SceneSpec(
            "netlearn.lessons.websocket.scenes:compare", (), "WebSocket vs polling, SSE"
        ),
        "close-codes": SceneSpec(
            "netlearn.lessons.websocket.scenes:close_codes", (), "close codes"
        ),
    },
    # "ws." names: quiz banks and learners' progress store them.
    generators={
        "ws.accept": GeneratorSpec(
            "netlearn.lessons.websocket.quiz:accept",
            "generated",
            (),
            "the Sec-WebSocket-Accept for a Sec-WebSocket-Key",
        ),
        "ws.frame": GeneratorSpec(
            "netlearn.lessons.websocket.quiz:frame",
            "generated",
            (),
            "the opcode and payload length of a frame's header bytes",
        ),
    },
)
