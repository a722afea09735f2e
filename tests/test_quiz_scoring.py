"""Scoring of every kind of question, and the answer syntax a script uses."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from netlearn.quiz.answering import judge
from netlearn.quiz.ask import ask, shuffled_order
from netlearn.quiz.model import Asked, Question
from netlearn.quiz.scoring import normalize, right_answer, right_text, score, syntax_help


def question(kind: str, **kw: object) -> Question:
    return Question(id="q", lesson="l", kind=kind, step="s", path=Path("x"), line=1, **kw)  # type: ignore[arg-type]


# Scoring is tested on choices in a known order (`ask` shuffles them: see test_quiz_shuffle.py).
CHOICE = Asked(
    "q", "l", "s", "choice", "p", "", choices=("one", "two", "three", "four"), correct=(2,)
)
MULTI = Asked(
    "q", "l", "s", "multi", "p", "", choices=("a1", "b2", "c3", "d4", "e5"), correct=(0, 2, 4)
)
FILL = ask(
    question(
        "fill",
        prompt="a ____",
        answer=("request",),
        accept=("an HTTP request", "Sec-WebSocket-Key"),
    ),
    random.Random(1),
)
NUMERIC = ask(
    question("fill", prompt="____", answer=("4294967295",), numeric=True), random.Random(1)
)


def test_choice_takes_one_letter_in_any_case() -> None:
    assert score(CHOICE, "c").correct
    assert score(CHOICE, " C ").correct
    assert score(CHOICE, "c)").correct
    assert not score(CHOICE, "b").correct
    assert score(CHOICE, "b").valid


@pytest.mark.parametrize("bad", ["e", "z", "cd", "3", "c,d", "yes"])
def test_choice_rejects_what_is_not_one_of_its_letters(bad: str) -> None:
    judged = score(CHOICE, bad)
    assert not judged.valid and not judged.correct
    assert judged.message


@pytest.mark.parametrize("given", ["a,c,e", "e c a", "ace", "a, c, e", "A;C;E", "a,c,e,a"])
def test_multi_is_right_for_exactly_the_right_set_in_any_order(given: str) -> None:
    assert score(MULTI, given).correct


def test_multi_says_what_was_missed_and_what_was_wrong() -> None:
    judged = score(MULTI, "a,b")
    assert judged.valid and not judged.correct
    assert "missed c,e" in judged.message
    assert "not right: b" in judged.message
    assert not score(MULTI, "a,c").correct  # a subset is not enough
    assert not score(MULTI, "a,b,c,d,e").correct  # nor is everything
    assert not score(MULTI, "a,f").valid


@pytest.mark.parametrize(
    "given",
    ["request", "Request", "REQUEST.", "  request ", "request?", "'request'", "an http request"],
)
def test_fill_ignores_case_spaces_quotes_and_final_punctuation(given: str) -> None:
    assert score(FILL, given).correct


def test_fill_takes_accepted_variants_and_refuses_others() -> None:
    assert score(FILL, "anHTTP   request").correct  # spaces do not matter
    assert score(FILL, "sec-websocket-key").correct
    assert not score(FILL, "response").correct
    assert not score(FILL, "requests please").correct
    assert normalize(" Sec-WebSocket-Key. ") == "sec-websocket-key"


@pytest.mark.parametrize("given", ["4294967295", "4,294,967,295", "4 294 967 295", "0xffffffff"])
def test_numeric_fill_compares_numbers(given: str) -> None:
    assert score(NUMERIC, given).correct


def test_numeric_fill_refuses_other_numbers_and_words() -> None:
    assert not score(NUMERIC, "4294967296").correct
    assert not score(NUMERIC, "lots").correct
    # Not a number at all: refused (asked again), not graded as a miss.
    assert judge(NUMERIC, "4294967296").valid
    assert not judge(NUMERIC, "lots").valid and not judge(NUMERIC, "42949o7295").valid
    assert judge(NUMERIC, "?").valid


def test_dont_know_is_a_valid_wrong_answer() -> None:
    for asked in (CHOICE, MULTI, FILL, NUMERIC):
        for given in ("?", "", "   "):
            judged = score(asked, given)
            assert judged.valid and not judged.correct


def test_order_items_are_shown_shuffled_and_the_right_answer_puts_them_back() -> None:
    items = ("Physical", "Data link", "Network", "Transport", "Session", "Presentation", "App")
    for seed in range(20):
        asked = ask(question("order", prompt="p", items=items), random.Random(seed))
        assert asked.choices != items  # never shown already in order
        assert sorted(asked.choices) == sorted(items)
        # The right answer names the shown items in the right order.
        assert tuple(asked.choices[i] for i in asked.correct) == items
        typed = right_answer(asked)
        assert score(asked, typed).correct
        assert score(asked, typed.replace(" ", ",")).correct
        assert score(asked, typed.replace(" ", "")).correct  # "3124567"
        assert right_text(asked) == " -> ".join(items)


def test_order_refuses_what_is_not_a_permutation() -> None:
    asked = ask(question("order", prompt="p", items=("x", "y", "z")), random.Random(3))
    wrong = " ".join(str(i + 1) for i in reversed(asked.correct))
    assert score(asked, wrong).valid and not score(asked, wrong).correct
    for bad in ("1 2", "1 1 2", "1 2 4", "a b c", "1 2 3 4"):
        assert not score(asked, bad).valid, bad


def test_shuffled_order_is_never_the_identity() -> None:
    for n in range(2, 8):
        for seed in range(30):
            order = shuffled_order(n, random.Random(seed))
            assert order != list(range(n)) and sorted(order) == list(range(n))


def test_right_answer_is_in_the_answer_syntax() -> None:
    assert right_answer(CHOICE) == "c"
    assert right_answer(MULTI) == "a,c,e"
    assert right_answer(FILL) == "request"
    assert right_text(CHOICE) == "c) three"
    assert syntax_help(CHOICE) == "one letter a-d"
    assert "a,c" in syntax_help(MULTI)


def test_every_kind_scores_its_own_right_answer_as_right() -> None:
    for asked in (CHOICE, MULTI, FILL, NUMERIC):
        assert score(asked, right_answer(asked)).correct


def test_asked_is_plain_data() -> None:
    # An Asked is what the stores and events are built from: no hidden state.
    assert isinstance(CHOICE, Asked) and CHOICE.correct == (2,)
