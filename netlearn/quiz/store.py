"""The quiz's tables in the shared progress store (one SQLite file with the lessons' progress).

Each answer and the schedule update it causes are written in one `BEGIN IMMEDIATE` transaction
the moment the answer is given: a quiz that is interrupted (Ctrl-C, a closed terminal, a killed
process) keeps every answer given before, and a second netlearn process writing at the same
time waits for the lock instead of losing either write. Everything is keyed by question id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from netlearn.progress.schema import QUIZ_SCHEMA
from netlearn.progress.store import ProgressStore
from netlearn.quiz.schedule import Card, update

SCHEMA = QUIZ_SCHEMA  # kept with the lessons' tables: the store checks a file is ours


@dataclass(frozen=True)
class AnswerRecord:
    session: str
    mode: str
    question_id: str
    lesson_id: str
    given: str
    correct: bool
    right_answer: str
    answered: float


@dataclass(frozen=True)
class LessonStats:
    answers: int = 0
    right: int = 0
    questions: int = 0  # distinct questions answered
    due: int = 0

    @property
    def accuracy(self) -> float | None:
        return self.right / self.answers if self.answers else None


class QuizStore:
    """The quiz's view of the progress store; the clock gives wall-clock seconds."""

    def __init__(self, store: ProgressStore, clock: Callable[[], float] | None = None) -> None:
        self.store = store
        self.clock = clock or store.clock
        store.ensure_schema(SCHEMA)

    def card(self, question_id: str) -> Card | None:
        row = self.store.conn.execute(
            "SELECT question_id, lesson_id, box, due, right_count, wrong_count, last "
            "FROM quiz_cards WHERE question_id = ?",
            (question_id,),
        ).fetchone()
        return Card(*row) if row else None

    def cards(self) -> list[Card]:
        rows = self.store.conn.execute(
            "SELECT question_id, lesson_id, box, due, right_count, wrong_count, last "
            "FROM quiz_cards ORDER BY due, question_id"
        ).fetchall()
        return [Card(*row) for row in rows]

    def record(
        self,
        *,
        session: str,
        mode: str,
        question_id: str,
        lesson_id: str,
        given: str,
        correct: bool,
        right_answer: str,
    ) -> Card:
        """Save one answer and move its card, in one transaction; return the new card.

        Raises `StoreWriteError` (a full disk, a read-only file) when nothing was saved."""
        now = self.clock()
        with self.store.transaction() as conn:
            row = conn.execute(
                "SELECT question_id, lesson_id, box, due, right_count, wrong_count, last "
                "FROM quiz_cards WHERE question_id = ?",
                (question_id,),
            ).fetchone()
            card = update(Card(*row) if row else None, question_id, lesson_id, correct, now)
            conn.execute(
                "INSERT INTO quiz_answers (session, mode, question_id, lesson_id, given, "
                "correct, right_answer, answered) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session, mode, question_id, lesson_id, given, int(correct), right_answer, now),
            )
            conn.execute(
                "INSERT INTO quiz_cards (question_id, lesson_id, box, due, right_count, "
                "wrong_count, last) VALUES (?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(question_id) DO UPDATE SET lesson_id = excluded.lesson_id, "
                "box = excluded.box, due = excluded.due, right_count = excluded.right_count, "
                "wrong_count = excluded.wrong_count, last = excluded.last",
                (question_id, lesson_id, card.box, card.due, card.right, card.wrong, card.last),
            )
            self.store.touch(conn, now)  # same transaction: the answer is saved whole, or not
        return card

    def answers(self, lesson_id: str | None = None) -> list[AnswerRecord]:
        sql = (
            "SELECT session, mode, question_id, lesson_id, given, correct, right_answer, "
            "answered FROM quiz_answers"
        )
        args: tuple[str, ...] = ()
        if lesson_id is not None:
            sql += " WHERE lesson_id = ?"
            args = (lesson_id,)
        rows = self.store.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [AnswerRecord(r[0], r[1], r[2], r[3], r[4], bool(r[5]), r[6], r[7]) for r in rows]

    def due(self, now: float, known: Iterable[str] | None = None) -> list[Card]:
        """Cards due at `now`, most overdue first (only ids in `known`, when given)."""
        keep = set(known) if known is not None else None
        return [
            c for c in self.cards() if c.is_due(now) and (keep is None or c.question_id in keep)
        ]

    def stats(self, now: float, known: Iterable[str] | None = None) -> dict[str, LessonStats]:
        """Per lesson: answers given, right ones, distinct questions answered, due now."""
        keep = set(known) if known is not None else None
        out: dict[str, LessonStats] = {}
        rows = self.store.conn.execute(
            "SELECT lesson_id, COUNT(*), SUM(correct), COUNT(DISTINCT question_id) "
            "FROM quiz_answers GROUP BY lesson_id"
        ).fetchall()
        for lesson, answers, right, questions in rows:
            out[lesson] = LessonStats(answers, int(right or 0), questions, 0)
        for card in self.due(now, keep):
            s = out.get(card.lesson, LessonStats())
            out[card.lesson] = LessonStats(s.answers, s.right, s.questions, s.due + 1)
        return out

    def reset(self, lesson_id: str | None = None) -> int:
        """Forget answers and schedule of one lesson, or all; returns the answers removed."""
        with self.store.transaction() as conn:
            if lesson_id is None:
                n = conn.execute("DELETE FROM quiz_answers").rowcount
                conn.execute("DELETE FROM quiz_cards")
            else:
                n = conn.execute(
                    "DELETE FROM quiz_answers WHERE lesson_id = ?", (lesson_id,)
                ).rowcount
                conn.execute("DELETE FROM quiz_cards WHERE lesson_id = ?", (lesson_id,))
        return n
