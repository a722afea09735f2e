"""The OSI lesson: the seven layers, and any packet opened layer by layer in the inspector.

The layer table, the sample packets and the field walker are shared parts (`netlearn.packets`);
here are the lesson's scenes, its quiz generator and `netlearn osi`. `SPEC` declares them
(strings only: importing this package stays cheap).
"""

from __future__ import annotations

from netlearn.lessonspec import Arg, GeneratorSpec, LessonSpec, SceneSpec, number

# The sample packets (netlearn.packets.build.KINDS; a test checks the two lists agree).
OSI_PACKETS = ("http", "dns", "ping", "websocket")
PACKET = Arg("packet", OSI_PACKETS)

SPEC = LessonSpec(
    id="osi",
    command=(
        "netlearn.lessons.osi.cli:osi",
        "Open a packet in the layer inspector: every header, its fields and its bytes.",
    ),
    scenes={
        "layers": SceneSpec(
            "netlearn.lessons.osi.scenes:layers",
            (Arg("order", ("down", "up")),),
            "the seven layers as a table",
        ),
        "layer": SceneSpec(
            "netlearn.lessons.osi.scenes:one_layer",
            (Arg("n", test=number(1, 7), about="a layer number from 1 to 7"),),
            "one layer in detail",
        ),
        "tcpip": SceneSpec("netlearn.lessons.osi.scenes:tcpip", (), "OSI beside the TCP/IP model"),
        "encapsulate": SceneSpec(
            "netlearn.lessons.osi.scenes:encapsulate", (PACKET,), "wrap a packet layer by layer"
        ),
        "unwrap": SceneSpec(
            "netlearn.lessons.osi.scenes:unwrap", (PACKET,), "unwrap it at the receiver"
        ),
        "inspect": SceneSpec(
            "netlearn.lessons.osi.scenes:inspect", (PACKET,), "the layer inspector"
        ),
    },
    generators={
        "osi.hex_layer": GeneratorSpec(
            "netlearn.lessons.osi.quiz:hex_layer",
            "generated",
            ("packet",),
            "which layer a highlighted byte of a hex dump belongs to",
        ),
    },
)
