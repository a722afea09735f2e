"""The log of a stage: what netlearn did and saw, per actor (drawn by `netlearn.labs.report`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

# What the report keeps of one log entry's bytes.
KEEP_BYTES = 4096


@dataclass
class LogEntry:
    """One line of the log: kind is "note", "sent" or "received"."""

    kind: str
    actor: str
    text: str = ""
    data: bytes = b""  # the first KEEP_BYTES bytes
    length: int = 0  # how many bytes in all


class Log:
    """What netlearn did and saw, per actor. Rendered as NOTE lines and hex/text byte dumps.

    Consecutive chunks the same actor sent (or received) are merged into one entry; each entry
    keeps at most KEEP_BYTES bytes (and the total count), so a 1 MiB exchange costs little.
    """

    def __init__(self) -> None:
        self.entries: list[LogEntry] = []
        self._lock = threading.Lock()

    def note(self, actor: str, text: str) -> None:
        with self._lock:
            self.entries.append(LogEntry("note", actor, text=text))

    def sent(self, actor: str, data: bytes) -> None:
        self._bytes("sent", actor, data)

    def received(self, actor: str, data: bytes) -> None:
        self._bytes("received", actor, data)

    def _bytes(self, kind: str, actor: str, data: bytes) -> None:
        if not data:
            return
        with self._lock:
            last = self.entries[-1] if self.entries else None
            if last is not None and last.kind == kind and last.actor == actor:
                room = KEEP_BYTES - len(last.data)
                if room > 0:
                    last.data += data[:room]
                last.length += len(data)
                return
            self.entries.append(
                LogEntry(kind, actor, data=bytes(data[:KEEP_BYTES]), length=len(data))
            )
