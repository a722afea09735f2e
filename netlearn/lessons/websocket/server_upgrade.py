"""The WebSocket server's upgrades: Origin check, limits, the 101, the welcome, the timers.

`Upgrades` is the part of `WsServer` (netlearn.lessons.websocket.server) that turns a request for
`/chat` or `/echo` into an open connection, or refuses it (403 for another site's page, 503 when
full), then hands the connection to `Connections` (server_conn). Words under `websocket.server.*`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from wsproto.events import TextMessage

from netlearn.content.words import say
from netlearn.events import Event, Note
from netlearn.lessons.websocket.events import AcceptProof
from netlearn.lessons.websocket.handshake import GUID, accept_stages, http_event
from netlearn.lessons.websocket.protocol import Refusal, RequestIn, ServerConnection
from netlearn.lessons.websocket.server_conn import CHAT, Client, Connections, _json

if TYPE_CHECKING:
    from netlearn.hostcheck import HostPolicy


class Upgrades(Connections):
    """The WebSocket handshake of `WsServer` (which sets `policy` and the rest)."""

    policy: HostPolicy

    async def _write(self, writer: asyncio.StreamWriter, data: bytes) -> None:  # pragma: no cover
        raise NotImplementedError

    def _origin_ok(self, req: RequestIn) -> tuple[bool, str]:
        """An Origin naming one of the hosts this server answers to, on its port (hostcheck)."""
        return self.policy.origin_ok(req.header("origin"))

    async def _websocket(
        self,
        cid: int,
        peer: str,
        conn: ServerConnection,
        req: RequestIn,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> Client | None:
        chat = req.path == CHAT
        who = "browser" if req.header("origin") else "client"
        if chat:
            label = say("websocket.server.labels.request", cid=cid, peer=peer)
            self.emit(_http(req.raw, who, "server", label))
        refusal = req.refusal
        if refusal is None and chat:
            ok, why = self._origin_ok(req)
            if ok:
                self.log(cid, peer, say("websocket.server.log.origin-allowed", why=why), "tip")
            else:
                self.log(cid, peer, say("websocket.server.log.origin-refused", why=why), "warn")
                refusal = Refusal(403, say("websocket.server.refusal.cross-site"), "10.2")
                self.emit(Note(t=self.t(), text=say("websocket.server.notes.cswsh"), tone="warn"))
        if refusal is None and len(self.clients) >= self.config.max_clients:
            reason = say("websocket.server.refusal.full", max=self.config.max_clients)
            refusal = Refusal(503, reason, "4.2.2", (("Retry-After", "5"),))
        if refusal is not None:
            answer = conn.refuse(refusal)
            await self._write(writer, answer)
            if chat:
                label = say("websocket.server.labels.refuses", cid=cid)
                self.emit(_http(answer, "server", who, label))
            text = say(
                "websocket.server.log.refused",
                path=req.path,
                status=refusal.status,
                reason=refusal.reason,
            )
            self.log(cid, peer, text, "warn")
            return None
        response, early = conn.accept()
        # Queue the 101, register the client and queue its welcome in the same step (no await
        # in between), so that a broadcast made the moment the handshake completes already
        # reaches it, after the 101 and the welcome in the byte stream.
        writer.write(response)
        client = Client(cid, peer, req.path, conn, writer, other=who, last_in=self.clock())
        self.clients[cid] = client
        if chat:
            self._explain_accept(cid, req, response, who)
            client.name = f"guest-{cid}"
            welcome = {"type": "welcome", "you": client.name, "online": self._chat_count()}
            data = conn.send(TextMessage(data=_json(welcome)))
            if self._queue(client, data):
                self._show(client, data, "server", who)
        else:
            text = say("websocket.server.log.upgraded", path=req.path, agent=_agent(req))
            self.log(cid, peer, text)
        await self._drain(client)
        if chat:
            joined = say("websocket.server.chat.joined", name=client.name)
            self._broadcast({"type": "system", "text": joined}, skip=cid)
            background = [
                asyncio.create_task(self._pusher(client)),
                asyncio.create_task(self._pinger(client)),
            ]
        else:
            background = []
        try:
            await self._frames(client, early, reader)
        finally:
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
        return client

    def _explain_accept(self, cid: int, req: RequestIn, response: bytes, who: str) -> None:
        offered = req.header("sec-websocket-extensions")
        key = req.header("sec-websocket-key") or ""
        stages = accept_stages(key)
        self.emit(
            AcceptProof(
                t=self.t(),
                key=key,
                guid=GUID,
                joined=stages.joined,
                digest=stages.digest,
                accept=stages.accept,
            )
        )
        self.emit(_http(response, "server", who, say("websocket.server.labels.switching", cid=cid)))
        if offered:
            text = say("websocket.server.notes.no-extension", who=who, offered=offered)
            self.emit(Note(t=self.t(), text=text))


def _short(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _http(raw: bytes, src: str, dst: str, label: str) -> Event:
    return http_event(raw, src, dst, label)


def _agent(req: RequestIn) -> str:
    agent = req.header("user-agent") or say("websocket.server.labels.no-user-agent")
    origin = req.header("origin") or say("websocket.server.labels.no-origin")
    return f"{origin}, {agent[:60]}"
