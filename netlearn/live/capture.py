"""The small, stable API other lessons use to show "the TCP connection underneath".

    ok, why = can_capture()
    if ok:
        with LiveCapture(port) as cap:
            ... connect to port, talk, close ...
            cap.wait_for(lambda s: "F" in s.flags and s.src == "server", timeout=2)
        for segment in cap.segments():   # netlearn.events.Segment, each exactly once
            ...

Segments name their sides "client" (who sent the first SYN) and "server", carry sequence
numbers relative to each side's ISN, the options read from the packet, and `t` in seconds since
the first captured packet: the same events the simulator makes, drawn by the same ladder.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Event, Segment
from netlearn.live.capture_pump import PacketPump
from netlearn.live.sniffer import can_open, is_loopback
from netlearn.packets.headers import TcpPacket
from netlearn.packets.tracker import Tracker

MAX_KEPT = 100_000


def can_capture(iface: str = "lo") -> tuple[bool, str]:
    """(True, "...") when this process may capture on `iface`; else (False, what to do).

    When a private network namespace was refused too, the reason says so, with its fix."""
    from netlearn import netns

    ok, why = can_open(iface)
    refused = netns.last_refusal()
    if not ok and refused and "CAP_NET_RAW" in why:
        why = say("core.capture.privilege.and-refused", refused=refused)
    return ok, why


def needs_private_net(iface: str = "lo") -> bool:
    """True when a demo on `iface` should run in a private network namespace: this process may
    not capture here (no CAP_NET_RAW), and the demo only needs a loopback."""
    from netlearn import netns

    if sys.platform != "linux" or netns.has_net_raw():
        return False
    try:
        return is_loopback(iface)
    except NetlearnError:
        return False


def run_private(factory: Callable[[], Iterator[Any]]) -> Any:
    """`factory()`'s events produced in a private network namespace (a `netns.PrivateNet`), or
    None when the kernel refuses one (`can_capture` then says why, and the fix)."""
    from netlearn import netns

    try:
        return netns.in_private_net(factory)
    except netns.NamespaceUnavailable:
        return None


class LiveCapture:
    """Capture TCP port `port` on `iface` while the `with` block runs.

    `__enter__` opens the packet socket before returning (so a connection made right after is
    seen from its first SYN) and raises NetlearnError without the privilege to capture.
    `__exit__` reads what the kernel already holds, stops the thread and closes the socket.
    """

    def __init__(self, port: int, iface: str = "lo") -> None:
        if not 0 < port < 65536:
            raise NetlearnError(say("core.capture.interface.bad-port", port=port))
        self.port = port
        self.iface = iface
        self.tracker = Tracker(server_port=port, keep=1000)
        self.tracker.max_active = 10_000
        self._segments: deque[Segment] = deque(maxlen=MAX_KEPT)
        self._events: deque[Event] = deque(maxlen=MAX_KEPT)
        self._cond = threading.Condition()
        self._seg_total = 0
        self._pump = PacketPump(port, iface, on_packet=self._on_packet)

    @property
    def notice(self) -> str:
        """How the filter runs (in the kernel, or in Python when libpcap is missing)."""
        return self._pump.notice

    @property
    def kernel_filter(self) -> bool:
        return self._pump.kernel_filter

    @property
    def count(self) -> int:
        """Segments captured (exact, even when older ones left the stored window)."""
        return self.tracker.total_packets

    def _on_packet(self, pkt: TcpPacket) -> None:
        obs = self.tracker.feed(pkt)
        events = list(self.tracker.events(obs))
        with self._cond:
            for event in events:
                self._events.append(event)
                if isinstance(event, Segment):
                    self._segments.append(event)
                    self._seg_total += 1
            self._cond.notify_all()

    def __enter__(self) -> LiveCapture:
        self._pump.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._pump.stop()

    def segments(self) -> list[Segment]:
        """The segments captured so far, in arrival order, each once."""
        with self._cond:
            return list(self._segments)

    def events(self) -> list[Event]:
        """Segments and the RFC 9293 state changes they caused, in order."""
        with self._cond:
            return list(self._events)

    def wait_for(self, predicate: Callable[[Segment], bool], timeout: float) -> bool:
        """Wait (at most `timeout` seconds) until a captured segment satisfies `predicate`."""
        checked = 0  # segments already tried: each is tested once

        def found() -> bool:
            nonlocal checked
            new = min(self._seg_total - checked, len(self._segments))
            checked = self._seg_total
            return new > 0 and any(
                predicate(s) for s in list(self._segments)[len(self._segments) - new :]
            )

        with self._cond:
            return self._cond.wait_for(found, timeout=timeout)
