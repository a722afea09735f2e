"""The eleven states of a TCP connection (RFC 9293 section 3.3.2), with what each one waits for."""

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


# RFC 9293 section 3.3.2, in a newcomer's words.
MEANING: dict[State, str] = {
    State.CLOSED: "no connection at all",
    State.LISTEN: "waiting for a connection request (a SYN) from any remote peer",
    State.SYN_SENT: "sent a SYN, waiting for a matching SYN back",
    State.SYN_RECEIVED: "got a SYN and sent one, waiting for the ACK of our SYN",
    State.ESTABLISHED: "open: data flows both ways",
    State.FIN_WAIT_1: "we closed (sent FIN); waiting for its ACK or the peer's FIN",
    State.FIN_WAIT_2: "our FIN is acknowledged; waiting for the peer's FIN",
    State.CLOSE_WAIT: "the peer closed (we got its FIN); waiting for our program to close",
    State.CLOSING: "both sent FIN at once; waiting for the ACK of ours",
    State.LAST_ACK: "peer closed first, we closed too; waiting for the ACK of our FIN",
    State.TIME_WAIT: "all done; waiting 2 x MSL so that late segments die out",
}

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
