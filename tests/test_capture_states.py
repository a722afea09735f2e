"""The capture's observer moves are built from the RFC 9293 table (netlearn.packets.tcp_table)."""

from __future__ import annotations

from netlearn.packets.capture_states import ABORTS, GONE, TRANSITIONS, Seen, move
from netlearn.packets.tcp_states import State

# The table the tracker kept by hand before it used the RFC 9293 one: the same moves.
BY_HAND = {
    ("CLOSED", "sent SYN"): "SYN-SENT",
    ("LISTEN", "received SYN"): "SYN-RECEIVED",
    ("SYN-SENT", "received SYN-ACK"): "ESTABLISHED",
    ("SYN-SENT", "received SYN"): "SYN-RECEIVED",
    ("SYN-RECEIVED", "received ACK of its SYN"): "ESTABLISHED",
    ("SYN-RECEIVED", "sent FIN"): "FIN-WAIT-1",
    ("ESTABLISHED", "sent FIN"): "FIN-WAIT-1",
    ("ESTABLISHED", "received FIN"): "CLOSE-WAIT",
    ("FIN-WAIT-1", "received ACK of its FIN"): "FIN-WAIT-2",
    ("FIN-WAIT-1", "received FIN"): "CLOSING",
    ("FIN-WAIT-2", "received FIN"): "TIME-WAIT",
    ("CLOSE-WAIT", "sent FIN"): "LAST-ACK",
    ("CLOSING", "received ACK of its FIN"): "TIME-WAIT",
    ("LAST-ACK", "received ACK of its FIN"): "CLOSED",
}


def test_observer_moves_are_the_rfc_rows_an_observer_sees() -> None:
    assert {(str(s), str(w)): str(n) for (s, w), n in TRANSITIONS.items()} == BY_HAND


def test_resets() -> None:
    for state in State:
        expected_abort = None if state in GONE | {State.LISTEN} else State.CLOSED
        assert move(state, Seen.SENT_RST) is expected_abort
        received = move(state, Seen.RECEIVED_RST)
        assert received is expected_abort
    assert move(State.SYN_RECEIVED, Seen.RECEIVED_RST, passive=True) is State.LISTEN
    assert State.TIME_WAIT not in ABORTS
