"""The WebSocket machines' states and their legal moves, as tables (the h11 way).

A move a state has no row for is an error (`MoveError`): a bug in the caller, never the peer's
doing; what the peer does wrong is a refusal or a failure, with its code.
"""

from __future__ import annotations

from enum import Enum
from typing import TypeVar


class ServerState(Enum):
    REQUEST = "request"  # reading the request head
    BAD = "bad"  # the bytes were not a request: only a refusal may follow
    OPEN = "open"  # upgraded: frames both ways
    RESPONDED = "responded"  # answered with plain HTTP: nothing more on this connection


class ServerMove(Enum):
    UNREADABLE = "unreadable"  # the request head could not be read
    ACCEPT = "accept"  # the 101
    REFUSE = "refuse"  # an error response to a handshake
    RESPOND = "respond"  # the application's own response (a page, a 404, a 421)


class ClientState(Enum):
    NEW = "new"
    REQUESTED = "requested"  # the upgrade request is sent
    OPEN = "open"  # a good 101: frames both ways
    REFUSED = "refused"  # anything else: the client closes


class ClientMove(Enum):
    REQUEST = "request"
    SWITCHED = "switched"  # a 101 that passes every check of RFC 6455 section 4.1
    REJECTED = "rejected"  # another status, a bad 101, or no HTTP at all


# The legal moves; a state missing a move is an error (the h11 way).
SERVER_MOVES: dict[ServerState, dict[ServerMove, ServerState]] = {
    ServerState.REQUEST: {
        ServerMove.UNREADABLE: ServerState.BAD,
        ServerMove.ACCEPT: ServerState.OPEN,
        ServerMove.REFUSE: ServerState.RESPONDED,
        ServerMove.RESPOND: ServerState.RESPONDED,
    },
    ServerState.BAD: {
        ServerMove.REFUSE: ServerState.RESPONDED,
        ServerMove.RESPOND: ServerState.RESPONDED,
    },
    ServerState.OPEN: {},
    ServerState.RESPONDED: {},
}
CLIENT_MOVES: dict[ClientState, dict[ClientMove, ClientState]] = {
    ClientState.NEW: {ClientMove.REQUEST: ClientState.REQUESTED},
    ClientState.REQUESTED: {
        ClientMove.SWITCHED: ClientState.OPEN,
        ClientMove.REJECTED: ClientState.REFUSED,
    },
    ClientState.OPEN: {},
    ClientState.REFUSED: {},
}


class MoveError(RuntimeError):
    """A move the state table has no row for (a bug in the caller, never the peer's doing)."""

    def __init__(self, state: Enum, move: Enum) -> None:
        super().__init__(f"{move.value} in state {state.value}")
        self.state = state
        self.move = move


S = TypeVar("S", bound=Enum)
M = TypeVar("M", bound=Enum)


def _move(table: dict[S, dict[M, S]], state: S, move: M) -> S:
    try:
        return table[state][move]
    except KeyError:
        raise MoveError(state, move) from None
