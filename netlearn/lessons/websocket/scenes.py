"""The WebSocket lesson's scenes, as registered in `netlearn.scenes.SCENES`."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Table
from netlearn.lessons.websocket.events import AcceptProof
from netlearn.lessons.websocket.frames import CLOSE_CODES
from netlearn.lessons.websocket.handshake import (
    GUID,
    RFC_EXAMPLE_ACCEPT,
    RFC_EXAMPLE_KEY,
    accept_stages,
    key_is_valid,
)

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
        raise NetlearnError(f"{key!r} is not a Sec-WebSocket-Key (base64 of 16 bytes)")
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
        same = "the same" if stages.accept == RFC_EXAMPLE_ACCEPT else "NOT the same"
        yield Note(
            text=f"RFC 6455 section 1.3 works this very example and gets `{RFC_EXAMPLE_ACCEPT}`: "
            f"{same} value.",
            tone="rfc",
        )


def frame(env: Env, hex: str = "", example: str = "masked") -> Iterator[Event]:
    """A frame explained field by field (hex without spaces, or an RFC 6455 section 5.7 example)."""
    from netlearn.lessons.websocket.explain import explain

    return explain(env, hex, "" if hex else example)


def compare(env: Env) -> Iterator[Event]:
    """WebSocket beside polling, long-polling and server-sent events."""
    yield Table(
        title="Four ways to get news from a server to a web page",
        columns=("technique", "how it works", "who can send", "cost and delay", "choose it when"),
        rows=(
            (
                "polling",
                "the page asks every few seconds: a new HTTP request each time",
                "client asks, server answers",
                "a full request per check, mostly 'nothing new'; news waits up to one interval",
                "updates are rare and a delay is fine (a daily report)",
            ),
            (
                "long-polling",
                "the page asks; the server holds the request open until there is news, "
                "then the page asks again",
                "server answers when it has news",
                "one request per message; some delay to re-ask; a held request per client",
                "you need push but only plain HTTP gets through",
            ),
            (
                "server-sent events",
                "one HTTP response that never ends: the server writes events into it "
                "(text/event-stream, EventSource in the browser)",
                "server only; the client sends ordinary requests",
                "cheap, reconnects by itself, text only",
                "one-way feeds: notifications, live scores, logs",
            ),
            (
                "WebSocket",
                "one upgraded TCP connection, frames both ways at any time (RFC 6455)",
                "both sides, whenever they like",
                "2 to 14 bytes of header per message; a connection kept open per client",
                "two-way and low delay: chat, games, collaborative editing, live trading",
            ),
        ),
        caption="Server-sent events are defined in the WHATWG HTML standard; "
        "long-polling is described in RFC 6202.",
    )
    yield Note(
        text="Choose the simplest one that does the job. WebSockets cost a long-lived "
        "connection per client and give up HTTP's caching and simple load balancing; in "
        "return both sides can talk at once with almost no overhead. Libraries such as "
        "Socket.IO build rooms, acknowledgements and reconnection on top of a WebSocket (and "
        "fall back to long-polling when one cannot be opened).",
        tone="tip",
    )


def close_codes(env: Env) -> Iterator[Event]:
    """The close status codes of RFC 6455 section 7.4.1."""
    wire = {1005, 1006, 1015}
    yield Table(
        title="Close status codes (RFC 6455 section 7.4.1)",
        columns=("code", "meaning", "sent in a close frame?"),
        rows=tuple(
            (
                str(code),
                name.split(" (")[0],
                "never: reported locally only" if code in wire else "yes",
            )
            for code, name in CLOSE_CODES.items()
            if code <= 1011 or code == 1015
        ),
        caption="1012-1014 were registered later with IANA (RFC 6455 section 11.7); 3000-3999 are "
        "for libraries and frameworks, 4000-4999 for private use by applications (section 7.4.2).",
    )
