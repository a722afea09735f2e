"""Who may come in: the Host/Origin check (DNS rebinding) and the class size, as ASGI middleware.

Every request that reaches python-socketio passes here first, HTTP long-polling and WebSocket
alike, whether it came through the logging relay or straight to the server's own port. A page
that rebinds its own name to 127.0.0.1 still sends `Host: evil.example`, so the Host must be one
of the names the server answers to (`netlearn.hostcheck.HostPolicy`), and a browser's Origin must
be one of those names on the public port, never merely "the same as the Host". A refusal is an
HTTP answer with a one-line reason, also for a WebSocket handshake (ASGI's
`websocket.http.response` extension), and one line in the terminal.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from netlearn.content.words import say
from netlearn.events import Event, Note
from netlearn.hostcheck import HostPolicy

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
RETRY_AFTER = 5  # seconds a refused client is told to wait when the class is full


class Gate:
    """The admission rules of one server; `policy` is set once the public port is known."""

    def __init__(
        self,
        sink: Callable[[Event], None],
        max_clients: int = 0,
        sessions: Callable[[], int] = lambda: 0,
    ) -> None:
        self.sink = sink
        self.max_clients = max_clients  # 0: no limit
        self.sessions = sessions
        self.policy: HostPolicy | None = None
        self.refused = 0

    def origin_allowed(self, origin: str | None, environ: Any = None) -> bool:
        """python-socketio's `cors_allowed_origins` callable: the same rule as the middleware."""
        return self.policy is not None and origin is not None and self.policy.origin_ok(origin)[0]

    def refusal(self, scope: Scope) -> tuple[int, str] | None:
        """(status, reason) to refuse this request with, or None to let it in."""
        headers: dict[str, str] = {}
        hosts = 0
        for key, value in scope.get("headers", ()):
            name = key.decode("latin-1").lower()
            if name == "host":
                hosts += 1
            headers.setdefault(name, value.decode("latin-1"))
        if self.policy is None:
            return 503, say("socketio.serve.gate.starting")
        if hosts > 1:
            return 400, say("socketio.serve.gate.two-hosts")
        ok, why = self.policy.host_ok(headers.get("host"))
        if not ok:  # 421 Misdirected Request (RFC 9110 §15.5.20): not a name this server serves
            return 421, why
        ok, why = self.policy.origin_ok(headers.get("origin"))
        if not ok:
            return 403, why
        if self.max_clients and self._opens_session(scope):
            now = self.sessions()
            if now >= self.max_clients:
                limit = self.max_clients
                full = say(
                    "socketio.serve.gate.class-full", now=now, limit=limit, retry_after=RETRY_AFTER
                )
                return 503, full
        return None

    @staticmethod
    def _opens_session(scope: Scope) -> bool:
        """An Engine.IO request without a session id starts a new client."""
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        return str(scope.get("path", "")).startswith("/socket.io") and "sid" not in query

    def report(self, scope: Scope, status: int, reason: str) -> None:
        self.refused += 1
        if scope["type"] == "websocket":
            what = say("socketio.serve.gate.websocket-handshake")
        else:
            what = scope.get("method", "")
        path = scope.get("path", "")
        text = say(
            "socketio.serve.gate.refused", what=what, path=path, status=status, reason=reason
        )
        self.sink(Note(text=text, tone="warn"))


class GateMiddleware:
    """ASGI middleware: requests the `Gate` refuses never reach the app."""

    def __init__(self, app: Any, gate: Gate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refusal = self.gate.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, reason = refusal
        self.gate.report(scope, status, reason)
        body = f"netlearn: refused: {reason}\n".encode()
        headers = [
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            (b"connection", b"close"),
        ]
        if status == 503:
            headers.append((b"retry-after", str(RETRY_AFTER).encode()))
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        elif "websocket.http.response" in scope.get("extensions", {}):
            start = {"type": "websocket.http.response.start", "status": status}
            await send({**start, "headers": headers})
            await send({"type": "websocket.http.response.body", "body": body})
        else:
            await send({"type": "websocket.close", "code": 1008})
