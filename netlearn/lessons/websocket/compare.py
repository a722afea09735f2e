"""Two tables of the WebSocket lesson: WebSocket beside polling, long-polling and server-sent
events, and the close status codes. Their words are in lessons/websocket/scenes.toml."""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.content.words import items, say
from netlearn.env import Env
from netlearn.events import Event, Note, Table
from netlearn.lessons.websocket.frames import close_codes as codes


def compare(env: Env) -> Iterator[Event]:
    """WebSocket beside polling, long-polling and server-sent events."""
    yield Table(
        title=say("websocket.scenes.compare.title"),
        columns=tuple(items("websocket.scenes.compare.columns")),
        rows=(
            tuple(items("websocket.scenes.compare.polling")),
            tuple(items("websocket.scenes.compare.long-polling")),
            tuple(items("websocket.scenes.compare.server-sent-events")),
            tuple(items("websocket.scenes.compare.websocket")),
        ),
        caption=say("websocket.scenes.compare.caption"),
    )
    yield Note(text=say("websocket.scenes.compare.choose"), tone="tip")


def close_codes(env: Env) -> Iterator[Event]:
    """The close status codes of RFC 6455 section 7.4.1."""
    wire = {1005, 1006, 1015}
    local_only = say("websocket.scenes.close-codes.local-only")
    sent = say("websocket.scenes.close-codes.sent")
    yield Table(
        title=say("websocket.scenes.close-codes.title"),
        columns=tuple(items("websocket.scenes.close-codes.columns")),
        rows=tuple(
            (str(code), name.split(" (")[0], local_only if code in wire else sent)
            for code, name in codes().items()
            if code <= 1011 or code == 1015
        ),
        caption=say("websocket.scenes.close-codes.caption"),
    )
