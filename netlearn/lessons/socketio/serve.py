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
from collections.abc import Callable, Sequence
from typing import Any

from netlearn.content.words import say
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
    return say(
        "socketio.serve.serve.limits",
        max_clients=max_clients,
        connections=connections,
        retry_after=RETRY_AFTER,
        head_timeout=HEAD_TIMEOUT,
        idle_timeout=IDLE_TIMEOUT,
        ping_limit=PING_INTERVAL + PING_TIMEOUT,
        max_payload=MAX_PAYLOAD,
        backlog=BACKLOG,
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
        raise NetlearnError(say("socketio.serve.serve.min-clients"))
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
        now=env.clock,
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
        title = say("socketio.serve.serve.title")
        renderer.emit(Title(text=title, subtitle=say("socketio.serve.serve.open-it", url=url)))
        listening = say("socketio.serve.serve.listening", url=url, version=_version())
        renderer.emit(Note(text=listening))
        renderer.emit(Note(text=limits_text(max_clients, connections)))
        names = gate.policy.names()
        renderer.emit(Note(text=say("socketio.serve.serve.hosts", names=names, port=bound)))
        if redis_url is not None:
            shared = say("socketio.serve.serve.redis", url=_safe_url(redis_url))
            renderer.emit(Note(text=shared))
        if host not in LOOPBACK:
            warning = say("socketio.serve.serve.not-loopback", host=host)
            renderer.emit(Note(text=warning, tone="warn"))
        if ready is not None:
            ready(url)
        if open_browser:
            import webbrowser

            try:
                webbrowser.open(url)
            except Exception:  # noqa: BLE001 - no browser is not an error
                env.warn(say("socketio.serve.serve.no-browser"))
        _show_forever(stack, renderer, env.clock)
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


def _show_forever(stack: LiveStack, renderer: Renderer, clock: Callable[[], float]) -> None:
    """Print what the servers report; say how much was skipped when the terminal fell behind."""
    told = 0
    last = clock()
    while True:
        try:
            event = stack.events.get(timeout=0.5)
        except queue.Empty:
            event = None
        if event is not None:
            renderer.emit(event)
        now = clock()
        if stack.dropped > told and now - last >= 1.0:
            text = say("socketio.serve.serve.not-shown", n=stack.dropped - told)
            renderer.emit(Note(text=text, tone="warn"))
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
        return say("socketio.serve.serve.bad-url")


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
        raise NetlearnError(say("socketio.serve.serve.not-redis-url", url=shown))
    try:
        import redis.asyncio as aioredis
    except ImportError:
        raise NetlearnError(say("socketio.serve.serve.no-redis-package")) from None
    try:
        client = aioredis.Redis.from_url(url, socket_connect_timeout=REDIS_TIMEOUT)
    except (ValueError, TypeError) as exc:
        raise NetlearnError(
            say("socketio.serve.serve.redis-url-error", url=shown, problem=exc)
        ) from None
    try:
        await asyncio.wait_for(client.ping(), REDIS_TIMEOUT + 1)
    except TimeoutError:
        silent = say("socketio.serve.serve.redis-silent", url=shown, seconds=REDIS_TIMEOUT)
        raise NetlearnError(silent) from None
    except Exception as exc:  # noqa: BLE001 - any failure here is one line for the user
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        unreachable = say("socketio.serve.serve.redis-unreachable", url=shown, reason=reason)
        raise NetlearnError(unreachable) from None
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
