"""RFC 9293's connection state machine as a table: (state, event[, guard]) -> next state, actions.

Every row is one arrow of Figure 5 in RFC 9293 section 3.3.2, one of the figure's notes, or one
rule of the event processing in section 3.10, with the section that says so. The endpoint
(`netlearn.lessons.tcp.protocol`) looks the row up and carries out its actions in order; a (state,
event) pair that has no row is not a legal move and raises `IllegalTransition`.

The guard tells the two ways into SYN-RECEIVED apart, which RFC 9293 section 3.5 requires an
endpoint to remember (MUST-11): after a passive OPEN a reset sends it back to LISTEN, after an
active OPEN to CLOSED.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from netlearn.packets.tcp_states import State


class Input(StrEnum):
    """What can happen to a connection: user calls, arriving segments, timeouts (section 3.10)."""

    PASSIVE_OPEN = "passive OPEN"
    ACTIVE_OPEN = "active OPEN"
    SEND = "SEND"
    CLOSE = "CLOSE"
    RCV_SYN = "rcv SYN"
    RCV_SYN_ACK = "rcv SYN-ACK"
    RCV_ACK_OF_SYN = "rcv ACK of SYN"
    RCV_ACK = "rcv ACK"
    RCV_DATA = "rcv data"
    RCV_FIN = "rcv FIN"
    RCV_ACK_OF_FIN = "rcv ACK of FIN"
    RCV_FIN_ACK_OF_FIN = "rcv FIN + ACK of FIN"
    RCV_RST = "rcv RST"
    RTO = "retransmission timeout"
    GIVE_UP = "too many retransmissions"
    DELAYED_ACK = "delayed-ACK timeout"
    PERSIST = "persist timeout"
    TIME_WAIT_TIMEOUT = "Timeout=2MSL"


class Act(StrEnum):
    """What the endpoint does on a transition, in the words of Figure 5 where it has them."""

    CREATE_TCB = "create TCB"
    DELETE_TCB = "delete TCB"
    SND_SYN = "snd SYN"
    SND_SYN_ACK = "snd SYN-ACK"
    SND_ACK = "snd ACK"
    SND_DATA = "snd data"
    SND_FIN = "snd FIN"
    SND_RST = "snd RST"
    ACCEPT_ACK = "advance SND.UNA"
    DELIVER = "take data, ACK it"
    RETRANSMIT = "retransmit, double RTO"
    START_TIME_WAIT = "start 2MSL timer"
    DROP = "drop segment"
    PROBE = "snd zero-window probe"


# Bookkeeping every segment gets; Figure 5 leaves it out of its labels.
QUIET = frozenset({Act.ACCEPT_ACK, Act.DELIVER, Act.DROP})


@dataclass(frozen=True)
class Transition:
    """One row: in `source`, on `event` (and `guard`, if any), go to `target` doing `actions`."""

    source: State
    event: Input
    target: State
    actions: tuple[Act, ...] = ()
    rfc: str = ""
    guard: str | None = None  # "passive" or "active": how SYN-RECEIVED was reached

    @property
    def label(self) -> str:
        """The arrow's label as Figure 5 writes it: event / the actions one can see."""
        acts = [a.value for a in self.actions if a not in QUIET]
        return f"{self.event.value} / {', '.join(acts)}" if acts else self.event.value


S = State
I = Input  # noqa: E741  (short names keep the table readable)
A = Act

# A segment arriving for a connection that does not exist is answered with a reset, whatever
# it carries, unless it is a reset itself (section 3.10.7.1).
_TO_CLOSED = (I.RCV_SYN, I.RCV_SYN_ACK, I.RCV_ACK, I.RCV_DATA, I.RCV_FIN)

TABLE: tuple[Transition, ...] = (
    # -- opening (Figure 5, sections 3.10.1, 3.10.2, 3.10.7.2, 3.10.7.3)
    Transition(S.CLOSED, I.PASSIVE_OPEN, S.LISTEN, (A.CREATE_TCB,), "3.10.1"),
    Transition(S.CLOSED, I.ACTIVE_OPEN, S.SYN_SENT, (A.CREATE_TCB, A.SND_SYN), "3.10.1"),
    Transition(S.LISTEN, I.RCV_SYN, S.SYN_RECEIVED, (A.SND_SYN_ACK,), "3.10.7.2"),
    Transition(S.LISTEN, I.SEND, S.SYN_SENT, (A.SND_SYN,), "3.10.2"),
    # SEND before ESTABLISHED: "queue the data for transmission after entering ESTABLISHED"
    Transition(S.SYN_SENT, I.SEND, S.SYN_SENT, (), "3.10.2"),
    Transition(S.SYN_RECEIVED, I.SEND, S.SYN_RECEIVED, (), "3.10.2"),
    Transition(S.LISTEN, I.CLOSE, S.CLOSED, (A.DELETE_TCB,), "3.10.4"),
    Transition(S.LISTEN, I.RCV_RST, S.LISTEN, (A.DROP,), "3.10.7.2"),
    Transition(S.LISTEN, I.RCV_ACK, S.LISTEN, (A.SND_RST,), "3.10.7.2"),
    Transition(S.LISTEN, I.RCV_SYN_ACK, S.LISTEN, (A.SND_RST,), "3.10.7.2"),
    Transition(S.SYN_SENT, I.RCV_SYN, S.SYN_RECEIVED, (A.SND_SYN_ACK,), "3.10.7.3"),
    Transition(S.SYN_SENT, I.RCV_SYN_ACK, S.ESTABLISHED, (A.ACCEPT_ACK, A.SND_ACK), "3.10.7.3"),
    Transition(S.SYN_SENT, I.RCV_RST, S.CLOSED, (A.DELETE_TCB,), "3.10.7.3"),
    Transition(S.SYN_SENT, I.CLOSE, S.CLOSED, (A.DELETE_TCB,), "3.10.4"),
    Transition(S.SYN_SENT, I.RTO, S.SYN_SENT, (A.RETRANSMIT,), "3.10.8"),
    Transition(
        S.SYN_RECEIVED, I.RCV_ACK_OF_SYN, S.ESTABLISHED, (A.ACCEPT_ACK, A.DELIVER), "3.10.7.4"
    ),
    Transition(S.SYN_RECEIVED, I.CLOSE, S.FIN_WAIT_1, (A.SND_FIN,), "3.10.4"),
    Transition(S.SYN_RECEIVED, I.RCV_RST, S.LISTEN, (), "3.10.7.4", guard="passive"),
    Transition(S.SYN_RECEIVED, I.RCV_RST, S.CLOSED, (A.DELETE_TCB,), "3.10.7.4", guard="active"),
    Transition(S.SYN_RECEIVED, I.RTO, S.SYN_RECEIVED, (A.RETRANSMIT,), "3.10.8"),
    # -- data (sections 3.10.2 and 3.10.7.4, fifth and seventh steps)
    Transition(S.ESTABLISHED, I.SEND, S.ESTABLISHED, (A.SND_DATA,), "3.10.2"),
    Transition(S.ESTABLISHED, I.RCV_ACK, S.ESTABLISHED, (A.ACCEPT_ACK,), "3.10.7.4"),
    Transition(S.ESTABLISHED, I.RCV_DATA, S.ESTABLISHED, (A.ACCEPT_ACK, A.DELIVER), "3.10.7.4"),
    Transition(S.ESTABLISHED, I.DELAYED_ACK, S.ESTABLISHED, (A.SND_ACK,), "3.8.6.3"),
    Transition(S.ESTABLISHED, I.RTO, S.ESTABLISHED, (A.RETRANSMIT,), "3.10.8"),
    *(
        Transition(state, I.RTO, state, (A.RETRANSMIT,), "3.10.8")
        for state in (S.CLOSE_WAIT, S.FIN_WAIT_1, S.CLOSING, S.LAST_ACK)
    ),
    *(
        Transition(state, I.DELAYED_ACK, state, (A.SND_ACK,), "3.8.6.3")
        for state in (S.FIN_WAIT_1, S.FIN_WAIT_2)
    ),
    # -- flow control: the persist timer probes a zero window (section 3.8.6.1)
    Transition(S.ESTABLISHED, I.PERSIST, S.ESTABLISHED, (A.PROBE,), "3.8.6.1"),
    Transition(S.CLOSE_WAIT, I.PERSIST, S.CLOSE_WAIT, (A.PROBE,), "3.8.6.1"),
    Transition(S.CLOSE_WAIT, I.SEND, S.CLOSE_WAIT, (A.SND_DATA,), "3.10.2"),
    Transition(S.CLOSE_WAIT, I.RCV_ACK, S.CLOSE_WAIT, (A.ACCEPT_ACK,), "3.10.7.4"),
    Transition(S.FIN_WAIT_1, I.RCV_DATA, S.FIN_WAIT_1, (A.ACCEPT_ACK, A.DELIVER), "3.10.7.4"),
    Transition(S.FIN_WAIT_2, I.RCV_DATA, S.FIN_WAIT_2, (A.ACCEPT_ACK, A.DELIVER), "3.10.7.4"),
    Transition(S.FIN_WAIT_2, I.RCV_ACK, S.FIN_WAIT_2, (A.ACCEPT_ACK,), "3.10.7.4"),
    Transition(S.FIN_WAIT_1, I.RCV_ACK, S.FIN_WAIT_1, (A.ACCEPT_ACK,), "3.10.7.4"),
    Transition(S.CLOSING, I.RCV_ACK, S.CLOSING, (A.DROP,), "3.10.7.4"),
    Transition(S.LAST_ACK, I.RCV_ACK, S.LAST_ACK, (A.DROP,), "3.10.7.4"),
    Transition(S.TIME_WAIT, I.RCV_ACK, S.TIME_WAIT, (A.DROP,), "3.10.7.4"),
    # -- closing (Figure 5 and its note 2; sections 3.10.4, 3.10.7.4 eighth step, 3.10.8)
    Transition(S.ESTABLISHED, I.CLOSE, S.FIN_WAIT_1, (A.SND_FIN,), "3.10.4"),
    Transition(S.ESTABLISHED, I.RCV_FIN, S.CLOSE_WAIT, (A.ACCEPT_ACK, A.SND_ACK), "3.10.7.4"),
    Transition(S.FIN_WAIT_1, I.RCV_ACK_OF_FIN, S.FIN_WAIT_2, (A.ACCEPT_ACK, A.DELIVER), "3.10.7.4"),
    Transition(S.FIN_WAIT_1, I.RCV_FIN, S.CLOSING, (A.SND_ACK,), "3.10.7.4"),
    Transition(
        S.FIN_WAIT_1,
        I.RCV_FIN_ACK_OF_FIN,
        S.TIME_WAIT,
        (A.ACCEPT_ACK, A.SND_ACK, A.START_TIME_WAIT),
        "3.3.2 note 2",
    ),
    Transition(S.FIN_WAIT_2, I.RCV_FIN, S.TIME_WAIT, (A.SND_ACK, A.START_TIME_WAIT), "3.10.7.4"),
    Transition(S.CLOSE_WAIT, I.CLOSE, S.LAST_ACK, (A.SND_FIN,), "3.10.4"),
    Transition(S.CLOSING, I.RCV_ACK_OF_FIN, S.TIME_WAIT, (A.START_TIME_WAIT,), "3.10.7.4"),
    Transition(S.LAST_ACK, I.RCV_ACK_OF_FIN, S.CLOSED, (A.DELETE_TCB,), "3.10.7.4"),
    Transition(S.TIME_WAIT, I.RCV_FIN, S.TIME_WAIT, (A.SND_ACK, A.START_TIME_WAIT), "3.10.7.4"),
    Transition(S.TIME_WAIT, I.TIME_WAIT_TIMEOUT, S.CLOSED, (A.DELETE_TCB,), "3.10.8"),
    # -- giving up after too many retransmissions (section 3.8.3: R2, "close the connection")
    Transition(S.SYN_SENT, I.GIVE_UP, S.CLOSED, (A.DELETE_TCB,), "3.8.3"),
    Transition(S.SYN_RECEIVED, I.GIVE_UP, S.CLOSED, (A.DELETE_TCB,), "3.8.3"),
    *(
        Transition(state, I.GIVE_UP, S.CLOSED, (A.DELETE_TCB,), "3.8.3")
        for state in (S.ESTABLISHED, S.CLOSE_WAIT, S.FIN_WAIT_1, S.CLOSING, S.LAST_ACK)
    ),
    # -- resets in the synchronized states (section 3.10.7.4, second step)
    *(
        Transition(state, I.RCV_RST, S.CLOSED, (A.DELETE_TCB,), "3.10.7.4")
        for state in (
            S.ESTABLISHED,
            S.FIN_WAIT_1,
            S.FIN_WAIT_2,
            S.CLOSE_WAIT,
            S.CLOSING,
            S.LAST_ACK,
            S.TIME_WAIT,
        )
    ),
    # -- no connection: answer with a reset (section 3.10.7.1)
    Transition(S.CLOSED, I.RCV_RST, S.CLOSED, (A.DROP,), "3.10.7.1"),
    *(Transition(S.CLOSED, event, S.CLOSED, (A.SND_RST,), "3.10.7.1") for event in _TO_CLOSED),
)


class IllegalTransition(Exception):
    """An event the state machine has no row for: `state` and `event` say which, as codes (the
    message is for a developer's traceback)."""

    def __init__(self, state: State, event: Input) -> None:
        super().__init__(f"{state.value} has no transition for {event.value!r}")
        self.state = state
        self.event = event


def _index() -> dict[tuple[State, Input, str | None], Transition]:
    out: dict[tuple[State, Input, str | None], Transition] = {}
    for row in TABLE:
        key = (row.source, row.event, row.guard)
        if key in out:
            raise AssertionError(f"two rows for {key}")
        out[key] = row
    return out


INDEX = _index()


def lookup(state: State, event: Input, guard: str | None = None) -> Transition:
    """The row for `event` in `state`: a guarded row first, then an unguarded one."""
    row = INDEX.get((state, event, guard)) or INDEX.get((state, event, None))
    if row is None:
        raise IllegalTransition(state, event)
    return row


def state_changes() -> list[Transition]:
    """The rows that move to another state: the arrows of the state diagram."""
    return [row for row in TABLE if row.source is not row.target]
