"""`netlearn socketio serve`: the chat page for real browsers, every packet shown in the terminal.

The public address is a logging relay; behind it python-socketio (with uvicorn) listens on a
loopback port of its own. Browsers load the page and its small Socket.IO client from the same
server, so the page, the Engine.IO session and the WebSocket all share one origin.

Made to take a class: hundreds of clients arriving at once, with every limit stated at start
(`limits_text`), a Host/Origin check against DNS rebinding (`netlearn.lessons.socketio.guard`),
a terminal that drops what it cannot print rather than slowing the server, and Ctrl-C that stops
it all within a second. `--redis URL` shares rooms and broadcasts between several such processes.
"""

from __future__ import annotations

import contextlib
import gc
import queue
import time
from collections.abc import Callable, Sequence
from typing import Any

from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Note, Title
from netlearn.hostcheck import HostPolicy
from netlearn.lessons.socketio.guard import RETRY_AFTER, Gate
from netlearn.lessons.socketio.proxy import HEAD_TIMEOUT, IDLE_TIMEOUT
from netlearn.lessons.socketio.stack import BACKLOG, LiveStack
from netlearn.paths import assets_dir
from netlearn.render import Renderer

MAX_PAYLOAD = 16_000  # bytes of one Engine.IO payload (maxPayload in the open packet)
LOOPBACK = ("127.0.0.1", "localhost", "::1")
MAX_CLIENTS = 500  # Socket.IO clients at once, by default
CONNECTIONS_PER_CLIENT = 3  # a browser may hold a long-poll, a POST and the WebSocket at once
MAX_EVENTS = 20_000  # events waiting for the terminal; beyond, they are counted, not shown
PING_INTERVAL = 25.0
PING_TIMEOUT = 20.0
CLOSE_WITHIN = 0.4  # seconds Ctrl-C may spend closing before the process exits anyway
REDIS_TIMEOUT = 3.0


def limits_text(max_clients: int, connections: int) -> str:
    """The limits and timeouts, as said at start (and in `--help`)."""
    return (
        f"Limits: {max_clients} clients at once (--max-clients) and {connections} connections; "
        f"one more gets HTTP 503 with Retry-After: {RETRY_AFTER} and the reason. A request "
        f"head must arrive whole within {HEAD_TIMEOUT:g} s (slow senders are closed); an idle "
        f"HTTP connection is closed after {IDLE_TIMEOUT:g} s; a client that stops answering "
        f"pings is dropped after {PING_INTERVAL + PING_TIMEOUT:g} s; a message is at most "
        f"{MAX_PAYLOAD} bytes; listen backlog {BACKLOG}."
    )


def serve(
    env: Env,
    renderer: Renderer,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
    allow_hosts: Sequence[str] = (),
    max_clients: int = MAX_CLIENTS,
    redis_url: str | None = None,
) -> None:
    """Run until Ctrl-C (KeyboardInterrupt propagates, after everything is closed)."""
    if max_clients < 1:
        raise NetlearnError("--max-clients must be at least 1")
    connections = _connection_budget(max_clients * CONNECTIONS_PER_CLIENT)
    folder = assets_dir() / "web" / "socketio"
    gate = Gate(sink=lambda event: None, max_clients=max_clients)
    stack = LiveStack(
        ping_interval=PING_INTERVAL,
        ping_timeout=PING_TIMEOUT,
        max_payload=MAX_PAYLOAD,
        static=folder,
        demo_handlers=False,
        max_connections=connections,
        max_events=MAX_EVENTS,
        gate=gate,
    )
    gate.sink = stack.sink
    try:
        stack.start()
        manager = None
        if redis_url is not None:
            manager = stack.call(redis_manager(redis_url), timeout=REDIS_TIMEOUT * 3)
        stack.add_server("server", client_manager=manager)
        bound = stack.add_relay(None, host=host, port=port, peer="server")
        gate.policy = HostPolicy.make(host, bound, list(allow_hosts))
        shown_host = f"[{host}]" if ":" in host else host
        url = f"http://{shown_host}:{bound}/"
        renderer.emit(Title(text="Socket.IO chat", subtitle=f"Open {url} in a browser."))
        renderer.emit(
            Note(
                text=(
                    f"Listening on {url} (python-socketio {_version()}). Events: `chat` "
                    '({"text": ...}) goes to every connected client; `echo` is answered through '
                    "the acknowledgement. Every packet is shown below. Ctrl-C stops the server."
                )
            )
        )
        renderer.emit(Note(text=limits_text(max_clients, connections)))
        renderer.emit(
            Note(
                text=f"Accepted Host names: {gate.policy.names()}, on port {bound} "
                "(--allow-host adds one). A request with another Host, or from a page of "
                "another origin, gets 403: that is how a page that rebinds its own name to this "
                "machine (DNS rebinding) is kept out."
            )
        )
        if redis_url is not None:
            renderer.emit(
                Note(
                    text=f"Rooms and broadcasts are shared through Redis at {_safe_url(redis_url)}"
                    ": run more `serve` processes with the same --redis behind a load balancer."
                )
            )
        if host not in LOOPBACK:
            renderer.emit(
                Note(
                    text=f"{host} is not loopback: anyone who can reach this machine can join.",
                    tone="warn",
                )
            )
        if ready is not None:
            ready(url)
        if open_browser:
            import webbrowser

            try:
                webbrowser.open(url)
            except Exception:  # noqa: BLE001 - no browser is not an error
                env.warn("could not open a browser; open the address yourself")
        _show_forever(stack, renderer)
    except KeyboardInterrupt:
        stack.close(timeout=CLOSE_WITHIN)
        if _drain(stack.events) or stack.dropped:
            # The terminal is behind: its last lines are stale packets, and writing them would
            # make Ctrl-C wait for a slow terminal (seconds, after a burst). Drop them.
            _stdout_to_devnull()
        # The process ends next: keep Python's last garbage collection from walking every
        # object the class left behind (it took up to half a second after a 200-client burst).
        gc.freeze()
        raise
    finally:
        stack.close(timeout=CLOSE_WITHIN)


def _drain(events: queue.Queue[Any]) -> int:
    """Forget what was never shown; how many."""
    count = 0
    with contextlib.suppress(queue.Empty):
        while True:
            events.get_nowait()
            count += 1
    return count


def _stdout_to_devnull() -> None:
    import os
    import sys

    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _show_forever(stack: LiveStack, renderer: Renderer) -> None:
    """Print what the servers report; say how much was skipped when the terminal fell behind."""
    told = 0
    last = time.monotonic()
    while True:
        try:
            event = stack.events.get(timeout=0.5)
        except queue.Empty:
            event = None
        if event is not None:
            renderer.emit(event)
        now = time.monotonic()
        if stack.dropped > told and now - last >= 1.0:
            renderer.emit(
                Note(
                    text=f"{stack.dropped - told} packets and notes not shown: more than the "
                    "terminal can print (they were delivered all the same)",
                    tone="warn",
                )
            )
            told, last = stack.dropped, now


def _connection_budget(wanted: int) -> int:
    """Connections the relay may hold: raise the open-file limit for them, or fit under it."""
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = wanted * 3 + 256  # client, relay-to-server and server ends, and some to spare
        if soft != resource.RLIM_INFINITY and soft < need:
            target = need if hard == resource.RLIM_INFINITY else min(need, hard)
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            if soft != resource.RLIM_INFINITY and soft < need:
                return max(16, (soft - 256) // 3)
    except ImportError:  # not on POSIX
        pass
    return wanted


def _safe_url(url: str) -> str:
    """The URL without its password, to print."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rsplit("@", 1)[1]
        user = f"{parts.username}:***@" if parts.username else "***@"
        return urlunsplit(parts._replace(netloc=user + netloc))
    except ValueError:
        return "(a URL that does not parse)"


async def redis_manager(url: str) -> Any:
    """python-socketio's AsyncRedisManager for `url`, once Redis has answered a PING."""
    import asyncio
    from urllib.parse import urlsplit

    shown = _safe_url(url)
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("redis", "rediss", "unix"):
        raise NetlearnError(
            f"--redis {shown}: not a Redis URL (redis://HOST:PORT/0, rediss://... or unix://PATH)"
        )
    try:
        import redis.asyncio as aioredis
    except ImportError:
        raise NetlearnError("--redis needs the redis package: pip install redis") from None
    try:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT)
    except (ValueError, TypeError) as exc:
        raise NetlearnError(f"--redis {shown}: {exc}") from None
    try:
        await asyncio.wait_for(client.ping(), REDIS_TIMEOUT + 1)
    except TimeoutError:
        raise NetlearnError(
            f"cannot reach Redis at {shown}: no answer in {REDIS_TIMEOUT:g} s"
        ) from None
    except Exception as exc:  # noqa: BLE001 - any failure here is one line for the user
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise NetlearnError(f"cannot reach Redis at {shown}: {reason}") from None
    finally:
        with contextlib.suppress(Exception):
            await client.aclose()
    import socketio

    return socketio.AsyncRedisManager(
        url, redis_options={"socket_connect_timeout": REDIS_TIMEOUT, "health_check_interval": 30}
    )


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("python-socketio")
    except Exception:  # noqa: BLE001
        return "?"
