"""How quiz events are drawn: plain lines for pipes and screen readers, cards on a terminal.

Imported by the runner, so the drawing is registered before the first question is shown.
"""

from __future__ import annotations

import textwrap

from rich.console import Console

from netlearn.env import Env
from netlearn.quiz.answering import QuizRefused
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.model import letter
from netlearn.quiz.report import ProgressReport, steps_text
from netlearn.render.registry import draw_rich, plain_lines, wrap_markdown


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return textwrap.wrap(
        text, width=width, initial_indent=indent, subsequent_indent=indent + "   "
    ) or [indent]


@plain_lines.register
def _(event: QuizQuestion, env: Env) -> list[str]:
    from netlearn.render.widgets.quiz_card import marked_hexdump

    head = f"Question {event.number} of {event.total} ({event.lesson_title})"
    lines = ["", head, "-" * min(len(head), env.width)]
    lines.extend(wrap_markdown(event.prompt, env.width))
    if event.exhibit:
        lines.append("")
        for line in event.exhibit:
            lines.extend(_wrap(line, env.width, "  "))
    if event.hexdump:
        lines.append("")
        lines.extend("  " + line for line in marked_hexdump(event.hexdump, event.highlight))
    if event.choices:
        lines.append("")
        for i, choice in enumerate(event.choices):
            mark = f"{i + 1})" if event.answer_kind == "order" else f"{letter(i)})"
            lines.extend(_wrap(f"{mark} {choice}", env.width, "  "))
    lines.append(f"Answer with {event.syntax}.")
    return lines


@plain_lines.register
def _(event: QuizAnswer, env: Env) -> list[str]:
    given = event.given or "(no answer)"
    if event.correct:
        verdict = "right."
    elif not event.valid:
        verdict = "not a valid answer."
    else:
        verdict = "not right."
    head = f"Your answer: {given} -- {verdict}"
    if event.message:
        head += f" ({event.message})"
    lines = _wrap(head, env.width)
    if not event.correct and event.answer_kind == "order":
        lines.append(f"The answer: {event.right_answer}, that is:")
        for n, item in enumerate(event.right_text.split(" -> "), start=1):
            lines.extend(_wrap(f"{n}. {item}", env.width, "  "))
    elif not event.correct:
        lines.extend(_wrap(f"The answer: {event.right_text}", env.width))
    lines.append("")
    lines.extend(wrap_markdown(event.explanation, env.width))
    if event.step_ref:
        lines.extend(_wrap(f"Read more: {event.step_ref}", env.width))
    if event.next_review:
        lines.append(f"Asked again {event.next_review}.")
    return lines


@plain_lines.register
def _(event: QuizRefused, env: Env) -> list[str]:
    given = f"{event.given!r}: " if event.given else ""
    return _wrap(f"{given}{event.message} Try again.", env.width)


@plain_lines.register
def _(event: QuizScore, env: Env) -> list[str]:
    pct = f" ({round(100 * event.right / event.answered)}%)" if event.answered else ""
    title = "Review" if event.mode == "review" else "Quiz"
    lines = ["", f"{title} score: {event.right} of {event.answered} right{pct}."]
    if event.answered < event.total:
        why = {"eof": "input ended", "quit": "stopped", "interrupted": "interrupted"}.get(
            event.stopped, "stopped"
        )
        lines.append(f"Answered {event.answered} of {event.total} questions ({why}).")
    if len(event.per_lesson) > 1:
        for lesson, right, answered in event.per_lesson:
            lines.append(f"- {lesson}: {right} of {answered}")
    if event.advice:
        lines.extend(wrap_markdown(event.advice, env.width))
    return lines


@draw_rich.register
def _(event: QuizQuestion, env: Env, console: Console) -> None:
    from netlearn.render.widgets.quiz_card import QuizCard

    console.print(QuizCard(event))


@draw_rich.register
def _(event: QuizAnswer, env: Env, console: Console) -> None:
    from netlearn.render.widgets.quiz_card import AnswerCard

    console.print(AnswerCard(event))


@draw_rich.register
def _(event: QuizRefused, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(Text(f"{event.message} Try again.", style="yellow"))


@draw_rich.register
def _(event: QuizScore, env: Env, console: Console) -> None:
    from netlearn.render.widgets.quiz_card import ScoreCard

    console.print(ScoreCard(event))


def _pct(right: int, answers: int) -> str:
    return f"{round(100 * right / answers)}%" if answers else "-"


@plain_lines.register
def _(event: ProgressReport, env: Env) -> list[str]:
    lines = ["", "Your progress", "============="]
    for r in event.rows:
        name = r.id if r.title == r.id else f"{r.id} ({r.title})"
        if not r.quiz_questions:
            quiz = "no quiz"
        elif not r.quiz_answers:
            quiz = f"quiz 0 of {r.quiz_questions} answered"
        else:
            quiz = (
                f"quiz {r.quiz_answered} of {r.quiz_questions} answered, "
                f"{_pct(r.quiz_right, r.quiz_answers)} of answers right"
            )
        text = f"- {name}: steps {steps_text(r)}; {quiz}; {r.due_now} due now"
        lines.extend(_wrap(text, env.width))
    return [*lines, ""]


@draw_rich.register
def _(event: ProgressReport, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(title="Your progress", title_justify="left", expand=False)
    table.add_column("lesson", style="bold")
    table.add_column("steps", justify="right")
    table.add_column("quiz answered", justify="right")
    table.add_column("right", justify="right")
    table.add_column("due now", justify="right")
    for r in event.rows:
        table.add_row(
            r.id,
            steps_text(r),
            f"{r.quiz_answered} of {r.quiz_questions}" if r.quiz_questions else "-",
            _pct(r.quiz_right, r.quiz_answers),
            str(r.due_now) if r.due_now else "-",
        )
    table.caption = "right: of all your answers · due: for netlearn review"
    console.print(table)
    console.print()
