"""The demo's sections where things go wrong: a bad namespace, a raising handler, a cut
connection, a client sent away, and a plain WebSocket client that must speak Socket.IO by hand.

A mixin of `netlearn.lessons.socketio.demo.Lab`, on the live lab's stack, clients and waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from netlearn.content.words import say
from netlearn.events import Event, Note
from netlearn.lessons.socketio.live import LiveLab

ERROR_PROOFS = 3  # pieces of evidence that tick "error handling" (two here, one in reconnect)


class Trouble(LiveLab):
    """Errors, reconnection and the outsider."""

    def _error_check(self, evidence: list[str]) -> Iterator[Event]:
        self.error_evidence.extend(evidence)
        if len(self.error_evidence) >= ERROR_PROOFS:
            yield self.check("errors", "; ".join(self.error_evidence))

    def errors(self) -> Iterator[Event]:
        yield from self.section("errors", say("socketio.narration.errors"))
        evidence = []
        # a) an unknown namespace
        yield Note(text=say("socketio.narration.err-namespace"))
        dave = self.client("dave", transports=["websocket"])
        problem = ""
        try:
            dave.connect(namespaces=["/nope"])
        except Exception as exc:  # socketio.exceptions.ConnectionError
            problem = f"{type(exc).__name__}: {exc}"
        yield from self.pump(what=say("socketio.waiting.dave-refusal"))
        if problem:
            yield Note(text=say("socketio.notes.connect-raised", problem=problem), tone="tip")
            evidence.append(say("socketio.evidence.namespace"))
        # b) a handler that raises
        yield Note(text=say("socketio.narration.err-handler"))
        alice = self.clients["alice"]
        outcome = ""
        try:
            alice.sio.call("boom", {"please": "fail"}, timeout=1.0)
        except Exception as exc:  # socketio.exceptions.TimeoutError
            outcome = type(exc).__name__
        yield from self.pump(what=say("socketio.waiting.server-log"))
        alive = alice.sio.call("echo", "still there?", timeout=5)
        yield from self.pump(what=say("socketio.waiting.alice-echo"))
        yield Note(
            text=say(
                "socketio.narration.err-handler-after",
                outcome=outcome or say("socketio.notes.no-error"),
                alive=alive,
            )
        )
        if outcome and alive == "still there?":
            evidence.append(say("socketio.evidence.handler"))
        yield from self._error_check(evidence)

    def reconnect(self) -> Iterator[Event]:
        yield from self.section("reconnect", say("socketio.narration.reconnect"))
        evidence = []
        alice = self.clients["alice"]
        # c) the network drops
        yield Note(text=say("socketio.narration.err-drop"))
        before = alice.connects
        old_sid = alice.sid
        self.stack.cut("alice")
        yield from self.pump(
            lambda: alice.connects > before and alice.transport == "websocket",
            what=say("socketio.waiting.alice-to-reconnect"),
        )
        if alice.connects > before:
            yield Note(
                text=say(
                    "socketio.narration.err-drop-after",
                    reason=alice.disconnects[-1] if alice.disconnects else "?",
                    old=old_sid,
                    new=alice.sid,
                )
            )
            evidence.append(say("socketio.evidence.drop"))
        # d) the server sends someone away
        yield Note(text=say("socketio.narration.err-kick"))
        carol = self.clients["carol"]
        count = len(carol.disconnects)
        self.stack.call(self.sio.disconnect(self.sio.manager.sid_from_eio_sid(carol.eio_sid, "/")))
        yield from self.pump(
            lambda: len(carol.disconnects) > count,
            what=say("socketio.waiting.carol-to-be-sent-away"),
        )
        if len(carol.disconnects) > count:
            yield Note(
                text=say(
                    "socketio.narration.err-kick-after",
                    reason=carol.disconnects[-1],
                    again="is" if carol.reconnect_scheduled else "is not",
                )
            )
        yield from self._error_check(evidence)

    def outsider(self) -> Iterator[Event]:
        from netlearn.live.wsclient import PlainWebSocket

        yield from self.section("outsider", say("socketio.narration.outsider"))
        port = self.stack.add_relay("plain")
        for target, why in (
            ("/", say("socketio.narration.out-root")),
            ("/socket.io/", say("socketio.narration.out-no-eio")),
        ):
            yield Note(text=why)
            ws = PlainWebSocket("127.0.0.1", port, target)
            try:
                ws.connect()
            except OSError as exc:
                yield Note(text=say("socketio.notes.connection-failed", exc=exc), tone="warn")
            finally:
                ws.close()
            yield from self.pump(what=say("socketio.waiting.answer"))
        yield Note(text=say("socketio.narration.out-right"))
        ws = PlainWebSocket("127.0.0.1", port, "/socket.io/?EIO=4&transport=websocket")
        try:
            yield from self._speak_by_hand(ws)
        except OSError as exc:  # includes timeouts: a slow machine must not end the lesson
            gave_up = say("socketio.notes.plain-gave-up", exc=exc or type(exc).__name__)
            yield Note(text=gave_up, tone="warn")
        finally:
            ws.close()
        yield from self.pump(what=say("socketio.waiting.close"))
        yield Note(text=say("socketio.narration.outsider-after"))

    def _speak_by_hand(self, ws: Any) -> Iterator[Event]:
        if ws.connect() is not None:
            yield from self.pump(what=say("socketio.waiting.refusal"))
            return
        ws.recv()  # the open packet
        yield from self.pump(what=say("socketio.waiting.open-packet"))
        yield Note(text=say("socketio.narration.out-send-40"))
        ws.send("40")
        ws.recv()
        yield from self.pump(what=say("socketio.waiting.connect-answer"))
        yield Note(text=say("socketio.narration.out-send-event"))
        bob = self.clients["bob"]
        count = len(bob.received("chat"))
        ws.send('42["chat",{"text":"hi, typed by hand"}]')
        yield from self.pump(
            lambda: len(bob.received("chat")) > count, what=say("socketio.waiting.bob-to-get-it")
        )
        yield Note(text=say("socketio.narration.out-ping"))
        clock = self.env.clock
        deadline = clock() + self.stack.ping_interval + self.stack.ping_timeout + 2
        message: str | bytes | None = ""
        while message not in (None, "2"):
            message = ws.recv(deadline - clock())
        if message == "2":
            ws.send("3")
        yield from self.pump(what=say("socketio.waiting.pong"))
