"""The transition table against RFC 9293: every arrow of Figure 5, its notes, and section 3.10."""

from __future__ import annotations

import pytest

from netlearn.packets.tcp_states import State, meaning
from netlearn.packets.tcp_table import (
    INDEX,
    TABLE,
    Act,
    IllegalTransition,
    Input,
    lookup,
    state_changes,
)

S, I = State, Input  # noqa: E741

# Figure 5 of RFC 9293 section 3.3.2, arrow by arrow, as (from, event, to, visible actions),
# typed from the RFC's drawing, independently of netlearn's table.
FIGURE_5 = [
    (S.CLOSED, I.PASSIVE_OPEN, S.LISTEN, {"create TCB"}),
    (S.CLOSED, I.ACTIVE_OPEN, S.SYN_SENT, {"create TCB", "snd SYN"}),
    (S.LISTEN, I.CLOSE, S.CLOSED, {"delete TCB"}),
    (S.LISTEN, I.RCV_SYN, S.SYN_RECEIVED, {"snd SYN-ACK"}),
    (S.LISTEN, I.SEND, S.SYN_SENT, {"snd SYN"}),
    (S.SYN_SENT, I.CLOSE, S.CLOSED, {"delete TCB"}),
    # RFC 793 drew "snd ACK" here; RFC 9293's Figure 5 says "snd SYN-ACK" (section 3.10.7.3).
    (S.SYN_SENT, I.RCV_SYN, S.SYN_RECEIVED, {"snd SYN-ACK"}),
    (S.SYN_SENT, I.RCV_SYN_ACK, S.ESTABLISHED, {"snd ACK"}),
    (S.SYN_RECEIVED, I.RCV_ACK_OF_SYN, S.ESTABLISHED, set()),
    (S.SYN_RECEIVED, I.CLOSE, S.FIN_WAIT_1, {"snd FIN"}),
    (S.ESTABLISHED, I.CLOSE, S.FIN_WAIT_1, {"snd FIN"}),
    (S.ESTABLISHED, I.RCV_FIN, S.CLOSE_WAIT, {"snd ACK"}),
    (S.FIN_WAIT_1, I.RCV_ACK_OF_FIN, S.FIN_WAIT_2, set()),
    (S.FIN_WAIT_1, I.RCV_FIN, S.CLOSING, {"snd ACK"}),
    (S.FIN_WAIT_2, I.RCV_FIN, S.TIME_WAIT, {"snd ACK"}),
    (S.CLOSE_WAIT, I.CLOSE, S.LAST_ACK, {"snd FIN"}),
    (S.CLOSING, I.RCV_ACK_OF_FIN, S.TIME_WAIT, set()),
    (S.LAST_ACK, I.RCV_ACK_OF_FIN, S.CLOSED, {"delete TCB"}),
    (S.TIME_WAIT, I.TIME_WAIT_TIMEOUT, S.CLOSED, {"delete TCB"}),
]

SYNCHRONIZED = [
    S.ESTABLISHED,
    S.FIN_WAIT_1,
    S.FIN_WAIT_2,
    S.CLOSE_WAIT,
    S.CLOSING,
    S.LAST_ACK,
    S.TIME_WAIT,
]


def _visible(actions: tuple[Act, ...]) -> set[str]:
    return {a.value for a in actions if a not in (Act.ACCEPT_ACK, Act.DELIVER, Act.DROP)}


@pytest.mark.parametrize(("source", "event", "target", "actions"), FIGURE_5)
def test_every_arrow_of_figure_5(source: State, event: Input, target: State, actions) -> None:
    row = lookup(source, event)
    assert row.target is target
    # The RFC's actions are all there; the table may add only the 2MSL timer it implies.
    assert _visible(row.actions) - {"start 2MSL timer"} == actions


def test_the_table_has_no_other_state_changes_than_the_rfcs() -> None:
    figure = {(a, e, b) for a, e, b, _ in FIGURE_5}
    notes = {
        # Note 1: SYN-RECEIVED returns to LISTEN on a reset after a passive OPEN ...
        (S.SYN_RECEIVED, I.RCV_RST, S.LISTEN),
        # ... and to CLOSED after an active one (section 3.10.7.4, second step).
        (S.SYN_RECEIVED, I.RCV_RST, S.CLOSED),
        # Note 2: FIN-WAIT-1 straight to TIME-WAIT on a FIN that also acks our FIN.
        (S.FIN_WAIT_1, I.RCV_FIN_ACK_OF_FIN, S.TIME_WAIT),
        # Section 3.10.7.3: an acceptable RST in SYN-SENT ("connection reset").
        (S.SYN_SENT, I.RCV_RST, S.CLOSED),
        # Section 3.8.3: too many retransmissions (threshold R2) close the connection.
        (S.SYN_SENT, I.GIVE_UP, S.CLOSED),
        (S.SYN_RECEIVED, I.GIVE_UP, S.CLOSED),
        *(
            (state, I.GIVE_UP, S.CLOSED)
            for state in (S.ESTABLISHED, S.CLOSE_WAIT, S.FIN_WAIT_1, S.CLOSING, S.LAST_ACK)
        ),
        # Note 3 and section 3.10.7.4: a RST in a synchronized state closes the connection.
        *((state, I.RCV_RST, S.CLOSED) for state in SYNCHRONIZED),
    }
    table = {(r.source, r.event, r.target) for r in state_changes()}
    assert table == figure | notes


def test_the_passive_or_active_guard_decides_where_a_reset_leads() -> None:
    assert lookup(S.SYN_RECEIVED, I.RCV_RST, "passive").target is S.LISTEN
    assert lookup(S.SYN_RECEIVED, I.RCV_RST, "active").target is S.CLOSED


def test_closed_answers_everything_but_a_reset_with_a_reset() -> None:
    # Section 3.10.7.1: "An incoming segment not containing a RST causes a RST to be sent".
    for event in (I.RCV_SYN, I.RCV_SYN_ACK, I.RCV_ACK, I.RCV_DATA, I.RCV_FIN):
        row = lookup(S.CLOSED, event)
        assert row.target is S.CLOSED and row.actions == (Act.SND_RST,)
    assert Act.SND_RST not in lookup(S.CLOSED, I.RCV_RST).actions


def test_listen_ignores_a_reset_and_resets_an_ack() -> None:
    # Section 3.10.7.2, first and second checks.
    assert lookup(S.LISTEN, I.RCV_RST).actions == (Act.DROP,)
    assert lookup(S.LISTEN, I.RCV_ACK).actions == (Act.SND_RST,)


def test_time_wait_restarts_its_timer_on_a_retransmitted_fin() -> None:
    # Section 3.10.7.4, eighth step: "Restart the 2 MSL time-wait timeout".
    row = lookup(S.TIME_WAIT, I.RCV_FIN)
    assert row.target is S.TIME_WAIT
    assert row.actions == (Act.SND_ACK, Act.START_TIME_WAIT)


def test_a_missing_row_is_an_illegal_move() -> None:
    with pytest.raises(IllegalTransition, match="LISTEN has no transition for 'rcv FIN'") as no:
        lookup(S.LISTEN, I.RCV_FIN)
    assert (no.value.state, no.value.event) == (S.LISTEN, I.RCV_FIN)  # codes, not English
    with pytest.raises(IllegalTransition):
        lookup(S.CLOSED, I.CLOSE)  # "error: connection does not exist" (section 3.10.4)


def test_every_state_appears_and_has_a_meaning() -> None:
    assert len(State) == 11
    assert [s.value for s in State] == [
        "CLOSED",
        "LISTEN",
        "SYN-SENT",
        "SYN-RECEIVED",
        "ESTABLISHED",
        "FIN-WAIT-1",
        "FIN-WAIT-2",
        "CLOSE-WAIT",
        "CLOSING",
        "LAST-ACK",
        "TIME-WAIT",
    ]
    touched = {r.source for r in TABLE} | {r.target for r in TABLE}
    assert touched == set(State)
    assert all(meaning(s) for s in State)  # every state has its words in the glossary


def test_rows_are_unique_and_cite_a_section() -> None:
    assert len(INDEX) == len(TABLE)
    for row in TABLE:
        assert row.rfc.startswith("3."), row


def test_labels_read_like_the_figure() -> None:
    assert lookup(S.LISTEN, I.RCV_SYN).label == "rcv SYN / snd SYN-ACK"
    assert lookup(S.SYN_RECEIVED, I.RCV_ACK_OF_SYN).label == "rcv ACK of SYN"
    assert lookup(S.TIME_WAIT, I.TIME_WAIT_TIMEOUT).label == "Timeout=2MSL / delete TCB"
