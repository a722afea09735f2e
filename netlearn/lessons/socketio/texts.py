"""The words of the Socket.IO demo, kept apart from the code that makes things happen.

Protocol facts cite the Engine.IO protocol v4 and the Socket.IO protocol v5 specifications
(github.com/socketio/engine.io-protocol and github.com/socketio/socket.io-protocol) and RFC 6455
(The WebSocket Protocol).
"""

from __future__ import annotations

from netlearn.events import Table
from netlearn.lessons.socketio.events import CodePair

INTRO = """\
**Socket.IO** is a library, in two halves: a server (here python-socketio) and a client (in a
browser, socket.io-client; here python-socketio's `socketio.Client`). The two halves talk their
own protocol, in two layers: **Engine.IO** keeps a connection alive over a WebSocket or, when
that is not possible, over plain HTTP requests (*long-polling*); **Socket.IO** adds named events,
answers (*acknowledgements*), rooms and namespaces on top. Below, three clients, **alice**,
**bob** and **carol**, connect to one server, and every packet is shown as it crosses."""

HANDSHAKE = """\
A new session starts with an ordinary HTTP request, `GET /socket.io/?EIO=4&transport=polling`
(`EIO=4`: Engine.IO protocol version 4). The server answers with the **open packet**: `0`
followed by JSON with the session id (`sid`), the transports the client may upgrade to, how
often the server will ping (`pingInterval`, ms), how long it waits for the answer
(`pingTimeout`, ms) and the largest body it accepts (`maxPayload`, bytes). Then the client opens
a WebSocket with the same `sid`, tests it with `2probe` (the server says `3probe`) and moves
onto it with `5` (upgrade). Socket.IO starts once the session is open (python-socketio's client
waits for the upgrade; a browser often starts while still polling): `40` asks to join the main
namespace `/`, and `40{"sid":...}` says yes."""

HANDSHAKE_AFTER = """\
Read alice's lines from the top: an HTTP handshake, the `101 Switching Protocols` that turns
her second connection into a WebSocket (RFC 6455, section 4), the probe, the upgrade, and the
Socket.IO join. Two different ids appear: the Engine.IO session id (in the open packet, for the
connection) and the Socket.IO socket id (in `40{"sid":...}`, for this namespace). The first
character of every packet is its **Engine.IO type**: 0 open, 1 close, 2 ping, 3 pong,
4 message, 5 upgrade, 6 noop. A `4` carries a Socket.IO packet, whose own first character is
its **Socket.IO type**: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK, 4 CONNECT_ERROR,
5 BINARY_EVENT, 6 BINARY_ACK. So `40` is "message: CONNECT"."""

BOB_WEBSOCKET = """\
**bob** is told to use only the WebSocket transport, as many apps do (`transports:
["websocket"]` in JavaScript): no polling, so the very first request is the WebSocket upgrade and
the open packet comes in the first frame, with `"upgrades":[]` (nothing left to upgrade to)."""

CAROL_POLLING = """\
**carol** uses only HTTP long-polling: what happens where WebSockets are blocked (some proxies
and firewalls). She sends packets in `POST` bodies and receives them in the bodies of `GET`
requests that the server holds open until it has something to send: *long* polls. Several
packets in one body are separated by the record-separator character `\\x1e`."""

EVENTS = """\
An **event** is a name plus any JSON arguments: `42["echo",{"text":"are you there?"}]` is
Engine.IO `4` (message), Socket.IO `2` (EVENT), then a JSON array whose first element is the
name. A number between the type and the array is an **ack id**: the sender wants an answer, and
the receiver must send back an ACK (`3`) with the same id. In JavaScript you ask for one by
passing a function as the last argument of `emit`; in python-socketio with `callback=` or
`call()`, and the server's handler simply returns the answer."""

EVENTS_AFTER = """\
alice's `421["echo",...]` carried ack id 1; the server's `echo` handler returned its argument,
and python-socketio sent it back as `431[...]`: ACK, id 1. alice's callback got `{answer}`.
Nothing in WebSocket itself does this: a WebSocket message has no name, and no answer is ever
owed. Socket.IO built both out of a type digit, a counter and JSON."""

BINARY = """\
JSON cannot hold raw bytes, so an event with bytes in it becomes a **BINARY_EVENT**: the JSON
keeps a placeholder `{"_placeholder":true,"num":0}`, the count of attachments is written before
a dash (`451-`), and each attachment follows as its own binary WebSocket frame. alice now echoes
four bytes."""

TARGETS = """\
On the server, `emit` can aim at one client, at everyone, at everyone but the sender, or at a
**room**. A room is just a named group of connections that the server keeps in its memory;
clients never see room names on the wire. The four calls below all send `42["news",...]`; what
differs is who gets a copy."""

ROOMS = """\
First alice and carol ask to join room `lab` (an event whose handler calls
`sio.enter_room(sid, "lab")`, `socket.join("lab")` in JavaScript). The answer comes back through
the acknowledgement; no packet says "you are in room lab" by itself."""

TARGETS_CAPTION = """\
A client counts as a receiver when its handler for "news" ran. carol's copies arrived in the
bodies of her waiting GET requests, alice's and bob's as WebSocket frames: the same packet."""

HEARTBEAT = """\
Every {interval} ms the server sends a ping, `2`, and the client must answer with a pong, `3`,
within {timeout} ms, or the server closes the session (Engine.IO v4, "Heartbeat"; in version 3
it was the other way round: clients pinged). The client, too, gives up if no ping comes within
pingInterval + pingTimeout. This is how both sides notice a dead peer on a connection that TCP
still believes is open. Waiting for alice's next ping:"""

HEARTBEAT_AFTER = """\
Those are Engine.IO packets, not the ping and pong *frames* of WebSocket (RFC 6455, section
5.5.2): a browser's JavaScript cannot send WebSocket pings, so Engine.IO carries its own in
text frames, and the same two characters also work over long-polling: carol's `2` came in the
body of her waiting GET, and her `3` went back in a POST."""

ERRORS = """\
A demo that only shows things working proves little. Here things go wrong on purpose: a client
asks for a namespace that does not exist, and a handler on the server raises an exception."""

RECONNECT = """\
Connections end in two ways: by accident (the network drops, the server crashes) or on purpose
(the server sends a client away). Socket.IO clients treat the two differently."""

ERR_NAMESPACE = """\
**dave** asks to join namespace `/nope`, which this server does not have (`40/nope,`): the
namespace comes after the type, ended by a comma."""

ERR_HANDLER = """\
alice calls `boom`, whose handler raises `RuntimeError`. She asks for an answer (an ack) and
waits one second for it."""

ERR_HANDLER_AFTER = """\
python-socketio logged the exception (the `server log: ERROR` line) and carried on: the handler
never returned, so no ACK was sent and alice's `call()` gave up with `{outcome}`, but the
connection was not harmed: alice's next echo came back as `{alive!r}`. The JavaScript server
differs: an exception thrown in a `socket.on(...)` handler is an uncaught exception in Node.js
(a rejected promise, for an async handler), and by default it ends the whole server process,
every client with it. In both, catch errors in the handler and answer through the
acknowledgement, such as `{{"ok": false, "error": "..."}}`."""

ERR_DROP = """\
Now the lesson cuts alice's TCP connections in the middle, as a dead Wi-Fi or a crashed
server would. Nobody sends a goodbye."""

ERR_DROP_AFTER = """\
alice's client saw the connection break (its `disconnect` handler got reason `{reason}`), waited
its reconnection delay and started again from scratch: a new handshake, a new Engine.IO session,
a new socket id ({old} before, {new} now). Rooms belong to the old socket: a client that was in
a room must join it again after reconnecting."""

ERR_KICK = """\
Last, the server sends carol away on purpose: `await sio.disconnect(sid)` (`socket.disconnect()`
in JavaScript). She gets a Socket.IO DISCONNECT, `41`, inside her waiting poll."""

ERR_KICK_AFTER = """\
carol's `disconnect` handler got reason `{reason}` ("io server disconnect" in the JavaScript
client), and a reconnection {again} scheduled: a client the server sent away does not come back
by itself, unlike one whose connection broke."""

OUTSIDER = """\
Can a plain WebSocket client, one that speaks RFC 6455 and nothing more, talk to a Socket.IO
server? Only by speaking Socket.IO. A bare client (wsproto over a socket, what `new WebSocket(url)`
does in a browser) tries three addresses."""

OUT_ROOT = """\
First the server's root, `ws://host/`, as you would point `new WebSocket()` at a plain
WebSocket server:"""

OUT_NO_EIO = """\
Then `/socket.io/`, the right path but no `EIO=4` in the query: the server cannot tell which
protocol version the client speaks."""

OUT_RIGHT = """\
Now with the query a Socket.IO client would send: `/socket.io/?EIO=4&transport=websocket`.
The upgrade is accepted, and the first message is Engine.IO's open packet."""

OUT_SEND_40 = """\
To be let into the main namespace it must send `40` itself; the server answers with a socket id."""

OUT_SEND_EVENT = """\
Now it can send an event by writing the packet as text: `42["chat",{"text":"hi, typed by hand"}]`.
The server's chat handler sends it on to everyone, and the real Socket.IO clients cannot tell the
difference."""

OUT_PING = """\
Last duty: when the server pings (`2`), answer `3` in time, or be dropped after pingTimeout."""

OUTSIDER_AFTER = """\
So a WebSocket client reaches a Socket.IO server only as a Socket.IO client written by hand:
the right path and query, the open packet, `40`, events as `42[...]`, pongs, and binary
attachments if it wants them. The other way round, a Socket.IO client cannot connect to a plain
WebSocket server at all: it would wait for an open packet that never comes."""

SCALING = """\
One server holds its clients' connections, sessions and rooms in its own memory. With two
servers behind a load balancer, two problems appear. **Sticky sessions**: with long-polling a
session is a series of separate HTTP requests, and each must reach the server that holds that
session. **Broadcasts**: `io.emit` on server A only knows A's clients. Socket.IO's answer to the
second is an **adapter** (python-socketio calls it a client manager) that publishes every emit
on a message broker (Redis, RabbitMQ, Kafka, ...), so that every server delivers it to its own
clients. Here two servers, A and B, share a broker that lives in this process but is used
exactly the way python-socketio uses Redis."""

SCALING_DIAGRAM = """\
```
 dana --ws--+                     +--> server A --publish--+
            |  load balancer      |    (dana)               |
            +--(sticky: a sid --->+                      broker (Redis,
            |   stays on one      |                      RabbitMQ, ...)
 eli  --ws--+   server)           +--> server B <--deliver-+
                                       (eli)
```"""

SCALING_EMIT = """\
**dana** is connected to server A and **eli** to server B. dana sends a chat; A's handler calls
`sio.emit("chat", ...)`, which delivers to A's clients and publishes the emit on the broker; B
reads it there and delivers to eli."""

SCALING_STICKY = """\
dana and eli use WebSocket only, so each stays on the server that took the upgrade. Had dana
been on long-polling, each of her polls would be a new HTTP request carrying her session id in
`?sid=`, and a load balancer without stickiness could send the next one to server B. The lesson
sends exactly that request, a long-poll GET with dana's session id, to server B, which has
never heard of that session:"""

SCALING_AFTER = """\
Server B answered `{status}` ({body}): the session lives on A. With polling in play, a load
balancer must send each session to one server (by cookie or client address: "sticky
sessions"); with WebSocket-only clients the one long connection stays put by itself. The broker
needs no stickiness: it only carries emits between servers."""

LOGGING = """\
Everything above came from a relay copying bytes. The libraries can tell you too:
`socketio.AsyncServer(logger=True, engineio_logger=True)` in Python, `DEBUG=socket.io* node
server.js` for the JavaScript server, and `localStorage.debug = "socket.io-client:*"` in a
browser's console. This server has had its loggers on all along (errors were shown); here they
are for one echo from bob:"""

LOGGING_AFTER = """\
{n} log lines for one event, written between bob's emit and his answer: each packet received
and sent, at the Engine.IO and Socket.IO layers. Logs tell you what the program thought; a
packet trace tells you what was on the wire. When they disagree, the bug is found."""

PROOF = """\
What would prove that a Socket.IO app works? Connection establishment, event handling,
broadcasting, error handling, scalability, logging and debugging, each seen happening: a list
of words proves nothing, so each item below is ticked only when this run has seen it."""

WHEN = """\
**Use Socket.IO** when you write both ends (a web app and its server) and want what it builds
for you: a fallback to HTTP long-polling where WebSockets are blocked, automatic reconnection
with back-off, acknowledgements, rooms and broadcasts, namespaces, several channels multiplexed
on one connection, and an adapter for several servers. The cost: its own protocol on both ends
(a Socket.IO library on each side), no talking to a plain WebSocket client or server, and a
few bytes more per message, plus the long-polling requests and the heartbeat.
**Use a plain WebSocket** when the other end is not yours or not a browser running your code:
a public API that any client in any language must reach with a standard (RFC 6455) library,
devices, streams of binary data, or when every byte and millisecond counts. You then build
what you need yourself: reconnection, answers, groups, heartbeats. Like Git and GitHub,
WebSocket is the standard and Socket.IO a product built on it; unlike GitHub, Socket.IO is not
a service but code on both ends, and it does not interoperate with plain WebSocket peers."""


def api_pair() -> CodePair:
    """The server code of this demo next to the same server in JavaScript (Node.js)."""
    return CodePair(
        title="The same server, in JavaScript (Node.js, socket.io) and in python-socketio",
        javascript="""\
io.on("connection", (socket) => {
  // one call per new client: socket is it
  socket.on("chat", (msg) => {
    io.emit("chat", msg);        // to everyone
  });
  socket.on("echo", (data, callback) => {
    callback(data);              // the ack
  });
});""",
        python="""\
@sio.event
async def connect(sid, environ, auth):
    ...  # one call per new client: sid is it

@sio.on("chat")
async def chat(sid, msg):
    await sio.emit("chat", msg)  # to everyone

@sio.on("echo")
async def echo(sid, data):
    return data                  # the ack""",
        note=(
            'io.on("connection") does not handle the clients\' events: it runs once per new '
            "client, and the events are handled by the socket.on(...) handlers set up inside it. "
            "python-socketio puts every handler on the server object and passes the client's "
            "sid instead of a socket object."
        ),
    )


def targets_pair() -> CodePair:
    return CodePair(
        title="Four ways to emit, on the server",
        javascript="""\
socket.emit("news", x);            // this client only
io.emit("news", x);                // every client
socket.broadcast.emit("news", x);  // all but this one
io.to("lab").emit("news", x);      // the room "lab"
socket.join("lab");                // enter a room""",
        python="""\
await sio.emit("news", x, to=sid)
await sio.emit("news", x)
await sio.emit("news", x, skip_sid=sid)
await sio.emit("news", x, room="lab")
await sio.enter_room(sid, "lab")""",
        note=(
            "socket.emit on a client sends to the server; on the server, it sends to that one "
            "client. Either way it is the same packet: 42[name, ...args]."
        ),
    )


COMPARISON_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "what it is",
        "a protocol, RFC 6455; built into every browser (new WebSocket(url))",
        "a library for both ends, with its own protocol (Engine.IO + Socket.IO)",
    ),
    (
        "runs over",
        "one TCP connection, opened by an HTTP Upgrade",
        "a WebSocket, or HTTP long-polling where WebSockets are blocked",
    ),
    (
        "a message is",
        "a frame: opcode, length, payload (text or bytes)",
        'a named event with JSON arguments: 42["chat",{...}]',
    ),
    ("answers", "none built in", "acknowledgements: 421[...] -> 431[...]"),
    (
        "sending to many",
        "loop over connections yourself",
        "io.emit, socket.broadcast.emit, rooms, namespaces",
    ),
    (
        "dead peers",
        "ping/pong frames exist, but browser code cannot send them",
        "heartbeat: server pings 2, client answers 3",
    ),
    ("reconnection", "write it yourself", "automatic, with back-off"),
    ("many servers", "build it yourself", "adapter over a broker + sticky sessions"),
    (
        "talks to",
        "any WebSocket peer, in any language",
        "only Socket.IO peers (a WebSocket must speak its protocol)",
    ),
)


def comparison_table() -> Table:
    return Table(
        title="WebSocket vs Socket.IO",
        columns=("topic", "WebSocket", "Socket.IO"),
        rows=COMPARISON_ROWS,
        caption="Like Git and GitHub: the standard, and a product built on it.",
    )
