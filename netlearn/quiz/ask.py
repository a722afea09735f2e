"""Turn a bank entry into the concrete question put to the learner.

Choices are shuffled on each asking, in every mode, so that review trains the answer and not
its letter; letters always name the choices in the order shown. An explanation's references to a
choice by letter ("(c)") are rewritten to the letter shown. Ordering items are shuffled too,
never left in the right order. Everything comes from the quiz's random generator (one per
question, derived from `--seed`), so `--seed` repeats a quiz exactly, a teacher's script
included, and a run without it shuffles afresh.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

from netlearn.quiz.model import Asked, Question, letter

# A choice named by letter in an explanation: "(c)", or a parenthesis opening "(b is ...".
_LETTER_REF = re.compile(r"\(([a-z])(?=\)| is\b)")


def shuffled_order(n: int, rng: random.Random) -> list[int]:
    """A shuffle of range(n) that is not the identity (for n >= 2)."""
    order = list(range(n))
    if n < 2:
        return order
    while order == sorted(order):
        rng.shuffle(order)
    return order


def shuffle_choices(asked: Asked, rng: random.Random) -> Asked:
    """A choice or multi question with its choices in a fresh random order (letters follow)."""
    if asked.kind not in ("choice", "multi") or len(asked.choices) < 2:
        return asked
    shown = list(range(len(asked.choices)))
    rng.shuffle(shown)
    new_index = {old: new for new, old in enumerate(shown)}

    def relabel(m: re.Match[str]) -> str:
        old = ord(m.group(1)) - ord("a")
        if old >= len(shown):
            return m.group(0)
        return "(" + letter(new_index[old])

    return replace(
        asked,
        choices=tuple(asked.choices[i] for i in shown),
        correct=tuple(sorted(new_index[i] for i in asked.correct)),
        explanation=_LETTER_REF.sub(relabel, asked.explanation),
    )


def ask(question: Question, rng: random.Random) -> Asked:
    """The question as the learner sees it this time, its choices shuffled."""
    return shuffle_choices(_make(question, rng), rng)


def _make(question: Question, rng: random.Random) -> Asked:
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
