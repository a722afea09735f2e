"""Stepping a live demo on a terminal: wait for Enter before each part after the first.

Shared by the guided demos (WebSocket, Socket.IO). The demo's producer yields a `Progress`
event as each part begins; this gate holds that part back until the learner presses Enter.
q or Esc stop the demo (the producer is closed, so its sockets are); Ctrl-C interrupts it.

`Feeder` does the same for the full-screen view (`netlearn.app.live`): the producer runs in a
worker thread and each part waits for the screen to release it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
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


class Feeder:
    """Runs a live producer in a worker thread for a full-screen view; holds each part back.

    The producer's events go to `on_event` in order, from the worker thread (a Textual screen
    passes `post_message`, which is thread-safe). Before each part after the first (a `Progress`
    event with index > 0) the worker calls `on_wait(progress)` and waits for `release()`, unless
    `auto`. `stop()` makes the worker leave at the producer's next event; the worker then closes
    the generator itself (a generator can only be closed by the thread running it), which
    closes its servers and sockets. `on_done(error)` comes last, with the producer's exception
    or None.
    """

    def __init__(
        self,
        events: Iterator[Event],
        on_event: Callable[[Event], None],
        on_wait: Callable[[Progress], None],
        on_done: Callable[[BaseException | None], None],
        auto: bool = False,
    ) -> None:
        self.events = events
        self.on_event = on_event
        self.on_wait = on_wait
        self.on_done = on_done
        self.auto = auto
        self.error: BaseException | None = None
        self._go = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="netlearn-live", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def release(self) -> None:
        """Let the next part run (Enter)."""
        self._go.set()

    def stop(self) -> None:
        """Ask the worker to stop and close the producer (q, Ctrl-C, the screen going away)."""
        self._stop.set()
        self._go.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the worker; True once it has closed the producer."""
        if self._thread.ident is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        error: BaseException | None = None
        try:
            for event in self.events:
                if self._stop.is_set():
                    break
                if isinstance(event, Progress) and event.index > 0 and not self.auto:
                    self.on_wait(event)
                    self._go.wait()
                    self._go.clear()
                    if self._stop.is_set():
                        break
                self.on_event(event)
        except BaseException as exc:  # handed to the screen, raised again by the command
            error = exc
        finally:
            try:
                self.events.close()  # type: ignore[attr-defined]
            except BaseException as exc:
                error = error or exc
            self.error = error
            self.on_done(error)
