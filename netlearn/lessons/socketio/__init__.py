"""The Socket.IO lesson: what the library adds on top of WebSocket, shown on the wire.

The lesson follows the floor plan every lesson shares (`protocol` and `codec` sans-I/O,
`events`, `render`, `live`, `demo`, `scenes`, `quiz`, `cli`; each module's docstring says its
one idea). `SPEC` declares its command, scenes and quiz generators (strings only: importing this
package stays cheap).
"""

from __future__ import annotations

from netlearn.lessonspec import Arg, GeneratorSpec, LessonSpec, SceneSpec

# netlearn.lessons.socketio.scenes.HANDSHAKE_CLIENTS (a test checks the two lists agree)
SIO_CLIENTS = ("all", "alice", "bob-carol")

SPEC = LessonSpec(
    id="socketio",
    command=(
        "netlearn.lessons.socketio.cli:socketio_app",
        "Socket.IO on the wire: what the library adds on top of WebSocket.",
    ),
    scenes={
        "handshake": SceneSpec(
            "netlearn.lessons.socketio.scenes:handshake",
            (Arg("clients", SIO_CLIENTS),),
            "connect, live",
        ),
        "events": SceneSpec("netlearn.lessons.socketio.scenes:events", (), "events and acks, live"),
        "broadcast": SceneSpec(
            "netlearn.lessons.socketio.scenes:broadcast", (), "who gets an emit"
        ),
        "heartbeat": SceneSpec(
            "netlearn.lessons.socketio.scenes:heartbeat", (), "ping and pong, live"
        ),
        "errors": SceneSpec(
            "netlearn.lessons.socketio.scenes:errors", (), "bad namespace, bad handler"
        ),
        "reconnect": SceneSpec(
            "netlearn.lessons.socketio.scenes:reconnect", (), "drop and reconnect"
        ),
        "outsider": SceneSpec("netlearn.lessons.socketio.scenes:outsider", (), "a plain WebSocket"),
        "scaling": SceneSpec(
            "netlearn.lessons.socketio.scenes:scaling", (), "two servers, a broker"
        ),
        "logging": SceneSpec("netlearn.lessons.socketio.scenes:logging", (), "the library's logs"),
        "proof": SceneSpec(
            "netlearn.lessons.socketio.scenes:proof", (), "the proof of life checklist"
        ),
        "api": SceneSpec("netlearn.lessons.socketio.scenes:api", (), "JavaScript beside Python"),
        "compare": SceneSpec(
            "netlearn.lessons.socketio.scenes:compare", (), "WebSocket vs Socket.IO"
        ),
        "diagram": SceneSpec(
            "netlearn.lessons.socketio.scenes:diagram", (), "scaling, as a picture"
        ),
        "decode": SceneSpec(
            "netlearn.lessons.socketio.scenes:decode",
            (Arg("packet", test=bool, about="a packet string"), Arg("layer", ("wire", "socketio"))),
            "take a packet apart",
        ),
    },
    # A "sio." name: quiz banks and learners' progress store it.
    generators={
        "sio.packet": GeneratorSpec(
            "netlearn.lessons.socketio.quiz:packet",
            "generated",
            (),
            "what an Engine.IO / Socket.IO packet seen in the developer tools means",
        ),
    },
)
