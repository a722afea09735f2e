"""A background thread that reads the packet socket and hands on parsed TCP segments.

Reading is kept apart from drawing: the socket is emptied as fast as frames come, whatever the
renderer is doing, so a burst is not lost while the screen animates. The thread stops within a
tenth of a second of `stop()`, after reading what the kernel already queued.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from pathlib import Path

from netlearn.errors import NetlearnError
from netlearn.live.sniffer import Sniffer
from netlearn.packets.headers import TcpPacket, parse
from netlearn.packets.pcapio import PcapWriter


class PacketPump:
    """Open a sniffer for `port` on `iface`; parsed segments go to `out` (a queue).

    Without a kernel filter (no libpcap), the port is checked here. With `write`, every kept
    frame is also appended to a pcap file as it arrives (so memory does not grow with it).
    """

    def __init__(
        self,
        port: int | None,
        iface: str = "lo",
        *,
        write: Path | None = None,
        use_libpcap: bool = True,
        on_packet: Callable[[TcpPacket], None] | None = None,
        limit: int | None = None,
    ) -> None:
        self.port = port
        self.limit = limit  # keep at most this many segments (`--count`), then ignore the rest
        self.sniffer = Sniffer(iface, port, use_libpcap=use_libpcap)
        self.out: queue.SimpleQueue[TcpPacket] = queue.SimpleQueue()
        self.on_packet = on_packet
        self.write_path = write
        self.writer: PcapWriter | None = None
        self.count = 0  # TCP segments kept (exact)
        self.filtered_here = 0  # frames dropped by the Python-side filter
        self.error: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def kernel_filter(self) -> bool:
        return self.sniffer.kernel_filter

    @property
    def notice(self) -> str:
        return self.sniffer.filter_note

    def start(self) -> PacketPump:
        """Open the socket now (raising CaptureDenied without privilege), then read in a thread."""
        self.sniffer.open()
        try:
            if self.write_path is not None:
                self.writer = PcapWriter(self.write_path, self.sniffer.linktype)
        except BaseException:
            self.sniffer.close()
            raise
        self._thread = threading.Thread(target=self._run, name="netlearn-capture", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        sniffer, port, linktype = self.sniffer, self.port, self.sniffer.linktype
        python_filter = not sniffer.kernel_filter
        number = 0
        try:
            while True:
                stopping = self._stop.is_set()
                frames = sniffer.read(0.0 if stopping else 0.05)
                for frame in frames:
                    pkt = parse(frame.data, linktype, frame.ts)
                    if pkt is None or (
                        python_filter and port is not None and port not in (pkt.sport, pkt.dport)
                    ):
                        self.filtered_here += 1
                        continue
                    if self.limit is not None and number >= self.limit:
                        continue
                    number += 1
                    pkt.number = number
                    self.count = number
                    if self.writer is not None:
                        self.writer.write(frame.ts, frame.data)
                    if self.on_packet is not None:
                        self.on_packet(pkt)
                    else:
                        self.out.put(pkt)
                if self.writer is not None and frames:
                    self.writer.flush()
                if stopping and not frames:
                    break
        except BaseException as exc:  # surfaced by stop() in the caller's thread
            self.error = exc

    def stop(self) -> None:
        """Read what is already queued, stop the thread, close the socket and the file."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.sniffer.close()
        if self.writer is not None:
            self.writer.close()
        if self.error is not None:
            error, self.error = self.error, None
            if isinstance(error, OSError):
                raise NetlearnError(f"the capture stopped: {error}") from None
            raise error

    def __enter__(self) -> PacketPump:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
