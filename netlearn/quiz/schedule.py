"""Spaced repetition with Leitner boxes, kept per question id. Pure: the time is passed in.

Every question the learner has answered sits in a box, 0 to 5. Box k is asked again after
`INTERVALS[k]` seconds:

    box       0        1       2        3        4         5
    after   10 min   1 day   3 days   7 days   16 days   35 days

- A wrong answer (or "I don't know") puts the question in box 0: it comes back in 10 minutes.
- A right answer to a question that is due moves it up one box (a new question starts in box 1),
  so each success waits about twice as long before the next check.
- A right answer before the question is due (in a quiz, not a review) leaves box and due date
  as they are: cramming does not earn the long intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

MINUTE = 60.0
DAY = 86400.0
INTERVALS: tuple[float, ...] = (10 * MINUTE, 1 * DAY, 3 * DAY, 7 * DAY, 16 * DAY, 35 * DAY)
TOP_BOX = len(INTERVALS) - 1


@dataclass(frozen=True)
class Card:
    """Where one question stands: its box, when it is due, how often it was right and wrong."""

    question_id: str
    lesson: str
    box: int
    due: float
    right: int = 0
    wrong: int = 0
    last: float = 0.0

    def is_due(self, now: float) -> bool:
        return self.due <= now


def update(card: Card | None, question_id: str, lesson: str, correct: bool, now: float) -> Card:
    """The card after one answer given at time `now`."""
    right = (card.right if card else 0) + (1 if correct else 0)
    wrong = (card.wrong if card else 0) + (0 if correct else 1)
    if not correct:
        box = 0
        due = now + INTERVALS[0]
    elif card is None:
        box = 1
        due = now + INTERVALS[1]
    elif card.is_due(now):
        box = min(card.box + 1, TOP_BOX)
        due = now + INTERVALS[box]
    else:
        box, due = card.box, card.due
    return Card(question_id, lesson, box, due, right, wrong, now)


def describe_wait(seconds: float) -> str:
    """A wait in words: 'now', 'in 10 minutes', 'in 3 days'."""
    from netlearn.content.words import say

    if seconds <= 0:
        return say("core.quizzing.wait.now")
    if seconds < 2 * 3600:
        minutes = max(1, round(seconds / MINUTE))
        return say(
            "core.quizzing.wait.minute" if minutes == 1 else "core.quizzing.wait.minutes", n=minutes
        )
    if seconds < 23.5 * 3600:
        return say("core.quizzing.wait.hours", n=round(seconds / 3600))
    days = round(seconds / DAY)
    return say("core.quizzing.wait.day" if days == 1 else "core.quizzing.wait.days", n=days)
