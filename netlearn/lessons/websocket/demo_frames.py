"""The demo's frame stages: masked text, the server's push, binary, fragments, ping, close.

Each stage is a function of the `Demo` (netlearn.lessons.websocket.demo) yielding events; its
words are under `websocket.demo.*` (lessons/websocket/demo.toml).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from netlearn.content.words import items, say
from netlearn.events import Event, Note
from netlearn.lessons.websocket.demo_rig import first
from netlearn.lessons.websocket.events import SocketCall
from netlearn.lessons.websocket.frames import close_code_name, unmask_event
from netlearn.lessons.websocket.protocol import Received

if TYPE_CHECKING:
    from netlearn.lessons.websocket.demo_rig import Demo


def _yes(same: bool) -> str:
    return "yes" if same else "NO"


def stage_text(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.cproto is not None
    hello = say("websocket.demo.messages.hello")
    got = demo.deliver(wire, "client", wire.cproto.send(TextMessage(data=hello)))
    item = first(got, Received)
    assert item is not None
    frame = demo.frame(item, "client", "server", say("websocket.demo.labels.text"))
    yield frame
    yield Note(text=say("websocket.demo.notes.masked", key=frame.masking_key.hex(" ")))
    yield unmask_event(frame)
    why = say("websocket.demo.notes.why-mask") if demo.narrate else ""
    yield Note(text=say("websocket.demo.notes.wsproto-reports", events=_events(item), why=why))


def stage_push(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.sproto is not None
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.server-first"))
    news = (say("websocket.demo.messages.push-1"), say("websocket.demo.messages.push-2"))
    for n, text in enumerate(news, 1):
        got = demo.deliver(wire, "server", wire.sproto.send(TextMessage(data=text)))
        item = first(got, Received)
        assert item is not None
        label = say("websocket.demo.labels.push", n=n)
        yield demo.frame(item, "server", "client", label, detail=n == 1)
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.not-masked"), tone="tip")


def stage_binary(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.cproto is not None
    data = bytes((i * 7 + 3) % 256 for i in range(300))
    got = demo.deliver(wire, "client", wire.cproto.send(BytesMessage(data=data)))
    item = first(got, Received)
    assert item is not None
    frame = demo.frame(item, "client", "server", say("websocket.demo.labels.binary"))
    yield frame
    yield unmask_event(frame, shown=8)
    back = _events_data(item)
    yield Note(text=say("websocket.demo.notes.binary", count=len(back), same=_yes(back == data)))


def stage_fragments(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.sproto is not None
    parts = items("websocket.demo.messages.fragments")
    received = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        got = demo.deliver(
            wire, "server", wire.sproto.send(TextMessage(data=part, message_finished=last))
        )
        item = first(got, Received)
        assert item is not None
        received.append(item)
        label = say("websocket.demo.labels.fragment", n=i + 1, total=len(parts))
        yield demo.frame(item, "server", "client", label)
    whole = "".join(str(_events_data(r)) for r in received)
    if not demo.narrate:
        yield Note(text=say("websocket.demo.notes.joined", whole=whole))
        return
    yield Note(text=say("websocket.demo.notes.fragments", whole=whole))


def stage_ping(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.sproto is not None and wire.cproto is not None
    payload = say("websocket.demo.messages.ping").encode()
    got = demo.deliver(wire, "server", wire.sproto.send(Ping(payload=payload)))
    item = first(got, Received)
    assert item is not None
    yield demo.frame(item, "server", "client", say("websocket.demo.labels.ping"))
    ping = next(e for e in item.events if isinstance(e, Ping))
    got = demo.deliver(wire, "client", wire.cproto.send(ping.response()))
    item = first(got, Received)
    assert item is not None
    yield demo.frame(item, "client", "server", say("websocket.demo.labels.pong"))
    pong = next((e for e in item.events if isinstance(e, Pong)), None)
    same = _yes(pong is not None and pong.payload == payload)
    if not demo.narrate:
        yield Note(text=say("websocket.demo.notes.pong-payload", same=same))
        return
    yield Note(text=say("websocket.demo.notes.ping", same=same))


def stage_close(demo: Demo) -> Iterator[Event]:

    wire = demo.open_wire()
    assert wire.sproto is not None and wire.cproto is not None
    got = demo.deliver(wire, "client", wire.cproto.send(CloseConnection(code=1000, reason="bye")))
    item = first(got, Received)
    assert item is not None
    yield demo.frame(item, "client", "server", say("websocket.demo.labels.client-close"))
    close = next(e for e in item.events if isinstance(e, CloseConnection))
    got = demo.deliver(wire, "server", wire.sproto.send(close.response()))
    item = first(got, Received)
    assert item is not None
    yield demo.frame(item, "server", "client", say("websocket.demo.labels.server-close"))
    if demo.narrate:
        yield Note(text=say("websocket.demo.notes.close", name=close_code_name(1000)))
    else:
        yield Note(text=say("websocket.demo.notes.close-echo"))
    wire.close("server")
    meaning = say("websocket.demo.sockets.close-meaning")
    yield SocketCall(t=demo.t(), side="server", call="close()", result="FIN sent", meaning=meaning)
    got = wire.pump("client")
    yield SocketCall(
        t=demo.t(),
        side="client",
        call="recv()",
        result=say("websocket.demo.sockets.recv-eof") if got.eof else repr(got.data[:20]),
        meaning=say("websocket.demo.sockets.recv-meaning"),
    )
    wire.close("client")
    yield SocketCall(t=demo.t(), side="client", call="close()", result="FIN sent")
    if demo.capture is not None:
        yield Note(text=say("websocket.demo.notes.captured-close"))
        yield from demo.segments(
            until=lambda s: "F" in getattr(s, "flags", "") and s.src == "client",
            start=lambda s: "F" in getattr(s, "flags", ""),
        )
    demo.wire = None


def _events(item: Received) -> str:
    return ", ".join(type(e).__name__ + _short_data(e) for e in item.events) or "nothing yet"


def _short_data(event: object) -> str:
    data = getattr(event, "data", None)
    if isinstance(data, str):
        return f"(data={data!r})"
    if isinstance(data, bytes | bytearray):
        return f"(data=<{len(data)} bytes>)"
    return ""


def _events_data(item: Received) -> bytes | str:
    for event in item.events:
        data = getattr(event, "data", None)
        if data is not None:
            return data  # type: ignore[no-any-return]
    return b""
