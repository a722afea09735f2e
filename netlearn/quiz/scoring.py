"""The answer syntax of each kind of question, and whether an answer is right.

One answer is one line of text, typed at the prompt or read from standard input:

- choice: one letter, `b` (a trailing `)` or `.` is fine: `b)`).
- multi: every right letter, in any order, separated by commas or spaces or nothing:
  `a,c`, `a c`, `ac`. Right means exactly the right set.
- fill: free text. Case, spaces and a final `.`, `!` or `?` do not matter; quotes and backticks
  around it are dropped; every accepted variant counts. A numeric blank also takes `0x` hex and
  digit groups (`1,000`).
- order: the numbers of the shown items in the right order: `3 1 2`, `3,1,2` or `312`.
- `?` (or an empty line) means "I don't know": counted wrong, and the answer is shown.

An answer that does not fit the syntax (a letter beyond the choices, an order that is not a
permutation) is `valid=False`. The quiz never grades it: in every mode, on a terminal or from a
script, it says why and asks again (`netlearn.quiz.answering.judge` adds the one rule this module
leaves to it: a numeric blank refuses text that is not a number).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from netlearn.content.words import say
from netlearn.quiz.bank import parse_number
from netlearn.quiz.model import Asked, letter

DONT_KNOW = ("", "?")


@dataclass(frozen=True)
class Scored:
    given: str  # what the learner typed, stripped
    valid: bool
    correct: bool
    message: str = ""  # why the answer is invalid, or what was missed


def syntax_help(asked: Asked) -> str:
    """How to type an answer to this question, in one short line."""
    n = len(asked.choices)
    if asked.kind == "choice":
        return say("core.quizzing.syntax.choice", last=letter(n - 1))
    if asked.kind == "multi":
        return say("core.quizzing.syntax.multi", last=letter(n - 1))
    if asked.kind == "order":
        example = " ".join(str(i) for i in range(n, 0, -1))
        return say("core.quizzing.syntax.order", n=n, example=example)
    if asked.numeric:
        return say("core.quizzing.syntax.number")
    return say("core.quizzing.syntax.words")


def right_answer(asked: Asked) -> str:
    """The right answer in the answer syntax (what a script would type)."""
    if asked.kind in ("choice", "multi"):
        return ",".join(letter(i) for i in asked.correct)
    if asked.kind == "order":
        return " ".join(str(i + 1) for i in asked.correct)
    return asked.accepted[0]


def right_text(asked: Asked) -> str:
    """The right answer in words."""
    if asked.kind in ("choice", "multi"):
        return "; ".join(f"{letter(i)}) {asked.choices[i]}" for i in asked.correct)
    if asked.kind == "order":
        return " -> ".join(asked.choices[i] for i in asked.correct)
    return asked.accepted[0]


def normalize(text: str) -> str:
    """A fill answer as compared: NFKC, case-folded, no spaces, no final punctuation/quotes."""
    t = unicodedata.normalize("NFKC", text).casefold().strip()
    t = t.strip("\"'`“”‘’")
    t = t.rstrip(".!?").strip().strip("\"'`“”‘’")
    return re.sub(r"\s+", "", t)


def _letters(text: str, n: int) -> tuple[list[int], str]:
    cleaned = re.sub(r"[\s,;/)+.]+", " ", text.lower()).strip()
    tokens = cleaned.split()
    if len(tokens) == 1 and len(tokens[0]) > 1 and tokens[0].isalpha():
        tokens = list(tokens[0])  # "ac"
    out: list[int] = []
    for token in tokens:
        if len(token) != 1 or not "a" <= token <= "z":
            return [], say("core.quizzing.judge.not-a-letter", token=token)
        index = ord(token) - ord("a")
        if index >= n:
            return [], say("core.quizzing.judge.no-such-choice", token=token, last=letter(n - 1))
        if index not in out:
            out.append(index)
    return out, ""


def _answer_with(asked: Asked) -> str:
    return say("core.quizzing.judge.answer-with", syntax=syntax_help(asked))


def _letter_list(indexes: list[int]) -> str:
    return ",".join(letter(i) for i in indexes)


def score(asked: Asked, given: str) -> Scored:
    """Score one line of input against a question."""
    text = given.strip()
    if text in DONT_KNOW:
        return Scored(text, True, False, say("core.quizzing.judge.no-answer"))
    n = len(asked.choices)
    if asked.kind == "choice":
        picked, err = _letters(text, n)
        if err or len(picked) != 1:
            return Scored(text, False, False, err or _answer_with(asked))
        return Scored(text, True, picked[0] == asked.correct[0])
    if asked.kind == "multi":
        picked, err = _letters(text, n)
        if err or not picked:
            return Scored(text, False, False, err or _answer_with(asked))
        want = set(asked.correct)
        got = set(picked)
        missed = sorted(want - got)
        extra = sorted(got - want)
        notes = []
        if missed:
            notes.append(say("core.quizzing.judge.missed", letters=_letter_list(missed)))
        if extra:
            notes.append(say("core.quizzing.judge.not-right", letters=_letter_list(extra)))
        return Scored(text, True, got == want, "; ".join(notes))
    if asked.kind == "order":
        digits = re.sub(r"[\s,;>-]+", " ", text).strip().split()
        if len(digits) == 1 and len(digits[0]) == n:
            digits = list(digits[0])  # "312"
        if not all(d.isdigit() for d in digits):
            return Scored(text, False, False, _answer_with(asked))
        order = [int(d) - 1 for d in digits]
        if sorted(order) != list(range(n)):
            return Scored(
                text,
                False,
                False,
                say("core.quizzing.judge.each-once", n=n, syntax=syntax_help(asked)),
            )
        return Scored(text, True, tuple(order) == asked.correct)
    # fill
    if asked.numeric:
        value = parse_number(text)
        want_values = {parse_number(a) for a in asked.accepted}
        return Scored(text, True, value is not None and value in want_values)
    return Scored(text, True, normalize(text) in {normalize(a) for a in asked.accepted})
