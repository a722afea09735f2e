"""Turn a bank entry into the concrete question put to the learner.

Choices are shown in the order the author wrote them (the author spreads the right letters),
so that a teacher's answer script stays valid from run to run. Ordering items are shuffled with
the quiz's random generator, never left in the right order. Generated and capture entries call
their generator with the same random generator, so `--seed` repeats them exactly.
"""

from __future__ import annotations

import random

from netlearn.quiz.model import Asked, Question


def shuffled_order(n: int, rng: random.Random) -> list[int]:
    """A shuffle of range(n) that is not the identity (for n >= 2)."""
    order = list(range(n))
    if n < 2:
        return order
    while order == sorted(order):
        rng.shuffle(order)
    return order


def ask(question: Question, rng: random.Random) -> Asked:
    """The question as the learner sees it this time."""
    if question.kind in ("generated", "capture"):
        from netlearn.quiz.generators import generate

        asked = generate(question, rng)
        # The bank may override the generator's wording or add to its explanation.
        prompt = question.prompt or asked.prompt
        explanation = asked.explanation
        if question.explanation:
            explanation = f"{explanation}\n\n{question.explanation}"
        return Asked(
            **{
                **asked.__dict__,
                "question_id": question.id,
                "lesson": question.lesson,
                "step": question.step,
                "prompt": prompt,
                "explanation": explanation,
                "source": question.kind,
            }
        )
    common = {
        "question_id": question.id,
        "lesson": question.lesson,
        "step": question.step,
        "kind": question.kind,
        "prompt": question.prompt,
        "explanation": question.explanation,
    }
    if question.kind in ("choice", "multi"):
        correct = tuple(sorted(ord(a) - ord("a") for a in question.answer))
        return Asked(**common, choices=question.choices, correct=correct)
    if question.kind == "fill":
        return Asked(
            **common,
            accepted=(question.answer[0], *question.accept),
            numeric=question.numeric,
        )
    # order: show shuffled; the right answer lists the shown positions in the right order.
    shown = shuffled_order(len(question.items), rng)
    choices = tuple(question.items[i] for i in shown)
    correct = tuple(shown.index(i) for i in range(len(question.items)))
    return Asked(**common, choices=choices, correct=correct)
