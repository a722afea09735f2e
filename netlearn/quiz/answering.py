"""Answering a question: which input counts as an answer, and the keys of the full-screen quiz.

One rule in every mode (the full-screen quiz, a person typing lines, a script on a pipe): an
input that is not an answer to this kind of question (a letter beyond the choices, an order
that is not a permutation, a word where a number is asked) is refused and asked again, never
graded. `?` (or an empty line from a script) is "I don't know": a wrong answer, the answer shown.

`AnswerPad` is the full-screen quiz's answer state, without any I/O: keys in, an `Outcome` out.
It builds the same answer line a script would type, so the one scoring function judges both.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import ClassVar

from netlearn.content.words import say
from netlearn.events import Event
from netlearn.quiz.bank import parse_number
from netlearn.quiz.model import Asked, letter
from netlearn.quiz.scoring import DONT_KNOW, Scored, score, syntax_help


# The event lives here, beside the rule it reports.
@dataclass(frozen=True, kw_only=True)
class QuizRefused(Event):
    """An input that is not an answer to question `number`: refused, not graded, asked again."""

    kind: ClassVar[str] = "quiz.refused"
    number: int
    question_id: str
    given: str
    message: str  # one line: why, and how to answer


def judge(asked: Asked, given: str) -> Scored:
    """`score`, with a blank that asks for a number refusing what is not one."""
    judged = score(asked, given)
    text = given.strip()
    numeric = asked.kind == "fill" and asked.numeric
    if numeric and text not in DONT_KNOW and parse_number(text) is None:
        return replace(
            judged,
            valid=False,
            correct=False,
            message=say("core.quizzing.judge.not-a-number", text=text, syntax=syntax_help(asked)),
        )
    return judged


def refusal(asked: Asked, judged: Scored) -> str:
    """The one line that says why an input was refused and how to answer."""
    message = judged.message or say("core.quizzing.judge.not-an-answer")
    if syntax_help(asked) not in message:
        message = f"{message}; {say('core.quizzing.judge.answer-with', syntax=syntax_help(asked))}"
    return say("core.quizzing.judge.refused", message=message)


@dataclass(frozen=True)
class Outcome:
    """What a key did: `submit` an answer line, `refuse` with a message, `stop`, or nothing."""

    action: str = ""  # "", "submit", "refuse", "stop"
    text: str = ""


@dataclass
class AnswerPad:
    """Keys to an answer line for one question (choice, multi, order; fill uses a text box).

    - choice: a letter (or its number 1-9) answers at once; arrows or j/k move the cursor and
      Enter answers the choice under it.
    - multi: a letter (or number) or Space toggles a choice; Enter submits the ticked ones.
    - order: the numbers of the shown items, one key each, in the right order; Backspace takes
      the last back; Enter submits.
    - `?` reveals (I don't know), `q` stops (never on a fill question: `q` may be the answer).
    """

    asked: Asked
    cursor: int = 0
    ticked: set[int] = field(default_factory=set)
    order: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.asked.choices)

    def line(self) -> str:
        """The answer as a script would type it."""
        if self.asked.kind == "order":
            return " ".join(str(i + 1) for i in self.order)
        return ",".join(letter(i) for i in sorted(self.ticked))

    def _index(self, key: str) -> int | None:
        if len(key) == 1 and key.isdigit() and key != "0":
            return int(key) - 1
        if self.asked.kind != "order" and len(key) == 1 and "a" <= key <= "z":
            return ord(key) - ord("a")
        return None

    def key(self, key: str) -> Outcome:
        """Apply one key (Textual's key names: "a", "3", "space", "enter", "up", ...)."""
        kind = self.asked.kind
        if key in ("question_mark", "?"):
            return Outcome("submit", "?")
        if key in ("up", "k") and kind != "order":
            self.cursor = (self.cursor - 1) % self.n
            return Outcome()
        if key in ("down", "j") and kind != "order":
            self.cursor = (self.cursor + 1) % self.n
            return Outcome()
        if key == "q":
            return Outcome("stop")
        if key == "backspace":
            if kind == "order" and self.order:
                self.order.pop()
            return Outcome()
        if key == "space" and kind == "multi":
            self.ticked ^= {self.cursor}
            return Outcome()
        if key == "enter":
            if kind == "choice":
                return Outcome("submit", letter(self.cursor))
            return self._submit()
        index = self._index(key)
        if index is None:
            return Outcome()
        if index >= self.n:
            help_ = syntax_help(self.asked)
            return Outcome(
                "refuse", say("core.quizzing.keys.no-such-choice", key=key, syntax=help_)
            )
        self.cursor = index
        if kind == "choice":
            return Outcome("submit", letter(index))
        if kind == "multi":
            self.ticked ^= {index}
            return Outcome()
        if index in self.order:
            return Outcome("refuse", say("core.quizzing.keys.placed", n=index + 1))
        self.order.append(index)
        return Outcome()

    def _submit(self) -> Outcome:
        line = self.line()
        judged = judge(self.asked, line)
        if self.asked.kind == "multi" and not self.ticked:
            return Outcome("refuse", say("core.quizzing.keys.tick"))
        if self.asked.kind == "order" and len(self.order) < self.n:
            left = self.n - len(self.order)
            return Outcome("refuse", say("core.quizzing.keys.place-all", left=left))
        if not judged.valid:
            return Outcome("refuse", refusal(self.asked, judged))
        return Outcome("submit", line)
