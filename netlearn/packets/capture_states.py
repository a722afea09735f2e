"""The moves of RFC 9293's state machine as an observer on the wire can see them.

An observer sees segments, not calls: it learns that a side closed when a FIN leaves it, that
a side took a SYN when it answers. So its moves are named by what the capture shows (`Seen`),
and each is built from the rows of the RFC 9293 table (`netlearn.packets.tcp_table`) that the
same thing triggers in an endpoint: a FIN sent is the CLOSE rows that send a FIN, a SYN
received the `rcv SYN` rows, and so on. Rows that stay in their state (a reset in LISTEN, a
FIN again in TIME-WAIT) move nothing here.

Two rules the table does not hold, because an endpoint meets them as calls or not at all:

- a side that sends a reset aborts (RFC 9293 section 3.10.5, ABORT): every state a reset
  closes goes to CLOSED (Linux also closes at once on sending one);
- CLOSED and TIME-WAIT are where the observer's story of a side ends (`GONE`): a reset arriving
  later moves nothing (the endpoint's table would close TIME-WAIT at once).
"""

from __future__ import annotations

from enum import StrEnum

from netlearn.packets.tcp_states import State
from netlearn.packets.tcp_table import TABLE, Act, Input, Transition


class Seen(StrEnum):
    """What the capture shows happening to one side (the `cause` of its state changes)."""

    SENT_SYN = "sent SYN"
    RECEIVED_SYN = "received SYN"
    RECEIVED_SYN_ACK = "received SYN-ACK"
    RECEIVED_ACK_OF_SYN = "received ACK of its SYN"
    SENT_FIN = "sent FIN"
    RECEIVED_FIN = "received FIN"
    RECEIVED_ACK_OF_FIN = "received ACK of its FIN"
    SENT_RST = "sent RST"
    RECEIVED_RST = "received RST"


GONE: frozenset[State] = frozenset({State.CLOSED, State.TIME_WAIT})

# Which rows of the endpoint's table each observation stands for.
_ROWS: dict[Seen, tuple[Input, Act | None]] = {
    Seen.SENT_SYN: (Input.ACTIVE_OPEN, Act.SND_SYN),
    Seen.RECEIVED_SYN: (Input.RCV_SYN, None),
    Seen.RECEIVED_SYN_ACK: (Input.RCV_SYN_ACK, None),
    Seen.RECEIVED_ACK_OF_SYN: (Input.RCV_ACK_OF_SYN, None),
    Seen.SENT_FIN: (Input.CLOSE, Act.SND_FIN),
    Seen.RECEIVED_FIN: (Input.RCV_FIN, None),
    Seen.RECEIVED_ACK_OF_FIN: (Input.RCV_ACK_OF_FIN, None),
}


def _moves(row: Transition) -> bool:
    return row.source is not row.target


def _build() -> tuple[
    dict[tuple[State, Seen], State], dict[tuple[State, str | None], State], frozenset[State]
]:
    moves: dict[tuple[State, Seen], State] = {}
    for seen, (event, act) in _ROWS.items():
        for row in TABLE:
            if row.event is event and _moves(row) and (act is None or act in row.actions):
                if (row.source, seen) in moves:
                    raise AssertionError(f"two moves for {(row.source, seen)}")
                moves[(row.source, seen)] = row.target
    resets = {
        (row.source, row.guard): row.target
        for row in TABLE
        if row.event is Input.RCV_RST and _moves(row) and row.source not in GONE
    }
    aborts = frozenset(source for (source, _), target in resets.items() if target is State.CLOSED)
    return moves, resets, aborts


# (state, what was seen) -> new state; RST moves come from `RESETS` and `ABORTS`.
TRANSITIONS, RESETS, ABORTS = _build()


def move(state: State, seen: Seen, passive: bool = False) -> State | None:
    """The state a side goes to when `seen` happens to it, or None when it stays.

    `passive`: the side reached SYN-RECEIVED from LISTEN (a reset sends it back there).
    """
    if seen is Seen.RECEIVED_RST:
        return RESETS.get((state, "passive" if passive else "active")) or RESETS.get((state, None))
    if seen is Seen.SENT_RST:
        return State.CLOSED if state in ABORTS else None
    return TRANSITIONS.get((state, seen))
