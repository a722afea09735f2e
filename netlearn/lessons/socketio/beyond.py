"""The demo's sections beyond one server and one trace: two servers and a broker (and why
sessions must be sticky), and the library's own logs.

A mixin of `netlearn.lessons.socketio.demo.Lab`, on the live lab's stack, clients and waits.
"""

from __future__ import annotations

from collections.abc import Iterator

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.lessons.socketio.live import LiveLab


class BeyondOneServer(LiveLab):
    """Scaling out, and logging."""

    def scaling(self) -> Iterator[Event]:
        from netlearn.lessons.socketio.server import MemoryBroker, broker_manager

        yield from self.section("scaling", say("socketio.narration.scaling"))
        yield Note(text=say("socketio.narration.scaling-diagram"))
        broker = MemoryBroker()
        for name in ("A", "B"):
            manager = broker_manager(broker, name, self.stack.sink, self.stack.clock)
            self.stack.add_server(name, client_manager=manager)
        dana = self.client("dana", transports=["websocket"], server="A")
        eli = self.client("eli", transports=["websocket"], server="B")
        self.quietly(lambda: (dana.connect(), eli.connect(), None)[-1])
        yield Note(text=say("socketio.narration.scaling-emit"))
        count = len(eli.received("chat"))
        dana.sio.emit("chat", {"text": "hello from server A's side"})
        yield from self.pump(
            lambda: len(eli.received("chat")) > count,
            what=say("socketio.waiting.eli-on-b-to-get-it"),
        )
        crossed = len(eli.received("chat")) > count
        yield Note(text=say("socketio.narration.scaling-sticky"))
        status, body = self._stray_poll(dana.eio_sid)
        yield from self.pump(what=say("socketio.waiting.server-b-answer"))
        yield Note(text=say("socketio.narration.scaling-after", status=status, body=body))
        if crossed and status == 400:
            yield self.check("scalability", say("socketio.evidence.scalability"))

    def _stray_poll(self, sid: str) -> tuple[int, str]:
        """A long-poll request for a session of server A, sent to server B (no stickiness)."""
        import http.client

        port = self.stack.add_relay("load balancer", server="B", peer="B")
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            conn.request("GET", f"/socket.io/?EIO=4&transport=polling&sid={sid}")
            resp = conn.getresponse()
            return resp.status, resp.read().decode("utf-8", "replace")
        except OSError as exc:
            raise NetlearnError(say("socketio.notes.stray-failed", exc=exc)) from None
        finally:
            conn.close()

    def logging(self) -> Iterator[Event]:
        yield from self.section("logging", say("socketio.narration.logging"))
        bob = self.clients["bob"]
        handler = self.stack.log_handler
        yield from self.pump(cap=0.5, what=say("socketio.waiting.wire-to-settle"))
        handler.live = True
        try:
            start = self.stack.clock()
            answer = bob.sio.call("echo", "log me", timeout=5)
            end = self.stack.clock()
            yield from self.pump(what=say("socketio.waiting.log-lines"))
        finally:
            handler.live = False
        # the lines written between bob's emit and his answer (a heartbeat may add its own later)
        lines = [r for r in list(handler.records) if start <= r.t <= end + 0.001]
        yield Note(text=say("socketio.narration.logging-after", n=len(lines)))
        if lines and answer == "log me":
            yield self.check("logging", say("socketio.evidence.logging", n=len(lines)))
