"""`netlearn capture` with no arguments: a real connection on loopback, captured and explained.

A server listens on 127.0.0.1 with a port the kernel picks; a client connects, sends a line,
reads the server's line and closes. Everything between them is captured as it happens and
shown in the ladder, then the kernel's socket table shows the client's end in TIME-WAIT.

The same telling replays the capture bundled in `assets/pcaps/` for anyone without the
privilege to capture (`replay`).
"""

from __future__ import annotations

import queue
import socket
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

from netlearn import netns
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, StateChange, Title
from netlearn.lessons.capture import socktable
from netlearn.lessons.capture.story import Story, peers
from netlearn.live.capture_pump import PacketPump
from netlearn.packets.headers import TcpPacket
from netlearn.packets.tcp_states import State
from netlearn.packets.tracker import CLIENT, SERVER, Tracker

CLIENT_LINE = b"hello, server\n"
TIMEOUT = 5.0
BUNDLED = "loopback-tcp.pcap"
BUNDLED_TABLE = "loopback-tcp.socktable.txt"


class LineExchange:
    """One short, real TCP conversation on 127.0.0.1; the client closes first.

    The server answers the client's line in capitals. Each step has a timeout; `close()`
    releases both sockets and the listening port.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.listener = socket.create_server((host, 0))
        self.listener.settimeout(TIMEOUT)
        self.port: int = self.listener.getsockname()[1]
        self.reply = b""
        self.error: BaseException | None = None
        self.done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="netlearn-exchange", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            with socket.create_connection((self.host, self.port), timeout=TIMEOUT) as client:
                conn, _addr = self.listener.accept()
                with conn:
                    conn.settimeout(TIMEOUT)
                    client.sendall(CLIENT_LINE)
                    line = _read_line(conn)
                    conn.sendall(line.upper())
                    self.reply = _read_line(client)
                    client.close()  # the client closes first: its end will be in TIME-WAIT
                    while conn.recv(4096):  # until the client's FIN: recv returns b""
                        pass
        except BaseException as exc:  # reported by the producer, in the main thread
            self.error = exc
        finally:
            self.done.set()

    def close(self) -> None:
        self.listener.close()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT)


def _read_line(sock: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


# The parts a lesson tells one connection in, a step each: everything up to the first data, the
# data and its acknowledgments, and from the first FIN (or RST) on, TIME-WAIT included.
PARTS = ("handshake", "data", "close")


def phase_of(current: str, pkt: TcpPacket) -> str:
    """The part a packet belongs to, given the part of the packet before it (parts never go
    back: a pure ACK after the data is still data, anything after a FIN is the close)."""
    if current == "close" or pkt.flags & 0x05:  # FIN or RST
        return "close"
    if current == "data" or pkt.payload_len:
        return "data"
    return "handshake"


def demo(
    env: Env,
    *,
    iface: str = "lo",
    write: Path | None = None,
    use_libpcap: bool = True,
    keep: list[TcpPacket] | None = None,
) -> Iterator[Event]:
    """Capture one real connection on loopback and tell its story, segment by segment.

    Raises CaptureDenied (a NetlearnError) before anything is shown, without the privilege.
    """
    told = told_live(env, iface=iface, write=write, use_libpcap=use_libpcap, keep=keep)
    try:
        for _part, event in told:
            yield event
    finally:
        told.close()


def told_live(
    env: Env,
    *,
    iface: str = "lo",
    write: Path | None = None,
    use_libpcap: bool = True,
    keep: list[TcpPacket] | None = None,
) -> Generator[tuple[str, Event], None, None]:
    """`demo()`'s events, each with the part of the connection it belongs to (`PARTS`)."""
    exchange = LineExchange()
    pump = PacketPump(exchange.port, iface, write=write, use_libpcap=use_libpcap)
    try:
        pump.start()
    except BaseException:
        exchange.close()
        raise
    tracker = Tracker(server_port=exchange.port)
    story = Story(tracker)
    try:
        yield (
            "handshake",
            Title(
                text=say("capture.demo.title"),
                subtitle=say("capture.demo.subtitle", port=exchange.port, iface_quoted=repr(iface)),
            ),
        )
        yield (
            "handshake",
            Note(
                text=say(
                    "capture.demo.intro",
                    port=exchange.port,
                    iface=iface,
                    filter=pump.notice,
                    line=CLIENT_LINE.decode().strip(),
                )
            ),
        )
        if netns.inside():
            yield "handshake", netns.notice()
        if not pump.kernel_filter:
            yield "handshake", Note(text=pump.notice, tone="warn")
        for event in peers("127.0.0.1", f"127.0.0.1:{exchange.port}"):
            yield "handshake", event
        story.told_peers = True
        yield (
            "handshake",
            StateChange(
                actor=SERVER,
                side=SERVER,
                old=State.CLOSED,
                new=State.LISTEN,
                cause=say("capture.demo.listen-cause", port=exchange.port),
            ),
        )
        exchange.start()
        conn = None
        part = "handshake"
        deadline: float | None = None
        while True:
            if exchange.done.is_set() and deadline is None:
                if exchange.error is not None:
                    raise NetlearnError(say("capture.demo.failed", error=exchange.error))
                deadline = env.clock() + TIMEOUT
            try:
                pkt = pump.out.get(timeout=0.05)
            except queue.Empty:
                if deadline is not None and (
                    env.clock() > deadline or (conn is not None and conn.ended)
                ):
                    break  # (the last segment may have come before the exchange finished)
                continue
            if keep is not None:
                keep.append(pkt)
            obs = tracker.feed(pkt)
            conn = obs.conn
            part = phase_of(part, pkt)
            for event in story.events(obs):
                yield part, event
            if conn.ended and exchange.done.is_set():
                break
        if conn is None:
            raise NetlearnError(say("capture.demo.nothing-captured"))
        entries = socktable.for_port(exchange.port)
        for event in story.time_wait(conn, entries):
            yield "close", event
        open_hint = (
            say("capture.demo.open-here") if env.interactive else say("capture.demo.open-later")
        )
        yield (
            "close",
            Note(
                text=say("capture.demo.once", n=tracker.total_packets, open_hint=open_hint),
                tone="tip",
            ),
        )
        if exchange.reply:
            yield (
                "close",
                Note(
                    text=say(
                        "capture.demo.programs",
                        reply=exchange.reply.decode().strip(),
                        line=CLIENT_LINE.decode().strip(),
                        client_bytes=conn.data_bytes[CLIENT],
                        server_bytes=conn.data_bytes[SERVER],
                    )
                ),
            )
    finally:
        pump.stop()
        exchange.close()


def private_demo(env: Env, *, write: Path | None = None, use_libpcap: bool = True) -> Any:
    """`demo()` in a private network namespace of its own, for a process without the privilege
    to capture; None when the kernel refuses one. Its `result`, once all events are read, is the
    list of captured packets (for the inspector)."""
    from netlearn.live.capture import run_private

    def produce() -> Generator[Event, None, list[TcpPacket]]:
        kept: list[TcpPacket] = []
        yield from demo(env, iface="lo", write=write, use_libpcap=use_libpcap, keep=kept)
        return kept

    return run_private(produce)


def private_told(env: Env) -> Any:
    """`told_live()` in a private network namespace of its own (None when the kernel refuses
    one): the tagged events, for a process without the privilege to capture."""
    from netlearn.live.capture import run_private

    return run_private(lambda: told_live(env, iface="lo"))


# ---------------------------------------------------------------------- the bundled capture


def bundled_capture() -> Path:
    """The real capture shipped with netlearn (recorded with `record_bundle`)."""
    from netlearn.paths import assets_dir

    path = assets_dir() / "pcaps" / BUNDLED
    if not path.is_file():
        raise NetlearnError(say("capture.replay.missing", path=repr(str(path))))
    return path


def recorded_table(path: Path) -> tuple[list[socktable.SockEntry], str]:
    """The socket table lines saved next to a capture, and when they were read."""
    table = path.with_name(path.name.removesuffix(".pcap") + ".socktable.txt")
    try:
        lines = table.read_text().splitlines()
    except OSError:
        return [], ""
    first = lines[0] if lines else ""
    when = first.removeprefix("# ").split(",")[0].strip() if first.startswith("#") else ""
    entries = [e for e in (socktable.parse_line(line) for line in lines) if e is not None]
    return entries, when


def replay(env: Env, path: Path | None = None, stream: int = 1) -> Iterator[Event]:
    """Tell the story of a recorded connection (the bundled one by default)."""
    for _part, event in told_replay(env, path, stream):
        yield event


def told_replay(env: Env, path: Path | None = None, stream: int = 1) -> Iterator[tuple[str, Event]]:
    """`replay()`'s events, each with the part of the connection it belongs to (`PARTS`)."""
    from netlearn.lessons.capture.listing import stream_packets

    path = path or bundled_capture()
    packets = stream_packets(path, stream)
    if not packets:
        raise NetlearnError(
            say("capture.replay.no-connection", path=repr(str(path)), stream=stream)
        )
    server_port = packets[0].dport if packets[0].flags & 0x02 else None
    tracker = Tracker(server_port=server_port)
    story = Story(tracker)
    bundled = path.name == BUNDLED
    yield (
        "handshake",
        Title(
            text=say("capture.replay.title"),
            subtitle=(
                say("capture.replay.bundled")
                if bundled
                else say("capture.replay.file", name=path.name, stream=stream)
            ),
        ),
    )
    conn = None
    part = "handshake"
    for pkt in packets:
        obs = tracker.feed(pkt)
        conn = obs.conn
        part = phase_of(part, pkt)
        for event in story.events(obs):
            yield part, event
    entries, when = recorded_table(path)
    if conn is not None and entries:
        for event in story.time_wait(
            conn, entries, recorded=when or say("capture.replay.at-capture-time")
        ):
            yield "close", event


def record_bundle(folder: Path) -> Path:
    """Record the bundled capture and the socket table right after it (run as root)."""
    from datetime import UTC, datetime

    folder.mkdir(parents=True, exist_ok=True)
    pcap = folder / BUNDLED
    env = Env.build("json", animate=False)
    events = list(demo(env, write=pcap))
    port = next(e.dport for e in events if getattr(e, "flags", "") == "S")  # type: ignore[attr-defined]
    lines = [e.line for e in socktable.for_port(port)]
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    text = f"# {stamp}, /proc/net/tcp lines for port {port}\n{socktable.header()}\n"
    (folder / BUNDLED_TABLE).write_text(text + "\n".join(lines) + "\n")
    pcap.chmod(0o644)  # shipped with the program: readable by all, unlike a user's capture
    return pcap


if __name__ == "__main__":  # python -m netlearn.lessons.capture.demo assets/pcaps
    import sys

    print(record_bundle(Path(sys.argv[1] if len(sys.argv) > 1 else "assets/pcaps")))
