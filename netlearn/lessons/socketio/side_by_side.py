"""The lesson's side-by-side pictures, built from its words (lessons/socketio/words.toml).

The same server in JavaScript (Node.js, socket.io) beside python-socketio, the four ways to
emit, and WebSocket against Socket.IO, topic by topic.
"""

from __future__ import annotations

from netlearn.content.words import items, say
from netlearn.events import Table
from netlearn.lessons.socketio.events import CodePair

# The rows of the comparison table, in order (lessons/socketio/words.toml, [compare.rows]).
COMPARISON_ROWS = (
    "what-it-is",
    "runs-over",
    "a-message-is",
    "answers",
    "sending-to-many",
    "dead-peers",
    "reconnection",
    "many-servers",
    "talks-to",
)


def api_pair() -> CodePair:
    """The server code of this demo next to the same server in JavaScript (Node.js)."""
    return CodePair(
        title=say("socketio.code.api.title"),
        javascript=say("socketio.code.api.javascript"),
        python=say("socketio.code.api.python"),
        note=say("socketio.code.api.note"),
    )


def targets_pair() -> CodePair:
    """The four ways to emit, on the server, in both languages."""
    return CodePair(
        title=say("socketio.code.targets.title"),
        javascript=say("socketio.code.targets.javascript"),
        python=say("socketio.code.targets.python"),
        note=say("socketio.code.targets.note"),
    )


def comparison_rows() -> tuple[tuple[str, ...], ...]:
    """(topic, WebSocket, Socket.IO) for each row of the comparison."""
    return tuple(
        tuple(_unbrace(cell) for cell in items(f"socketio.compare.rows.{row}"))
        for row in COMPARISON_ROWS
    )


def comparison_table() -> Table:
    """WebSocket vs Socket.IO, topic by topic."""
    return Table(
        title=say("socketio.compare.title"),
        columns=tuple(items("socketio.compare.columns")),
        rows=comparison_rows(),
        caption=say("socketio.compare.caption"),
    )


def _unbrace(text: str) -> str:
    """A list's texts are not filled: undo the doubled braces the words file writes."""
    return text.replace("{{", "{").replace("}}", "}")
