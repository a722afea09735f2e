"""The TCP lesson, simulated: a sans-I/O endpoint driven by RFC 9293's state table, and the
lesson's scenarios (handshake to TIME-WAIT, losses and recovery, flow and congestion control) as
traces of events and real packets.

The lesson follows the floor plan every lesson shares (`protocol`, `events`, `render`, `live`,
`demo`, `scenes`, `quiz`, `cli`; each module's docstring says its one idea). `SPEC` declares its
command, scenes and quiz generators (strings only: importing this package stays cheap).
"""

from __future__ import annotations

from netlearn.lessonspec import YES_NO, Arg, GeneratorSpec, LessonSpec, SceneSpec, number

# The scenarios (netlearn.lessons.tcp.scenarios.SCENARIOS; a test checks the two lists agree).
TCP_SCENARIOS = (
    "handshake",
    "transfer",
    "close",
    "reset",
    "lost-syn",
    "simultaneous-open",
    "loss",
    "timeout",
    "congestion",
    "zero-window",
)
ABSOLUTE = Arg("absolute", YES_NO)
SACK = Arg("sack", YES_NO)

SPEC = LessonSpec(
    id="tcp",
    command=(
        "netlearn.lessons.tcp.cli:tcp",
        "Watch TCP open, carry and close a connection, segment by segment.",
    ),
    scenes={
        "handshake": SceneSpec(
            "netlearn.lessons.tcp.scenes:handshake", (ABSOLUTE,), "SYN, SYN-ACK, ACK"
        ),
        "transfer": SceneSpec(
            "netlearn.lessons.tcp.scenes:transfer", (ABSOLUTE,), "data both ways"
        ),
        "close": SceneSpec(
            "netlearn.lessons.tcp.scenes:close", (ABSOLUTE,), "FIN, ACK and TIME-WAIT"
        ),
        "reset": SceneSpec(
            "netlearn.lessons.tcp.scenes:reset", (ABSOLUTE,), "SYN to a closed port"
        ),
        "lost-syn": SceneSpec(
            "netlearn.lessons.tcp.scenes:lost_syn",
            (ABSOLUTE, Arg("losses", test=number(1, 6), about="a number from 1 to 6")),
            "SYN lost, RTO doubles",
        ),
        "simultaneous-open": SceneSpec(
            "netlearn.lessons.tcp.scenes:simultaneous_open", (ABSOLUTE,), "two SYNs cross"
        ),
        "loss": SceneSpec(
            "netlearn.lessons.tcp.scenes:loss", (ABSOLUTE, SACK), "dup ACKs, fast retransmit"
        ),
        "timeout": SceneSpec("netlearn.lessons.tcp.scenes:timeout", (ABSOLUTE,), "the RTO fires"),
        "congestion": SceneSpec(
            "netlearn.lessons.tcp.scenes:congestion", (ABSOLUTE,), "slow start, cwnd chart"
        ),
        "zero-window": SceneSpec(
            "netlearn.lessons.tcp.scenes:zero_window", (ABSOLUTE,), "zero window and probes"
        ),
        "what-if": SceneSpec(
            "netlearn.lessons.tcp.scenes:what_if",
            (
                Arg("scenario", TCP_SCENARIOS),
                Arg("drop", test=number(1, 999), about="a segment number from 1"),
            ),
            "a scenario with one segment lost",
        ),
        "kernel": SceneSpec("netlearn.lessons.tcp.scenes:kernel", (), "TCP_INFO of a real socket"),
        "states": SceneSpec("netlearn.lessons.tcp.scenes:states", (), "RFC 9293's state table"),
        "flags": SceneSpec("netlearn.lessons.tcp.scenes:flags", (), "the TCP control bits"),
        "segment": SceneSpec(
            "netlearn.lessons.tcp.scenes:segment",
            (
                Arg("scenario", TCP_SCENARIOS),
                Arg("n", test=number(1, 99), about="a segment number from 1"),
            ),
            "one segment in the inspector",
        ),
        "isn": SceneSpec(
            "netlearn.lessons.tcp.scenes:isn",
            (Arg("connections", test=number(1, 20), about="a number from 1 to 20"),),
            "ISNs of consecutive connections",
        ),
    },
    generators={
        "tcp.synack_ack": GeneratorSpec(
            "netlearn.lessons.tcp.quiz:synack_ack",
            "generated",
            (),
            "a SYN's sequence number -> the SYN-ACK's acknowledgment number",
        ),
        "tcp.next_ack": GeneratorSpec(
            "netlearn.lessons.tcp.quiz:next_ack",
            "generated",
            (),
            "a segment's seq and payload length -> the ACK that acknowledges it",
        ),
        "tcp.reply_flags": GeneratorSpec(
            "netlearn.lessons.tcp.quiz:reply_flags",
            "generated",
            (),
            "which flags the reply to a segment carries",
        ),
        "tcp.what_if_next": GeneratorSpec(
            "netlearn.lessons.tcp.quiz:what_if_next",
            "generated",
            (),
            "a segment lost in a what-if run: which segment next, and when",
        ),
    },
)
