"""What a question is: the bank entry a teacher writes, and the concrete question a learner sees.

A bank entry (`Question`) of kind choice, multi, fill or order is asked as written. A generated
or capture entry names a generator that, given a random generator, builds a fresh `Asked` of one
of those four answer kinds from real packets. Scoring and the stores only ever see `Asked`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# What the learner answers (the answer syntax follows from this).
ANSWER_KINDS = ("choice", "multi", "fill", "order")
# What a bank entry may be: the four above, or made by a generator.
BANK_KINDS = (*ANSWER_KINDS, "generated", "capture")


@dataclass(frozen=True)
class Question:
    """One entry of `lessons/<lesson>/quiz.toml`, as written (validated by the checker)."""

    id: str
    lesson: str
    kind: str
    step: str
    path: Path
    line: int
    prompt: str = ""
    choices: tuple[str, ...] = ()
    answer: tuple[str, ...] = ()  # choice letters, or the fill answer
    accept: tuple[str, ...] = ()  # more accepted fill answers
    numeric: bool = False  # a fill answer compared as a number (0x.. and 1,000 allowed)
    items: tuple[str, ...] = ()  # an ordering question's items, in the right order
    explanation: str = ""
    generator: str = ""
    params: dict[str, str] = field(default_factory=dict)
    from_notes: str = ""  # the learner-notes question this entry answers, word for word


@dataclass(frozen=True)
class Asked:
    """A question as put to the learner: everything needed to show it and to score the answer.

    - choice: `choices`, `correct` = one index.
    - multi: `choices`, `correct` = the indexes of every right choice.
    - fill: `accepted` = the accepted answers (the first is the one shown as right).
    - order: `choices` = the items as shown (shuffled), `correct` = the shown indexes in the
      right order.
    `exhibit` is monospace text shown with the question (a capture line, headers); `hexdump`
    with `highlight` (a byte offset, or -1) is a hex dump with one byte marked. `packets` keeps
    the whole bytes a generated question was made from, so anyone (a test, tshark) can check it.
    """

    question_id: str
    lesson: str
    step: str
    kind: str
    prompt: str
    explanation: str
    choices: tuple[str, ...] = ()
    correct: tuple[int, ...] = ()
    accepted: tuple[str, ...] = ()
    numeric: bool = False
    exhibit: tuple[str, ...] = ()
    hexdump: bytes = b""
    highlight: int = -1
    source: str = "bank"  # bank, generated or capture
    packets: tuple[bytes, ...] = ()  # the real packets (or frame) the question was made from


class QuestionUnavailable(Exception):
    """A generated question cannot be made here (no bundled capture): the quiz skips it."""


def letter(index: int) -> str:
    """Choice number 0 -> 'a'."""
    return chr(ord("a") + index)
