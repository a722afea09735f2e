"""`netlearn capture --port N`: watch the connections to a port your own program uses.

Runs until Ctrl-C, `--count` segments or `--duration` seconds. Each segment is drawn in the
ladder as it arrives (unless `--quiet`), with a counter that updates in place on a terminal.
Memory stays bounded however long it runs: the counts are exact, but only a window of recent
connections is remembered for the summary, and packets go to `--write`'s file, not to memory.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from pathlib import Path

from netlearn.content.words import say
from netlearn.env import Env
from netlearn.events import Event, Note, Title
from netlearn.lessons.capture.events import CaptureCounter
from netlearn.lessons.capture.listing import connection_event
from netlearn.lessons.capture.story import Story, peers
from netlearn.live.capture_pump import PacketPump
from netlearn.packets.headers import TcpPacket
from netlearn.packets.tracker import Tracker

WINDOW = 1000  # ended connections remembered for the summary
BACKLOG = 2000  # segments waiting to be drawn; beyond that they are counted only
MAX_OPEN = 10_000  # connections followed at once; the oldest is dropped beyond that
SHOWN = 50  # of which the summary lists the most recent


class Watch:
    """A live capture of one port, as a producer of events plus a summary at the end."""

    def __init__(
        self,
        env: Env,
        port: int,
        *,
        iface: str = "lo",
        count: int | None = None,
        duration: float | None = None,
        write: Path | None = None,
        quiet: bool = False,
        use_libpcap: bool = True,
    ) -> None:
        self.env = env
        self.port = port
        self.iface = iface
        self.count = count
        self.duration = duration
        self.quiet = quiet
        self.pump = PacketPump(
            port, iface, write=write, use_libpcap=use_libpcap, limit=count, on_packet=self._seen
        )
        self.tracker = Tracker(server_port=port, keep=WINDOW)
        self.tracker.max_active = MAX_OPEN
        self.story = Story(self.tracker, explain=False)
        self.started = 0.0
        self.data_bytes = 0
        self.not_drawn = 0  # segments counted but not drawn: the screen fell behind
        self._drawing: queue.Queue[list[Event]] = queue.Queue(maxsize=BACKLOG)
        self._running = False
        if env.fmt == "rich" and env.is_tty:
            self.tick: float | None = 0.25
        elif env.fmt == "json":
            self.tick = 1.0
        else:
            self.tick = None

    def _seen(self, pkt: TcpPacket) -> None:
        """In the capture thread: count every segment, queue its drawing while there is room."""
        obs = self.tracker.feed(pkt)
        self.data_bytes += pkt.payload_len
        if self.quiet:
            return
        note = f"[{obs.conn.index}] " + self.story.short_note(obs)
        try:
            self._drawing.put_nowait(list(self.tracker.events(obs, note)))
        except queue.Full:
            self.not_drawn += 1

    def start(self) -> None:
        """Open the capture (CaptureDenied without privilege)."""
        self.pump.start()
        self._running = True
        self.started = self.env.clock()

    def stop(self) -> None:
        if self._running:
            self._running = False
            self.pump.stop()

    def counter(self, final: bool = False) -> CaptureCounter:
        t = self.tracker
        return CaptureCounter(
            t=round(self.env.clock() - self.started, 3),
            packets=t.total_packets,
            syns=t.total_syns,
            connections=t.total_conns,
            data_bytes=self.data_bytes,
            elapsed=round(self.env.clock() - self.started, 3),
            kernel_drops=self.pump.sniffer.update_drops() if final else 0,
            final=final,
        )

    def events(self) -> Iterator[Event]:
        if not self._running:
            self.start()
        limits = []
        if self.count is not None:
            limits.append(say("capture.watch.segments", n=self.count))
        if self.duration is not None:
            limits.append(say("capture.watch.seconds", n=self.duration))
        until = say("capture.watch.or").join(["Ctrl-C", *limits])
        yield Title(
            text=say("capture.watch.title", port=self.port, iface=self.iface),
            subtitle=say("capture.watch.subtitle", until=until),
        )
        yield Note(
            text=say("capture.watch.filter", notice=self.pump.notice),
            tone="warn" if not self.pump.kernel_filter else "explain",
        )
        yield from peers("", f"port {self.port}")
        deadline = self.started + self.duration if self.duration is not None else None
        next_tick = self.env.clock()
        out = self._drawing
        try:
            while True:
                now = self.env.clock()
                if deadline is not None and now >= deadline:
                    break
                if self.count is not None and self.tracker.total_packets >= self.count:
                    break  # all counted; what is queued is drawn below
                if self.tick is not None and now >= next_tick:
                    next_tick = now + self.tick
                    yield self.counter()
                wait = 0.1 if deadline is None else max(0.0, min(0.1, deadline - now))
                try:
                    events = out.get(timeout=wait)
                except queue.Empty:
                    continue
                yield from events
            self.stop()  # no new segment now; draw those already counted
            while True:
                try:
                    yield from out.get_nowait()
                except queue.Empty:
                    break
        finally:
            self.stop()

    def summary(self) -> Iterator[Event]:
        """The final counts and the most recent connections."""
        self.stop()
        yield self.counter(final=True)
        if self.not_drawn:
            yield Note(text=say("capture.watch.not-drawn", n=self.not_drawn), tone="warn")
        conns = self.tracker.connections()
        if not conns:
            yield Note(text=say("capture.watch.nothing", port=self.port))
            return
        shown = conns[-SHOWN:]
        if len(conns) > len(shown) or self.tracker.total_conns > len(conns):
            total = self.tracker.total_conns
            yield Note(text=say("capture.watch.recent", shown=len(shown), total=total))
        t0 = self.tracker.t0 or 0.0
        for conn in shown:
            yield connection_event(conn, t0)
        if self.pump.write_path is not None:
            yield Note(
                text=say("capture.watch.saved", n=self.pump.count, path=self.pump.write_path),
                tone="tip",
            )
