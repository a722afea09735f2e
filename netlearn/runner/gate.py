"""Stepping a live demo on a terminal: wait for Enter before each part after the first.

Shared by the guided demos (WebSocket, Socket.IO). The demo's producer yields a `Progress`
event as each part begins; this gate holds that part back until the learner presses Enter.
q or Esc stop the demo (the producer is closed, so its sockets are); Ctrl-C interrupts it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing

from netlearn.env import Env
from netlearn.events import Event, Progress


def stepped(
    events: Iterator[Event], env: Env, noun: str = "step", stopped: str = "Stopped."
) -> Iterator[Event]:
    """Pass `events` through, pausing for a key before each new part."""
    from netlearn.runner.keys import raw_keys
    from netlearn.runner.stepper import Key, key_of

    console = env.console()
    # Ctrl-C stays a signal: it must stop the demo at once, even while a step is drawing.
    with closing(events), raw_keys(env.stdin, signals=True) as keys:  # type: ignore[type-var]
        for event in events:
            if isinstance(event, Progress) and event.index > 0:
                console.print(
                    f"[dim]Enter: {noun} {event.index + 1} of {event.total} ({event.title}) · "
                    "q: stop[/]"
                )
                while True:
                    raw = next(keys, "q")
                    if raw == "\x03":
                        raise KeyboardInterrupt
                    key = key_of(raw)
                    if key in (Key.NEXT, Key.QUIT):
                        break
                if key is Key.QUIT:
                    console.print(f"[dim]{stopped}[/]")
                    return
            yield event
