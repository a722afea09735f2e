"""`netlearn socketio serve`: the chat page for real browsers, every packet shown in the terminal.

The public address is a logging relay; behind it python-socketio (with uvicorn) listens on a
loopback port of its own. Browsers load the page and its small Socket.IO client from the same
server, so the page, the Engine.IO session and the WebSocket all share one origin.
"""

from __future__ import annotations

import queue
from collections.abc import Callable

from netlearn.env import Env
from netlearn.events import Note, Title
from netlearn.paths import assets_dir
from netlearn.render import Renderer
from netlearn.sio.stack import LiveStack

MAX_PAYLOAD = 16_000  # bytes of one Engine.IO payload (maxPayload in the open packet)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(
    env: Env,
    renderer: Renderer,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = False,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Run until Ctrl-C (KeyboardInterrupt propagates, after everything is closed)."""
    folder = assets_dir() / "web" / "socketio"
    stack = LiveStack(
        ping_interval=25.0,
        ping_timeout=20.0,
        max_payload=MAX_PAYLOAD,
        static=folder,
        demo_handlers=False,
    )
    try:
        stack.start()
        stack.add_server("server")
        bound = stack.add_relay(None, host=host, port=port, peer="server")
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
        while True:
            try:
                event = stack.events.get(timeout=0.5)
            except queue.Empty:
                continue
            renderer.emit(event)
    finally:
        stack.close()


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("python-socketio")
    except Exception:  # noqa: BLE001
        return "?"
