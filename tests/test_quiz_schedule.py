"""The Leitner schedule: wrong answers come back soon, right ones later and later."""

from __future__ import annotations

from pathlib import Path

import pytest

from netlearn.progress.store import ProgressStore
from netlearn.quiz.schedule import DAY, INTERVALS, MINUTE, TOP_BOX, Card, describe_wait, update
from netlearn.quiz.store import QuizStore

T0 = 1_800_000_000.0


class FakeClock:
    """Wall-clock time the test moves by hand."""

    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_the_intervals_are_ten_minutes_then_one_three_seven_sixteen_thirtyfive_days() -> None:
    assert INTERVALS == (10 * MINUTE, DAY, 3 * DAY, 7 * DAY, 16 * DAY, 35 * DAY)


def test_a_new_question_answered_right_waits_a_day() -> None:
    card = update(None, "q", "l", True, T0)
    assert (card.box, card.due, card.right, card.wrong) == (1, T0 + DAY, 1, 0)


def test_a_wrong_answer_comes_back_in_ten_minutes_whatever_the_box() -> None:
    for box in range(TOP_BOX + 1):
        old = Card("q", "l", box, T0 - 1, right=4, wrong=1)
        card = update(old, "q", "l", False, T0)
        assert (card.box, card.due, card.right, card.wrong) == (0, T0 + 10 * MINUTE, 4, 2)


def test_right_answers_when_due_climb_the_boxes_with_growing_waits() -> None:
    now = T0
    card = update(None, "q", "l", False, now)  # wrong first: box 0
    waits = []
    for _ in range(7):
        now = card.due  # answered exactly when due
        new = update(card, "q", "l", True, now)
        waits.append(new.due - now)
        card = new
    assert waits == [DAY, 3 * DAY, 7 * DAY, 16 * DAY, 35 * DAY, 35 * DAY, 35 * DAY]
    assert card.box == TOP_BOX


def test_a_right_answer_before_it_is_due_does_not_promote() -> None:
    card = Card("q", "l", 2, T0 + DAY)
    early = update(card, "q", "l", True, T0)
    assert (early.box, early.due, early.right) == (2, T0 + DAY, 1)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0, "now"), (-5, "now"), (600, "in 10 minutes"), (3 * 3600, "in 3 hours"), (DAY, "in 1 day")],
)
def test_waits_in_words(seconds: float, words: str) -> None:
    assert describe_wait(seconds) == words


def test_the_store_saves_each_answer_and_moves_its_card(tmp_path: Path) -> None:
    clock = FakeClock()
    with ProgressStore.open(tmp_path, print, clock=clock) as store:
        qs = QuizStore(store)
        qs.record(
            session="s", mode="quiz", question_id="a", lesson_id="l", given="b",
            correct=False, right_answer="c",
        )  # fmt: skip
        qs.record(
            session="s", mode="quiz", question_id="b", lesson_id="l", given="c",
            correct=True, right_answer="c",
        )  # fmt: skip
        assert [c.question_id for c in qs.due(clock.now)] == []
        clock.now += 10 * MINUTE
        assert [c.question_id for c in qs.due(clock.now)] == ["a"]
        clock.now = T0 + DAY
        assert [c.question_id for c in qs.due(clock.now)] == ["a", "b"]
        # Answering "a" right now that it is due moves it to box 1: back in a day.
        card = qs.record(
            session="s", mode="review", question_id="a", lesson_id="l", given="c",
            correct=True, right_answer="c",
        )  # fmt: skip
        assert (card.box, card.due) == (1, clock.now + DAY)
        assert [c.question_id for c in qs.due(clock.now)] == ["b"]
        answers = qs.answers()
        assert [(a.question_id, a.correct, a.mode) for a in answers] == [
            ("a", False, "quiz"),
            ("b", True, "quiz"),
            ("a", True, "review"),
        ]
        stats = qs.stats(clock.now)["l"]
        assert (stats.answers, stats.right, stats.questions, stats.due) == (3, 2, 2, 1)
        assert store.streak() == 2  # answers on two days in a row make a 2-day streak
        # Only ids the bank still has count as due.
        assert qs.due(clock.now, known={"a"}) == []
        assert qs.reset("l") == 3
        assert qs.cards() == [] and qs.answers() == []
