"""The events a quiz emits: a question is asked, an answer is judged, the score at the end.

Like every event they say what happened and nothing about looks; `netlearn.quiz.render` draws
them as plain lines and Rich cards, and the JSON renderer prints them as they are, so a teacher's
script reads `quiz.answer` lines: the question id, the answer given, whether it was right, and the
right answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from netlearn.events import Event


@dataclass(frozen=True, kw_only=True)
class QuizQuestion(Event):
    """Question `number` of `total` is put to the learner."""

    kind: ClassVar[str] = "quiz.question"
    number: int
    total: int
    question_id: str
    lesson: str
    lesson_title: str
    step: str
    answer_kind: str  # choice, multi, fill or order: how to answer
    source: str  # bank, generated or capture
    prompt: str
    choices: tuple[str, ...] = ()
    exhibit: tuple[str, ...] = ()
    hexdump: bytes = b""
    highlight: int = -1
    syntax: str = ""


@dataclass(frozen=True, kw_only=True)
class QuizAnswer(Event):
    """The learner's answer, judged, with the right answer and why."""

    kind: ClassVar[str] = "quiz.answer"
    number: int
    question_id: str
    lesson: str
    given: str
    correct: bool
    valid: bool
    right_answer: str  # in the answer syntax: "b", "a,c", "3 1 2", "request"
    right_text: str  # in words
    explanation: str
    answer_kind: str = "choice"
    step: str
    step_ref: str = ""  # where to read about it: lesson, step title, the command
    message: str = ""  # what was missed, or why the answer was not valid
    next_review: str = ""  # "in 10 minutes", "in 3 days"


@dataclass(frozen=True, kw_only=True)
class QuizScore(Event):
    """The end of a quiz or review: how many were right, per lesson, and why it ended."""

    kind: ClassVar[str] = "quiz.score"
    mode: str  # quiz or review
    right: int
    answered: int
    total: int
    per_lesson: tuple[tuple[str, int, int], ...] = ()  # (lesson, right, answered)
    stopped: str = ""  # "", "eof", "quit" or "interrupted"
    advice: str = ""
