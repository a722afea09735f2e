"""Load benchmark: a class of clients against netlearn's two servers and a baseline.

Starts, each in its own subprocess on 127.0.0.1 with a kernel-chosen port:

- `netlearn socketio serve` (python-socketio behind netlearn's logging relay);
- `netlearn websocket serve` (its /echo endpoint);
- the `websockets` library's own echo server: the baseline, measured in the same run.

Then N clients (default 200) arrive within half a second; each sends M messages and waits for
each answer (for Socket.IO: an `echo` event with an acknowledgement, after joining a room and
before one `chat` broadcast that every client must receive). Prints, per server: clients served,
messages lost, time, the server's peak and current RSS, and the ratios against the baseline.

    python bench/load.py [--clients N] [--messages M] [--timeout S]

Not a test: machines are noisy. The whole run is bounded by --timeout (default 120 s).
The Socket.IO client is written here on top of the `websockets` library, with python-socketio's
own packet codec, so that hundreds of clients fit in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PY = sys.executable
RUNNING: list[Server] = []  # killed if the whole run runs out of time
PORT_LINE = re.compile(r"(?:127\.0\.0\.1|localhost):(\d+)")

BASELINE = """
import asyncio, sys
from websockets.asyncio.server import serve

async def echo(ws):
    async for message in ws:
        await ws.send(message)

async def main():
    async with serve(echo, "127.0.0.1", 0, max_size=1 << 20) as server:
        port = server.sockets[0].getsockname()[1]
        print(f"listening on 127.0.0.1:{port}", flush=True)
        await server.serve_forever()

try:
    asyncio.run(main())
except KeyboardInterrupt:
    sys.exit(130)
"""


# --------------------------------------------------------------------------- results


@dataclass
class Tally:
    """What a burst of clients achieved."""

    clients: int = 0
    served: int = 0
    sent: int = 0
    answered: int = 0
    broadcasts_expected: int = 0
    broadcasts_got: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def error(self, exc: BaseException | str) -> None:
        text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
        key = text[:120]
        self.errors[key] = self.errors.get(key, 0) + 1

    @property
    def lost(self) -> int:
        return (self.sent - self.answered) + (self.broadcasts_expected - self.broadcasts_got)


# --------------------------------------------------------------------------- Socket.IO client


class SioClient:
    """One Socket.IO client (Engine.IO 4 over a WebSocket) on the `websockets` library.

    `transport="polling"` opens the session with an HTTP long-polling handshake and upgrades it,
    as a browser does; "websocket" opens it over the WebSocket directly.
    """

    def __init__(self, host: str, port: int, transport: str = "websocket") -> None:
        self.host = host
        self.port = port
        self.transport = transport
        self.ws: Any = None
        self.next_id = 0
        self.acks: dict[int, asyncio.Future[Any]] = {}
        self.chats: list[Any] = []
        self.chat_event = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None
        self.closed_why = ""

    async def connect(self, timeout: float) -> None:
        from websockets.asyncio.client import connect

        path = "/socket.io/?EIO=4&transport=websocket"
        if self.transport == "polling":
            sid = await asyncio.wait_for(self._polling_open(), timeout)
            path += f"&sid={sid}"
        self.ws = await connect(
            f"ws://{self.host}:{self.port}{path}",
            open_timeout=timeout,
            close_timeout=1,
            ping_interval=None,
            max_size=1 << 20,
            compression=None,
        )
        if self.transport == "polling":
            await self.ws.send("2probe")
            got = await asyncio.wait_for(self.ws.recv(), timeout)
            if got != "3probe":
                raise ConnectionError(f"upgrade: expected 3probe, got {got!r}")
            await self.ws.send("5")
        else:
            opened = await asyncio.wait_for(self.ws.recv(), timeout)
            if not str(opened).startswith("0{"):
                raise ConnectionError(f"expected the open packet, got {opened!r}")
            await self.ws.send("40")
            connected = await asyncio.wait_for(self.ws.recv(), timeout)
            if not str(connected).startswith("40{"):
                raise ConnectionError(f"expected CONNECT, got {connected!r}")
        self.reader = asyncio.ensure_future(self._read())

    async def _polling_open(self) -> str:
        """Handshake, CONNECT and its answer over HTTP long-polling, on one connection."""
        import h11

        reader, writer = await asyncio.open_connection(self.host, self.port)
        conn = h11.Connection(h11.CLIENT)
        base = "/socket.io/?EIO=4&transport=polling"
        host = f"{self.host}:{self.port}"

        async def exchange(method: str, target: str, body: bytes = b"") -> bytes:
            headers = [("Host", host), ("Content-Length", str(len(body)))]
            if method == "POST":
                headers.append(("Content-Type", "text/plain;charset=UTF-8"))
            writer.write(conn.send(h11.Request(method=method, target=target, headers=headers)))
            if body:
                writer.write(conn.send(h11.Data(data=body)))
            writer.write(conn.send(h11.EndOfMessage()))
            await writer.drain()
            status, data = 0, bytearray()
            while True:
                event = conn.next_event()
                if event is h11.NEED_DATA:
                    chunk = await reader.read(65536)
                    conn.receive_data(chunk)
                    if not chunk:
                        raise ConnectionError("the server closed the polling connection")
                    continue
                if isinstance(event, h11.Response):
                    status = event.status_code
                elif isinstance(event, h11.Data):
                    data += event.data
                elif isinstance(event, h11.EndOfMessage):
                    break
            if status != 200:
                raise ConnectionError(f"{method} answered {status}: {bytes(data)[:120]!r}")
            conn.start_next_cycle()
            return bytes(data)

        try:
            opened = (await exchange("GET", base)).decode()
            if not opened.startswith("0{"):
                raise ConnectionError(f"expected the open packet, got {opened[:80]!r}")
            sid = json.loads(opened[1:])["sid"]
            await exchange("POST", f"{base}&sid={sid}", b"40")
            connected = (await exchange("GET", f"{base}&sid={sid}")).decode()
            if not any(p.startswith("40{") for p in connected.split("\x1e")):
                raise ConnectionError(f"expected CONNECT, got {connected[:80]!r}")
            return str(sid)
        finally:
            writer.close()

    async def _read(self) -> None:
        import socketio.packet as sp

        try:
            async for message in self.ws:
                if not isinstance(message, str) or not message:
                    continue
                if message == "2":  # Engine.IO ping: the client answers pong
                    await self.ws.send("3")
                    continue
                if message[0] != "4":
                    continue
                packet = sp.Packet(encoded_packet=message[1:])
                if packet.packet_type == sp.ACK and packet.id in self.acks:
                    future = self.acks.pop(packet.id)
                    if not future.done():
                        future.set_result(packet.data)
                elif packet.packet_type == sp.EVENT and packet.data and packet.data[0] == "chat":
                    self.chats.append(packet.data[1] if len(packet.data) > 1 else None)
                    self.chat_event.set()
        except Exception as exc:  # noqa: BLE001 - the reason is reported by the caller
            self.closed_why = f"{type(exc).__name__}: {exc}"
        finally:
            for future in self.acks.values():
                if not future.done():
                    future.set_exception(ConnectionError(self.closed_why or "connection closed"))

    async def call(self, event: str, data: Any, timeout: float) -> Any:
        """Emit `event` with an ack id and wait for the acknowledgement's arguments."""
        import socketio.packet as sp

        self.next_id += 1
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.acks[self.next_id] = future
        encoded = sp.Packet(sp.EVENT, data=[event, data], id=self.next_id).encode()
        await self.ws.send("4" + str(encoded))
        return await asyncio.wait_for(future, timeout)

    async def wait_chats(self, count: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while len(self.chats) < count:
            left = deadline - time.monotonic()
            if left <= 0 or self.reader is None or self.reader.done():
                break
            self.chat_event.clear()
            try:
                await asyncio.wait_for(self.chat_event.wait(), left)
            except TimeoutError:
                break
        return len(self.chats)

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 2)
        if self.reader is not None:
            self.reader.cancel()
            await asyncio.gather(self.reader, return_exceptions=True)


async def sio_class(
    port: int,
    clients: int = 200,
    messages: int = 5,
    spread: float = 0.5,
    timeout: float = 60.0,
    chat: bool = True,
    transport: str = "mixed",
    host: str = "127.0.0.1",
) -> Tally:
    """N Socket.IO clients arrive within `spread` s; each joins a room, sends `messages` echoes
    with acks, then one chat that every client must receive. Half upgrade from polling ("mixed").
    """
    tally = Tally(clients=clients)
    everyone_in = asyncio.Event()
    chats_sent = asyncio.Event()
    ready = 0
    done_sending = 0
    made: list[SioClient] = []

    async def one(i: int) -> None:
        nonlocal ready, done_sending
        await asyncio.sleep(spread * i / max(clients, 1))
        kind = transport if transport != "mixed" else ("polling" if i % 2 else "websocket")
        client = SioClient(host, port, kind)
        made.append(client)
        counted_ready = counted_sent = False
        try:
            await client.connect(timeout)
            room = f"table-{i % 10}"
            joined = await client.call("join", room, timeout)
            if joined != [{"ok": True, "room": room}]:
                raise ConnectionError(f"join answered {joined!r}")
            for m in range(messages):
                data = {"client": i, "n": m, "text": f"message {m} from {i}"}
                tally.sent += 1
                if await client.call("echo", data, timeout) == [data]:
                    tally.answered += 1
                else:
                    tally.error("an echo came back changed")
            ready += 1
            counted_ready = True
            if ready == clients:
                everyone_in.set()
            if chat:
                # a broadcast only reaches those connected: wait until the whole class is in
                await asyncio.wait_for(everyone_in.wait(), timeout)
                tally.sent += 1
                if await client.call("chat", {"text": f"hello from {i}"}, timeout) == [
                    {"ok": True}
                ]:
                    tally.answered += 1
            done_sending += 1
            counted_sent = True
            if done_sending == clients:
                chats_sent.set()
            if chat:
                tally.broadcasts_expected += clients
                got = await client.wait_chats(clients, timeout)  # (not inside +=: it awaits)
                tally.broadcasts_got += min(got, clients)
            tally.served += 1
        except Exception as exc:  # noqa: BLE001 - counted, not raised
            tally.error(exc if not client.closed_why else client.closed_why)
            if not counted_ready:
                ready += 1  # never block the others on a client that failed
                if ready == clients:
                    everyone_in.set()
            if not counted_sent:
                done_sending += 1

    start = time.monotonic()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(one(i) for i in range(clients))), timeout + spread + 5
        )
    except TimeoutError:
        tally.error("the whole class ran out of time")
    tally.seconds = time.monotonic() - start
    await asyncio.gather(*(c.close() for c in made), return_exceptions=True)
    return tally


# --------------------------------------------------------------------------- plain WebSocket


async def ws_class(
    url: str,
    clients: int = 200,
    messages: int = 5,
    spread: float = 0.5,
    timeout: float = 60.0,
    origin: str | None = None,
) -> Tally:
    """N WebSocket clients arrive within `spread` s; each sends `messages` and awaits each echo."""
    from websockets.asyncio.client import connect

    tally = Tally(clients=clients)

    async def one(i: int) -> None:
        await asyncio.sleep(spread * i / max(clients, 1))
        try:
            async with asyncio.timeout(timeout):
                async with connect(
                    url,
                    origin=origin,  # type: ignore[arg-type]
                    open_timeout=timeout,
                    close_timeout=1,
                    ping_interval=None,
                    compression=None,
                ) as ws:
                    for m in range(messages):
                        text = json.dumps({"client": i, "n": m, "text": f"message {m} from {i}"})
                        tally.sent += 1
                        await ws.send(text)
                        if await ws.recv() == text:
                            tally.answered += 1
                        else:
                            tally.error("an echo came back changed")
            tally.served += 1
        except Exception as exc:  # noqa: BLE001
            tally.error(exc)

    start = time.monotonic()
    try:
        await asyncio.wait_for(
            asyncio.gather(*(one(i) for i in range(clients))), timeout + spread + 5
        )
    except TimeoutError:
        tally.error("the whole class ran out of time")
    tally.seconds = time.monotonic() - start
    return tally


# --------------------------------------------------------------------------- servers


class Server:
    """A server in a subprocess; its port read from its output."""

    def __init__(self, name: str, argv: list[str], timeout: float = 30.0) -> None:
        self.name = name
        env = {
            **os.environ,
            "NETLEARN_HOME": tempfile.mkdtemp(prefix="netlearn-load-"),
            "COLUMNS": "100",
        }
        self.proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=REPO,
            env=env,
        )
        RUNNING.append(self)
        self.port = 0
        self.lines = 0
        found = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            for line in self.proc.stdout:
                self.lines += 1
                if not self.port:
                    match = PORT_LINE.search(line)
                    if match and int(match.group(1)):
                        self.port = int(match.group(1))
                        found.set()
            found.set()

        threading.Thread(target=read, daemon=True).start()
        if not found.wait(timeout) or not self.port:
            self.stop()
            raise RuntimeError(f"{name} did not start: {self.stderr_tail()}")

    def memory(self) -> tuple[int, int]:
        """(VmHWM, VmRSS) in KiB, from /proc."""
        peak = now = 0
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    now = int(line.split()[1])
        except OSError:
            pass
        return peak, now

    def stderr_tail(self) -> str:
        if self.proc.poll() is None or self.proc.stderr is None:
            return ""
        return self.proc.stderr.read()[-500:]

    def stop(self) -> float:
        """Ctrl-C; seconds until it exited."""
        start = time.monotonic()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return time.monotonic() - start


def netlearn(*args: str) -> list[str]:
    return [PY, "-m", "netlearn", *args]


# --------------------------------------------------------------------------- the run


def _row(name: str, tally: Tally, memory: tuple[int, int], stop: float) -> dict[str, Any]:
    return {
        "server": name,
        "served": f"{tally.served}/{tally.clients}",
        "lost": tally.lost,
        "seconds": round(tally.seconds, 2),
        "peak_mib": round(memory[0] / 1024, 1),
        "rss_mib": round(memory[1] / 1024, 1),
        "stop_s": round(stop, 2),
        "errors": dict(sorted(tally.errors.items(), key=lambda kv: -kv[1])[:3]),
        "_tally": tally,
        "_memory": memory,
    }


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    plans: list[tuple[str, list[str], Callable[[int], Awaitable[Tally]]]] = [
        (
            "websockets (baseline)",
            [PY, "-c", BASELINE],
            lambda port: ws_class(
                f"ws://127.0.0.1:{port}/", args.clients, args.messages, args.spread, args.timeout
            ),
        ),
        (
            "netlearn websocket serve /echo",
            netlearn("websocket", "serve", "--format", "json", "--port", "0"),
            lambda port: ws_class(
                f"ws://127.0.0.1:{port}/echo",
                args.clients,
                args.messages,
                args.spread,
                args.timeout,
            ),
        ),
        (
            "netlearn socketio serve, echo",
            netlearn("socketio", "serve", "--format", "json", "--port", "0"),
            lambda port: sio_class(
                port,
                args.clients,
                args.messages,
                args.spread,
                args.timeout,
                chat=False,
                transport="websocket",
            ),
        ),
        (
            "netlearn socketio serve, class",
            netlearn("socketio", "serve", "--format", "json", "--port", "0"),
            lambda port: sio_class(
                port, args.clients, args.messages, args.spread, args.timeout, chat=True
            ),
        ),
    ]
    for name, argv, drive in plans:
        try:
            server = Server(name, argv)
        except RuntimeError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            continue
        try:
            tally = await drive(server.port)
            memory = server.memory()
        finally:
            stop = server.stop()
        rows.append(_row(name, tally, memory, stop))
    return rows


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"{args.clients} clients arriving within {args.spread} s, {args.messages} messages each, "
        "each answer awaited. Socket.IO 'echo': a WebSocket client joins a room and sends "
        "`echo` events with acks (like for like with the echo servers); 'class': half open with "
        "long-polling and upgrade, as browsers do, and each also sends one `chat` that all "
        f"{args.clients} receive ({args.clients * args.clients} deliveries)."
    )
    head = f"{'server':32} {'served':>9} {'lost':>6} {'time s':>7} {'peak MiB':>9} {'RSS MiB':>8}"
    print(head + f" {'stop s':>6}")
    for row in rows:
        print(
            f"{row['server']:32} {row['served']:>9} {row['lost']:>6} {row['seconds']:>7} "
            f"{row['peak_mib']:>9} {row['rss_mib']:>8} {row['stop_s']:>6}"
        )
        for error, count in row["errors"].items():
            print(f"    {count} x {error}")
    base = next((r for r in rows if r["server"].endswith("(baseline)")), None)
    if base is None:
        return
    for row in rows:
        if row is base:
            continue
        t = row["_tally"].seconds / max(base["_tally"].seconds, 1e-9)
        m = row["_memory"][0] / max(base["_memory"][0], 1)
        print(f"{row['server']}: time x{t:.2f}, peak memory x{m:.2f} (vs websockets baseline)")


def _out_of_time(signum: int, frame: object) -> None:
    for server in RUNNING:
        with contextlib.suppress(OSError):
            server.proc.kill()
    print("load.py: out of time (--total); servers killed", file=sys.stderr, flush=True)
    os._exit(3)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--spread", type=float, default=0.5, help="seconds over which they arrive")
    parser.add_argument("--timeout", type=float, default=60.0, help="per-server limit, seconds")
    parser.add_argument("--total", type=float, default=300.0, help="hard limit for the whole run")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _out_of_time)  # the hard overall timeout
    signal.alarm(int(args.total))
    rows = asyncio.run(run(args))
    signal.alarm(0)
    report(rows, args)
    return 0 if all(r["_tally"].served == r["_tally"].clients for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
