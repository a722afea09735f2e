"""The guided demo: a wsproto server and a client over real sockets on 127.0.0.1, step by step.

Both ends live in one process and one thread (this one, or a child in a private network
namespace when this one may not capture: `netlearn.netns`). The client writes its upgrade
request with h11 (so that its Sec-WebSocket-Key comes from `env.rng`); the server hands the
request to wsproto, which checks it and writes the 101 response; from then on both ends speak
frames through wsproto.
Each stage is a generator of events; the network work of a stage happens only when its events
are pulled, so on a terminal the learner's key press really is what sends the next bytes.
Every frame and HTTP message shown is the bytes `recv()` returned on the receiving end.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

from wsproto.events import (
    BytesMessage,
    CloseConnection,
    Ping,
    Pong,
    TextMessage,
)

import netlearn.lessons.websocket.render  # noqa: F401  (registers the drawing of this lesson's events)
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note, Progress, Title
from netlearn.lessons.websocket.events import AcceptProof, SocketCall, WsFrame
from netlearn.lessons.websocket.frames import close_code_name, frame_event, unmask_event
from netlearn.lessons.websocket.handshake import GUID, accept_stages, http_event, new_key
from netlearn.lessons.websocket.live import LiveRig, Pumped, Wire
from netlearn.lessons.websocket.protocol import (
    ClientConnection,
    Failure,
    Received,
    RequestIn,
    ResponseIn,
    ServerConnection,
    standard_headers,
)

ENDPOINT = "/chat"
MAX_MESSAGE = 64 * 1024  # the demo server's limit; the "too big" case sends one byte more
CAPTURE_WAIT = 2.0


class Demo:
    """The live pair and everything the stages share."""

    def __init__(self, env: Env, *, narrate: bool = True) -> None:
        # `narrate`: the standalone demo explains each header field and stage itself; inside a
        # lesson the lesson's text does, so the scenes stay short.
        self.env = env
        self.narrate = narrate
        self.rig = LiveRig()
        self.stack = contextlib.ExitStack()
        self.t0 = env.clock()
        self.capture: Any = None  # a netlearn.live.capture.LiveCapture, when allowed
        self.capture_reason = ""
        self.seen_segments = 0
        self.wire: Wire | None = None
        self.key = ""
        self.pending_response: tuple[bytes, str] = (b"", "")  # the 101 as read, and its accept
        self.explained = not narrate
        # The payload so far of a fragmented message each side is receiving (its UTF-8 is
        # checked across fragments, RFC 6455 section 5.6).
        self.fragments: dict[str, bytes] = {}
        self.failed_once = False  # the failing-a-connection note is shown once

    # ------------------------------------------------------------ plumbing

    def t(self) -> float:
        return round(self.env.clock() - self.t0, 6)

    def close(self) -> None:
        self.stack.close()
        self.rig.close()

    def host(self) -> str:
        return f"127.0.0.1:{self.rig.port}"

    def start_capture(self) -> None:
        """Capture the demo's TCP segments when this process may (lazily; never required)."""
        try:
            from netlearn.live.capture import LiveCapture, can_capture
        except ImportError:
            self.capture_reason = "this netlearn has no live capture module"
            return
        try:
            ok, reason = can_capture("lo")
            if not ok:
                self.capture_reason = reason
                return
            self.capture = self.stack.enter_context(LiveCapture(self.rig.port, iface="lo"))
        except (NetlearnError, OSError) as exc:
            self.capture_reason = str(exc)
            self.capture = None

    def segments(
        self,
        until: Callable[[object], bool] | None = None,
        start: Callable[[object], bool] | None = None,
    ) -> Iterator[Event]:
        """The captured segments not shown yet (after waiting for `until`, if given), from the
        first one that satisfies `start` (if given) on."""
        cap = self.capture
        if cap is None:
            return
        if until is not None:
            cap.wait_for(until, timeout=CAPTURE_WAIT)
        new = cap.segments()[self.seen_segments :]
        self.seen_segments += len(new)
        if start is not None:
            first = next((i for i, s in enumerate(new) if start(s)), len(new))
            new = new[first:]
        if not new:
            return
        if _tcp_drawing():
            yield from new
        else:
            lines = [_segment_line(s) for s in new]
            yield Note(text="```\n" + "\n".join(lines) + "\n```")

    def skip_segments(self) -> None:
        if self.capture is not None:
            self.seen_segments = len(self.capture.segments())

    def frame(
        self, item: Received, src: str, dst: str, label: str = "", detail: bool = True
    ) -> WsFrame:
        """The frame as `dst` read it; the first one drawn also explains every field."""
        explain = detail and not self.explained
        self.explained = self.explained or explain
        head = item.head
        prefix = self.fragments.get(dst) if head.opcode == 0 else None
        if head.opcode in (1, 2) and not head.fin:
            self.fragments[dst] = b""
        event = frame_event(
            item.raw,
            src=src,
            dst=dst,
            label=label,
            detail=detail,
            message=item.message,
            t=self.t(),
            explain=explain,
            prefix=prefix,
        )
        if dst in self.fragments and (head.opcode in (0, 1, 2)):
            if head.fin:
                del self.fragments[dst]
            else:
                self.fragments[dst] += event.payload
        return event

    def deliver(self, wire: Wire, src: str, data: bytes) -> Pumped:
        """`src` sends `data`; the other end reads until its protocol object has something."""
        wire.send(src, data)
        dst = "server" if src == "client" else "client"
        got = wire.pump(dst)
        return got

    def handshake(self, wire: Wire, quiet: bool = False) -> Iterator[Event]:
        """The opening handshake on `wire` (used quietly before the later stages)."""
        nonce, key = new_key(self.env.rng)
        self.key = key
        wire.cproto = ClientConnection(self.host(), ENDPOINT, key=key, max_message=MAX_MESSAGE)
        wire.sproto = ServerConnection(endpoints=(ENDPOINT,), max_message=MAX_MESSAGE)
        request = wire.cproto.request()
        got = self.deliver(wire, "client", request)
        req = _first(got, RequestIn)
        if req is None or req.upgrade is None:
            raise NetlearnError("the demo server did not accept the demo client's handshake")
        if not quiet:
            yield Note(
                text="The client picks **16 random bytes** for this connection (RFC 6455 "
                "section 4.1, item 7: a fresh nonce every time) and base64-encodes them: "
                f"`{nonce.hex(' ')}` becomes `{key}`.",
            )
            yield http_event(got.data, "client", "server", "the upgrade request", self.t())
            yield from self.segments(lambda s: getattr(s, "payload_len", 0) > 0)
            yield Note(
                text="On the server, wsproto checks the request against RFC 6455 section "
                "4.2.1: a GET over HTTP/1.1, Host, `Upgrade: websocket`, `Connection: Upgrade`, "
                "a key of 16 bytes, version 13. Everything is there, so it can accept.",
            )
        response, early = wire.sproto.accept()
        got = self.deliver(wire, "server", response)
        resp = _first(got, ResponseIn)
        if resp is None or not resp.accepted:
            raise NetlearnError("the demo client refused the demo server's 101 response")
        if not quiet:
            stages = accept_stages(key)
            if self.narrate:  # a lesson's next step explains the proof
                yield Note(
                    text="Before it answers, the server proves it understood: it glues the key "
                    "to a fixed GUID that RFC 6455 defines, hashes that with SHA-1, and "
                    "base64-encodes the 20-byte digest.",
                )
            yield AcceptProof(
                t=self.t(),
                key=key,
                guid=GUID,
                joined=stages.joined,
                digest=stages.digest,
                accept=stages.accept,
                key_bytes=nonce,
            )
            if self.narrate:
                yield Note(
                    text="Only a program that read this request *as a WebSocket handshake* can "
                    "produce that value. So the client knows the server really speaks "
                    "WebSocket, and a server that checks the handshake never accepts a "
                    "connection that is not a WebSocket one, such as a request a hostile page "
                    "crafts with XMLHttpRequest or a form (RFC 6455 section 1.3). It is not a "
                    "password or encryption: anyone can compute it. Security comes from TLS "
                    "(`wss://`) and from the server checking `Origin`.",
                )
            self.pending_response = (got.data, stages.accept)
        else:
            self.skip_segments()
        assert not early  # the client sends nothing before it has read the 101

    # ------------------------------------------------------------ stages

    def stage_connect(self) -> Iterator[Event]:
        port = self.rig.listen()
        if self.narrate:
            yield Note(
                text="A WebSocket is not a new kind of network connection. It is an ordinary "
                "**TCP connection** on which both sides first speak HTTP/1.1, then agree to "
                "switch to WebSocket *frames*. So it begins like every TCP connection.",
            )
        yield SocketCall(
            t=self.t(),
            side="server",
            call="socket(AF_INET, SOCK_STREAM); bind(('127.0.0.1', 0)); listen()",
            result=f"listening on 127.0.0.1:{port}",
            meaning=f"port 0 asks the kernel for any free port: this run got {port}",
        )
        self.start_capture()
        wire = self.rig.connect()
        self.wire = wire
        cport = wire.client_addr[1]
        yield SocketCall(
            t=self.t(),
            side="client",
            call=f"socket(AF_INET, SOCK_STREAM); connect(('127.0.0.1', {port}))",
            result=f"connected from 127.0.0.1:{cport}",
            meaning="connect() returns once TCP's three-way handshake is done",
        )
        yield SocketCall(
            t=self.t(),
            side="server",
            call="accept()",
            result=f"a new socket for 127.0.0.1:{cport}",
            meaning="the listening socket hands over the connection; it keeps listening",
        )
        if self.capture is not None:
            yield Note(text="Captured live on the loopback interface, the segments that did it:")
            yield from self.segments(lambda s: getattr(s, "flags", "") == "A")
            yield Note(
                text="SYN, SYN-ACK, ACK: TCP's three-way handshake (RFC 9293 section 3.5). "
                "Everything that follows rides inside this one connection.",
            )
        else:
            yield Note(
                text="connect() and accept() just made TCP exchange three segments, SYN, "
                "SYN-ACK and ACK. Seeing them live needs the right to capture packets "
                f"({self.capture_reason.rstrip('.')}); `netlearn learn tcp` shows them.",
                tone="tip",
            )

    def quiet_connect(self) -> Iterator[Event]:
        """The TCP connection, made without showing it (a lesson step showed it already)."""
        for _ in self.stage_connect():
            pass
        self.skip_segments()
        return iter(())

    def stage_upgrade(self) -> Iterator[Event]:
        assert self.wire is not None
        yield from self.handshake(self.wire)

    def stage_switch(self) -> Iterator[Event]:
        data, accept = self.pending_response
        yield http_event(data, "server", "client", "the answer: 101 Switching Protocols", self.t())
        yield Note(
            text="The client checks the answer as RFC 6455 section 4.1 says it must: status "
            "101, `Upgrade: websocket`, `Connection: Upgrade`, and a Sec-WebSocket-Accept equal "
            f"to its own computation: `{accept}` = `{accept}` ✓. Had anything been wrong, it "
            "would close the connection.",
        )
        if self.narrate:  # a lesson's text says it
            yield Note(
                text="From the blank line that ends this response, **nobody speaks HTTP on this "
                "connection any more**. Same TCP connection, same two ports: every byte from now "
                "on is part of a WebSocket *frame*, and either side may send one at any time.",
                tone="tip",
            )

    def stage_text(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.cproto is not None
        got = self.deliver(wire, "client", wire.cproto.send(TextMessage(data="Hello, server!")))
        item = _first(got, Received)
        assert item is not None
        frame = self.frame(
            item, "client", "server", "The client's text frame, as the server read it"
        )
        yield frame
        yield Note(
            text="Every frame the client sends is **masked**: the client picks 4 random bytes "
            "(the masking key, here "
            f"`{frame.masking_key.hex(' ')}`), puts them in the header, and XORs the payload "
            "with them (RFC 6455 section 5.3). The server undoes it:",
        )
        yield unmask_event(frame)
        why = (
            "Why mask at all? Not for secrecy (the key travels in the frame). A browser lets "
            "any page's script choose the bytes it sends; without masking, a script could make "
            "its frames look like HTTP to an old proxy in the path and poison its cache (RFC "
            "6455 section 10.3). With a fresh random key per frame, the script cannot predict "
            "the bytes on the wire. "
            if self.narrate
            else ""
        )
        yield Note(
            text=f"wsproto on the server reports: `{_events(item)}`. {why}wsproto draws the "
            "keys from the operating system's random source, so they change on every run even "
            "with `--seed`.",
        )

    def stage_push(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.sproto is not None
        if self.narrate:
            yield Note(
                text="Now the server talks first. The client has not asked for anything: there "
                "is no request to answer, yet the server sends whenever it has news.",
            )
        for n, text in enumerate(
            ("News: the server speaks first.", "More news, still unasked."), 1
        ):
            got = self.deliver(wire, "server", wire.sproto.send(TextMessage(data=text)))
            item = _first(got, Received)
            assert item is not None
            yield self.frame(item, "server", "client", f"Push {n}", detail=n == 1)
        if self.narrate:
            yield Note(
                text="Server frames are **not masked** (MASK = 0): a server must never mask "
                "(RFC 6455 section 5.1). This is the point of WebSockets: the server sends "
                "content to the client without first receiving a **request** from it. With plain "
                "HTTP the server can only ever answer.",
                tone="tip",
            )

    def stage_binary(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.cproto is not None
        data = bytes((i * 7 + 3) % 256 for i in range(300))
        got = self.deliver(wire, "client", wire.cproto.send(BytesMessage(data=data)))
        item = _first(got, Received)
        assert item is not None
        frame = self.frame(item, "client", "server", "A binary message of 300 bytes")
        yield frame
        yield unmask_event(frame, shown=8)
        yield Note(
            text="Opcode 2 means *binary*: raw bytes, with no UTF-8 check. 300 does not fit in "
            "the 7-bit length field (at most 125), so the field says **126** and the real "
            "length follows in 16 bits (`ext_len16` = 300). Payloads of 65536 bytes or more "
            "use **127** and a 64-bit length (RFC 6455 section 5.2). The receiver got "
            f"{len(_events_data(item))} bytes back, identical: "
            f"{'yes' if _events_data(item) == data else 'NO'}.",
        )

    def stage_fragments(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.sproto is not None
        parts = ("Hello, ", "fragmented ", "world!")
        received = []
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            got = self.deliver(
                wire, "server", wire.sproto.send(TextMessage(data=part, message_finished=last))
            )
            item = _first(got, Received)
            assert item is not None
            received.append(item)
            yield self.frame(item, "server", "client", f"Fragment {i + 1} of {len(parts)}")
        whole = "".join(str(_events_data(r)) for r in received)
        if not self.narrate:
            yield Note(text=f'The client joins the three fragments into one message: "{whole}".')
            return
        yield Note(
            text="One message, three frames (RFC 6455 section 5.4): the first carries the "
            "message's type (opcode 1, text) with FIN = 0; the next ones are *continuation* "
            "frames (opcode 0); the last has FIN = 1. The client joins them: "
            f'"{whole}". A sender fragments when it does not know the whole message yet '
            "(streaming), or to let a control frame such as a ping through in the middle of a "
            "long message: control frames may come between fragments (and are never fragmented "
            "themselves).",
        )

    def stage_ping(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.sproto is not None and wire.cproto is not None
        got = self.deliver(wire, "server", wire.sproto.send(Ping(payload=b"are you there?")))
        item = _first(got, Received)
        assert item is not None
        yield self.frame(item, "server", "client", "Ping")
        ping = next(e for e in item.events if isinstance(e, Ping))
        got = self.deliver(wire, "client", wire.cproto.send(ping.response()))
        item = _first(got, Received)
        assert item is not None
        yield self.frame(item, "client", "server", "Pong, sent back at once by the client")
        pong = next((e for e in item.events if isinstance(e, Pong)), None)
        same = pong is not None and pong.payload == b"are you there?"
        if not self.narrate:
            yield Note(text=f"The pong carries the ping's payload: {'yes' if same else 'NO'}.")
            return
        yield Note(
            text="A ping (opcode 9) asks 'are you still there?'; the receiver must answer with "
            "a pong (opcode 10) carrying the same payload (RFC 6455 sections 5.5.2 and 5.5.3): "
            f"same payload here: {'yes' if same else 'NO'}. Either side may ping. Servers use "
            "it as a keep-alive: it notices a peer that vanished without closing, and its "
            "traffic keeps firewalls and NAT boxes from forgetting an idle connection. Browsers "
            "answer pings by themselves; page scripts cannot send them.",
        )

    def stage_close(self) -> Iterator[Event]:
        wire = self._open_wire()
        assert wire.sproto is not None and wire.cproto is not None
        got = self.deliver(
            wire, "client", wire.cproto.send(CloseConnection(code=1000, reason="bye"))
        )
        item = _first(got, Received)
        assert item is not None
        yield self.frame(item, "client", "server", "The client's close frame")
        close = next(e for e in item.events if isinstance(e, CloseConnection))
        got = self.deliver(wire, "server", wire.sproto.send(close.response()))
        item = _first(got, Received)
        assert item is not None
        yield self.frame(item, "server", "client", "The server's close frame in reply")
        if self.narrate:
            yield Note(
                text="Closing is a handshake too (RFC 6455 section 7): one side sends a close "
                "frame (opcode 8) with a 2-byte status code and an optional UTF-8 reason, here "
                f"1000, *{close_code_name(1000)}*, and 'bye'; the other answers with a close "
                "frame of its own. After that, no more frames. Then TCP closes, and the server "
                "closes first (section 7.1.1), so that TCP's TIME-WAIT state, which keeps the "
                "port pair reserved for a while, stays on the server and the client can "
                "reconnect at once.",
            )
        else:
            yield Note(
                text="The reply echoes the status code it received, as endpoints typically do "
                "(RFC 6455 section 5.5.1).",
            )
        wire.close("server")
        yield SocketCall(
            t=self.t(), side="server", call="close()", result="FIN sent", meaning="no more data"
        )
        got = wire.pump("client")
        yield SocketCall(
            t=self.t(),
            side="client",
            call="recv()",
            result="b'' (end of stream)" if got.eof else repr(got.data[:20]),
            meaning="an empty read is how a program learns the peer sent FIN",
        )
        wire.close("client")
        yield SocketCall(t=self.t(), side="client", call="close()", result="FIN sent")
        if self.capture is not None:
            yield Note(text="Captured live, the segments that closed the TCP connection:")
            yield from self.segments(
                until=lambda s: "F" in getattr(s, "flags", "") and s.src == "client",
                start=lambda s: "F" in getattr(s, "flags", ""),
            )
        self.wire = None

    # ------------------------------------------------------------ failures

    def _fresh(self) -> Wire:
        wire = self.rig.connect()
        _, key = new_key(self.env.rng)
        wire.cproto = ClientConnection(self.host(), ENDPOINT, key=key)
        wire.sproto = ServerConnection(endpoints=(ENDPOINT,), max_message=MAX_MESSAGE)
        return wire

    def _bad_handshake(
        self, headers: list[tuple[str, str]], label: str, keep: tuple[str, ...] = ()
    ) -> Iterator[Event]:
        wire = self._fresh()
        assert wire.cproto is not None and wire.sproto is not None
        wire.cproto.headers = headers
        got = self.deliver(wire, "client", wire.cproto.request())
        request = http_event(got.data, "client", "server", label, self.t())
        if not self.narrate:  # the lesson explained every header already: show what differs
            request = dataclasses.replace(
                request,
                headers=tuple(
                    h if h.name.lower() in keep else dataclasses.replace(h, meaning="")
                    for h in request.headers
                ),
                start_meaning="",
            )
        yield request
        req = _first(got, RequestIn)
        assert req is not None and req.refusal is not None
        answer = self.deliver(wire, "server", wire.sproto.refuse(req.refusal))
        refusal = http_event(answer.data, "server", "client", "the server refuses", self.t())
        if not self.narrate:
            refusal = dataclasses.replace(
                refusal,
                headers=tuple(
                    h if h.name.lower() in keep else dataclasses.replace(h, meaning="")
                    for h in refusal.headers
                ),
            )
        yield refusal
        wire.close("server")
        wire.close("client")

    def _bad_frame(self, data: bytes, label: str, big: bool = False) -> Iterator[Event]:
        wire = self._fresh()
        for _ in self.handshake(wire, quiet=True):
            pass
        assert wire.sproto is not None
        wire.send("client", data)
        got = wire.pump("server")
        failure = _first(got, Failure)
        item = _first(got, Received)
        if item is not None:
            yield self.frame(item, "client", "server", label)
        elif big:
            yield frame_event(
                data,
                src="client",
                dst="server",
                label=label,
                t=self.t(),
                partial=True,
                explain=self.narrate,
            )
            yield Note(
                text=f"(Only the {_header_len(data)}-byte header is drawn: it announces "
                f"{len(data) - _header_len(data)} payload bytes, and that is enough for the "
                "server to decide. It stops there and never collects the payload.)"
            )
        assert failure is not None
        yield Note(
            text=f"The server fails the connection with close code **{failure.code}** "
            f'(*{close_code_name(failure.code)}*). Its reason: "{failure.reason}" '
            f"(RFC 6455 {_sections(failure.section)}).",
            tone="warn",
        )
        wire.send("server", wire.sproto.fail(failure))
        wire.shutdown("server")
        got = wire.pump("client")
        reply = _first(got, Received)
        if reply is not None:
            yield self.frame(
                reply, "server", "client", "The server's close frame", detail=self.narrate
            )
            close = next((e for e in reply.events if isinstance(e, CloseConnection)), None)
            if close is not None and wire.cproto is not None:
                with contextlib.suppress(OSError):
                    wire.send("client", wire.cproto.send(close.response()))
        wire.close("client")
        wire.read_to_eof("server", timeout=2.0)
        wire.close("server")
        if self.failed_once:
            return
        self.failed_once = True
        yield Note(
            text="The server sent its close frame and TCP's FIN at once: after failing a "
            "connection it processes nothing more from it (RFC 6455 section 7.1.7); it only "
            "reads and drops what still arrives until the client closes, so that closing does "
            "not turn into a TCP reset that could destroy the close frame on its way. The "
            "client answers with its own close frame, and both sides close the connection. "
            "The next cases end the same way.",
        )

    def stage_failures(self) -> Iterator[Event]:
        yield from self.stage_handshake_failures()
        yield from self.stage_frame_failures()

    def _failures_intro(self, what: str) -> Iterator[Event]:
        if self.rig.listener is not None:
            return
        self.rig.listen()
        yield Note(
            text="Each case below runs on a fresh TCP connection to the same server (started "
            f"for this step on port {self.rig.port}). The broken {what} built by hand: "
            "wsproto, like any correct library, refuses to send them.",
        )

    def stage_handshake_failures(self) -> Iterator[Event]:
        what = "requests and frames are" if self.narrate else "requests are"
        yield from self._failures_intro(what)
        key = base64.b64encode(self.env.rng.randbytes(16)).decode()
        yield Title(text="1. A request without the Upgrade header")
        headers = [h for h in standard_headers(self.host(), key) if h[0] != "Upgrade"]
        yield from self._bad_handshake(headers, "an upgrade request with no Upgrade header")
        if self.narrate:
            yield Note(
                text="Without `Upgrade: websocket` this is not a WebSocket handshake, so the "
                "server answers **400 Bad Request** and says why (RFC 6455 section 4.2.1, item 3).",
                tone="warn",
            )
        yield Title(text="2. A version the server does not speak")
        headers = standard_headers(self.host(), key, version="8")
        yield from self._bad_handshake(
            headers,
            "an upgrade request for version 8",
            keep=("sec-websocket-version", "upgrade", "connection"),
        )
        if self.narrate:
            yield Note(
                text="Version 8 was a draft. The server answers **426 Upgrade Required** with a "
                "`Sec-WebSocket-Version: 13` header listing the versions it does speak, so the "
                "client can retry with one of them (RFC 6455 sections 4.2.2 and 4.4), and with "
                "`Upgrade: websocket`, which every 426 must carry (RFC 9110 section 15.5.22).",
                tone="warn",
            )

    def stage_frame_failures(self) -> Iterator[Event]:
        from netlearn.packets.websocket import ws_frame

        yield from self._failures_intro("frames are")
        yield Title(text="3. A client frame without a mask")
        yield from self._bad_frame(bytes(ws_frame(b"Hello")), "An unmasked client frame")
        if self.narrate:
            yield Note(
                text="A server must close the connection on an unmasked frame from a client "
                "(RFC 6455 section 5.1), with 1002, *protocol error*.",
            )
        yield Title(text="4. Invalid UTF-8 in a text frame")
        key4 = self.env.rng.randbytes(4)
        yield from self._bad_frame(
            bytes(ws_frame(b"caf\xc3\x28", masking_key=key4)), "Text that is not UTF-8"
        )
        if self.narrate:
            yield Note(
                text="Text frames must carry UTF-8 (RFC 6455 section 5.6); `c3 28` is not (0xc3 "
                "starts a 2-byte character, and 0x28 cannot continue one). The receiver must "
                "fail the connection (section 8.1), with 1007, *invalid frame payload data*.",
            )
        else:  # the lesson's text gave the rule: say only why these bytes break it
            yield Note(
                text="`c3 28` is not UTF-8: 0xc3 starts a 2-byte character, and 0x28 cannot "
                "continue one."
            )
        yield Title(text="5. A message over the size limit")
        big = bytes(ws_frame(b"\x00" * (MAX_MESSAGE + 1), opcode=2, masking_key=key4))
        yield from self._bad_frame(big, f"A {MAX_MESSAGE + 1}-byte binary message", big=True)
        if not self.narrate:  # the lesson's text says why the header is enough
            return
        yield Note(
            text=f"This server accepts messages up to {MAX_MESSAGE} bytes. RFC 6455 section "
            "10.4 requires an endpoint to protect itself from messages beyond its limits; 1009, "
            "*message too big*, tells the peer why (section 7.4.1). Checking the announced "
            "length first means a hostile client cannot make the server store gigabytes.",
        )

    def stage_compare(self) -> Iterator[Event]:
        from netlearn.lessons.websocket.scenes import compare

        yield from compare(self.env)

    def _open_wire(self) -> Wire:
        """The main connection, connected and upgraded (quietly, if an earlier stage did not)."""
        if self.wire is None:
            if self.rig.listener is None:
                self.rig.listen()
            self.wire = self.rig.connect()
            for _ in self.handshake(self.wire, quiet=True):
                pass
        return self.wire


def _first(got: Pumped, kind: type):  # type: ignore[no-untyped-def]
    return next((i for i in got.items if isinstance(i, kind)), None)


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


def _sections(text: str) -> str:
    return ("sections " if " and " in text else "section ") + text


def _header_len(frame: bytes) -> int:
    from netlearn.lessons.websocket.frames import parse_head

    head = parse_head(frame)
    assert head is not None
    return head.header_len


def _tcp_drawing() -> bool:
    """True when the TCP lesson's renderer for Segment events is installed."""
    try:
        import netlearn.render.tcp  # noqa: F401
    except ImportError:
        return False
    return True


def _segment_line(seg: Any) -> str:
    """One captured segment as a line, when the TCP lesson's renderer is not installed."""
    return (
        f"{seg.src:>6} -> {seg.dst:<6} [{seg.flags}] seq={seg.rel_seq} ack={seg.rel_ack} "
        f"len={seg.payload_len}"
    )


STAGES: tuple[tuple[str, str, str], ...] = (
    ("connect", "The TCP connection underneath", "stage_connect"),
    ("upgrade", "The upgrade request, and the server's proof", "stage_upgrade"),
    ("switch", "101 Switching Protocols", "stage_switch"),
    ("text", "A text frame from the client, masked", "stage_text"),
    ("push", "The server pushes, unasked", "stage_push"),
    ("binary", "Binary data, and a longer length", "stage_binary"),
    ("fragments", "One message in several frames", "stage_fragments"),
    ("ping", "Ping and pong", "stage_ping"),
    ("close", "Closing: two close frames, then TCP's FIN", "stage_close"),
    ("failures", "What goes wrong, live", "stage_failures"),
    ("compare", "WebSocket, polling, long-polling or server-sent events?", "stage_compare"),
)


def run(env: Env) -> Iterator[Event]:
    """The whole guided demo: a Progress event before each stage, sockets closed at the end."""
    from netlearn import netns

    demo = Demo(env)
    try:
        where = (
            "in a child process of netlearn, inside a private network namespace of its own"
            if netns.inside()
            else "in this process"
        )
        yield Title(
            text="WebSocket, live",
            subtitle=f"A server and a client {where}, talking over a real TCP "
            "connection on 127.0.0.1. Every byte shown crossed that connection.",
        )
        for index, (step_id, title, method) in enumerate(STAGES):
            yield Progress(
                t=demo.t(),
                lesson="websocket-demo",
                step_id=step_id,
                index=index,
                total=len(STAGES),
                title=title,
            )
            yield from getattr(demo, method)()
    finally:
        demo.close()


PARTS = {
    "connect": ("stage_connect",),
    "upgrade": ("quiet_connect", "stage_upgrade", "stage_switch"),
    "text": ("stage_text",),
    "push": ("stage_push",),
    "binary": ("stage_binary",),
    "fragments": ("stage_fragments",),
    "ping": ("stage_ping",),
    "close": ("stage_close",),
    "failures": ("stage_failures",),
    "handshake-failures": ("stage_handshake_failures",),
    "frame-failures": ("stage_frame_failures",),
}


def scene(env: Env, part: str = "upgrade") -> Iterator[Event]:
    """One part of the demo for a lesson step, on its own live connection."""
    if part not in PARTS:
        raise NetlearnError(f"unknown demo part {part!r}; choose one of {', '.join(PARTS)}")
    demo = Demo(env, narrate=False)
    try:
        if part not in ("connect", "upgrade") and not part.endswith("failures"):
            port = demo.rig.listen()
            yield Note(
                text=f"A fresh run: this step starts its own server, this time on port {port}, "
                "and opens a new connection to it"
                + ", upgraded before what you see"
                + ". Each live step is a connection of its own, so that any step can be "
                "replayed alone; the bytes are the same as if it were one long connection.",
            )
        for method in PARTS[part]:
            yield from getattr(demo, method)()
        if demo.wire is not None:
            demo.wire.close("server")
            demo.wire.close("client")
    finally:
        demo.close()
