"""Which events of a live demo are bookkeeping, and the one line they fold into.

Socket.IO keeps a connection alive with heartbeats (Engine.IO ping, pong, noop) and, on the
long-polling transport, with a stream of GET and POST requests and their `200 OK`s. They are
real and worth seeing once, but twelve lines per heartbeat drown the packets a part is about.
The live screen shows them as one updating line (`Folder.line()`), expandable with a key.

Decided from the events' kinds and fields alone (the producers are not changed):

- heartbeat: a `sio-packet` whose Engine.IO type is ping, pong or noop, except during a part
  whose title names the heartbeat (there it is the subject);
- long-poll: a `sio-http` line of an open polling session (a GET or POST with `sid=`), and the
  `200 OK` that answers a long-poll GET or a POST. A request whose answer is not bookkeeping
  (a `400 Bad Request`) is shown again just before that answer, so the answer never stands
  alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from netlearn.events import Event, Progress

HEARTBEAT_TYPES = ("ping", "pong", "noop")
NARRATION_KINDS = frozenset(
    {"title", "note", "table", "progress", "sio-code", "sio-checklist", "sio-check", "sio-delivery"}
)


def is_narration(event: Event) -> bool:
    """Prose, tables and checklists go beside the wire; packets, frames and segments on it."""
    return event.kind in NARRATION_KINDS


def bookkeeping(event: Event, part_title: str = "") -> str:
    """ "heartbeat", "long-poll", or "" when the event is part of the story."""
    kind = event.kind
    if kind == "sio-packet":
        if getattr(event, "eio", "") in HEARTBEAT_TYPES and "heartbeat" not in part_title.lower():
            return "heartbeat"
        return ""
    if kind == "sio-http":
        line = str(getattr(event, "line", ""))
        note = str(getattr(event, "note", ""))
        if line.startswith(("GET ", "POST ")) and "transport=polling" in line and "sid=" in line:
            return "long-poll"
        if line.startswith("200") and note.startswith(
            ("answers the long-poll", "answers the POST")
        ):
            return "long-poll"
    return ""


@dataclass
class Folder:
    """Counts what was folded; says it in one line; gives back what must not be lost."""

    part_title: str = ""
    heartbeats: int = 0
    polls: int = 0
    last: str = ""
    _held: dict[tuple[str, int], Event] = field(default_factory=dict)

    def take(self, event: Event) -> list[Event]:
        """The events to draw now for `event` ([] when it is folded into the line)."""
        if isinstance(event, Progress):
            self.part_title = event.title
        what = bookkeeping(event, self.part_title)
        key = (event.actor, int(getattr(event, "conn", 0) or 0))
        if what:
            if what == "heartbeat":
                self.heartbeats += 1
            else:
                self.polls += 1
                if str(getattr(event, "direction", "")) == "up":
                    self._held[key] = event
                else:
                    self._held.pop(key, None)
            self.last = _short(event)
            return []
        held = self._held.pop(key, None) if event.kind == "sio-http" else None
        return [held, event] if held is not None else [event]

    def line(self, expanded: bool) -> str:
        """The folded line ("" while nothing has been folded)."""
        if not self.heartbeats and not self.polls:
            return ""
        parts = []
        if self.heartbeats:
            parts.append(f"{self.heartbeats} heartbeat{'s' * (self.heartbeats != 1)}")
        if self.polls:
            parts.append(f"{self.polls} long-poll line{'s' * (self.polls != 1)}")
        key = "e: fold" if expanded else "e: show"
        shown = "shown" if expanded else "folded"
        return f"{' + '.join(parts)} {shown} ({key}) · last: {self.last}"


def _short(event: Event) -> str:
    arrow = "→" if getattr(event, "direction", "") == "up" else "←"
    peer = getattr(event, "peer", "server")
    if event.kind == "sio-packet":
        what = f"{getattr(event, 'eio', '')} ({getattr(event, 'transport', '')})"
    else:
        what = str(getattr(event, "line", "")).split("?")[0]
    return f"{event.t:.2f}s {event.actor} {arrow} {peer} {what}"
