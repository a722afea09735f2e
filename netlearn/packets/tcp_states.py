"""The eleven states of a TCP connection (RFC 9293 section 3.3.2), with what each one waits for.

What each state means, in a newcomer's words, is content: `lessons/glossary/tcp-states.toml`,
keyed by the state's name (`meaning(State.LISTEN)`).
"""

from __future__ import annotations

from enum import StrEnum


class State(StrEnum):
    """A connection's state, spelled as RFC 9293 spells it."""

    CLOSED = "CLOSED"
    LISTEN = "LISTEN"
    SYN_SENT = "SYN-SENT"
    SYN_RECEIVED = "SYN-RECEIVED"
    ESTABLISHED = "ESTABLISHED"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    CLOSE_WAIT = "CLOSE-WAIT"
    CLOSING = "CLOSING"
    LAST_ACK = "LAST-ACK"
    TIME_WAIT = "TIME-WAIT"


# Once both sides know each other's initial sequence number the connection is "synchronized"
# (RFC 9293 section 3.5): every segment must then carry an acknowledgement.
SYNCHRONIZED: frozenset[State] = frozenset(
    {
        State.ESTABLISHED,
        State.FIN_WAIT_1,
        State.FIN_WAIT_2,
        State.CLOSE_WAIT,
        State.CLOSING,
        State.LAST_ACK,
        State.TIME_WAIT,
    }
)


def meaning(state: State) -> str:
    """What the endpoint is doing in `state` (the TCP states glossary)."""
    from netlearn.content.words import say

    return say(f"glossary.tcp-states.{state.value}")
