"""The capture lesson: real TCP traffic on loopback, captured, and shown with the same events as
the simulation (the demo, the bundled replay, `--read` of a capture file, `--port` watching).

The capture machinery itself (packet socket, BPF, headers, the connection tracker) is shared
(`netlearn.live`, `netlearn.packets`); the lesson follows the floor plan every lesson shares
(each module's docstring says its one idea). `SPEC` declares its command, scenes and quiz
generators (strings only: importing this package stays cheap).
"""

from __future__ import annotations

from netlearn.lessonspec import Arg, GeneratorSpec, LessonSpec, SceneSpec, number

# One captured connection told in parts, one step each (netlearn.lessons.capture.demo.PARTS).
CAPTURE_PARTS = ("handshake", "data", "close")
CAPTURE_PART = Arg("part", CAPTURE_PARTS)

SPEC = LessonSpec(
    id="capture",
    command=(
        "netlearn.lessons.capture.cli:capture",
        "Capture real TCP handshakes on loopback and show them in the ladder.",
    ),
    scenes={
        "live": SceneSpec(
            "netlearn.lessons.capture.scenes:live", (CAPTURE_PART,), "a real connection, captured"
        ),
        "replay": SceneSpec(
            "netlearn.lessons.capture.scenes:replay", (CAPTURE_PART,), "the bundled capture"
        ),
        "options": SceneSpec("netlearn.lessons.capture.scenes:options", (), "real SYN options"),
        "connections": SceneSpec(
            "netlearn.lessons.capture.scenes:connections", (), "connections in a capture file"
        ),
        "packet": SceneSpec(
            "netlearn.lessons.capture.scenes:packet",
            (Arg("n", test=number(1, 9999), about="a packet number from 1"),),
            "a captured packet",
        ),
        "time-wait": SceneSpec(
            "netlearn.lessons.capture.scenes:time_wait", (), "TIME-WAIT, kernel"
        ),
        "bpf": SceneSpec(
            "netlearn.lessons.capture.scenes:bpf",
            (Arg("port", test=number(0, 65535), about="a port number from 0 to 65535"),),
            "a BPF filter program",
        ),
        "privilege": SceneSpec("netlearn.lessons.capture.scenes:privilege", (), "may we capture?"),
    },
    generators={
        "capture.field": GeneratorSpec(
            "netlearn.lessons.capture.quiz:field",
            "capture",
            ("pcap",),
            "a header field's value read from a packet of the bundled capture",
        ),
        "capture.flags": GeneratorSpec(
            "netlearn.lessons.capture.quiz:flags",
            "capture",
            ("pcap",),
            "the TCP flags of a packet of the bundled capture",
        ),
        "capture.layer": GeneratorSpec(
            "netlearn.lessons.capture.quiz:layer",
            "capture",
            ("pcap",),
            "which layer a highlighted byte of a captured packet belongs to",
        ),
    },
)
