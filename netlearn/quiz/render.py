"""How quiz events are drawn: plain lines for pipes and screen readers, cards on a terminal.

Imported by the runner, so the drawing is registered before the first question is shown.
"""

from __future__ import annotations

from rich.console import Console

from netlearn.content.words import say
from netlearn.content.words import table as table_words
from netlearn.env import Env
from netlearn.quiz.answering import QuizRefused
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.model import letter
from netlearn.quiz.report import ProgressReport, steps_text
from netlearn.render.registry import draw_rich, plain_lines, wrap_markdown
from netlearn.render.text import wrap


def _wrap(text: str, width: int, indent: str = "") -> list[str]:
    return wrap(text, width, indent, indent + "   ", hyphens=True)


@plain_lines.register
def _(event: QuizQuestion, env: Env) -> list[str]:
    from netlearn.quiz.card import marked_hexdump

    head = say(
        "core.quizzing.plain.question", n=event.number, total=event.total, lesson=event.lesson_title
    )
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
    lines.append(say("core.quizzing.plain.answer-with", syntax=event.syntax))
    return lines


@plain_lines.register
def _(event: QuizAnswer, env: Env) -> list[str]:
    given = event.given or say("core.quizzing.plain.no-answer")
    if event.correct:
        verdict = say("core.quizzing.plain.right")
    elif not event.valid:
        verdict = say("core.quizzing.plain.invalid")
    else:
        verdict = say("core.quizzing.plain.wrong")
    head = say("core.quizzing.plain.yours", given=given, verdict=verdict)
    if event.message:
        head += f" ({event.message})"
    lines = _wrap(head, env.width)
    if not event.correct and event.answer_kind == "order":
        lines.append(say("core.quizzing.plain.the-order", answer=event.right_answer))
        for n, item in enumerate(event.right_text.split(" -> "), start=1):
            lines.extend(_wrap(f"{n}. {item}", env.width, "  "))
    elif not event.correct:
        lines.extend(
            _wrap(say("core.quizzing.plain.the-answer", answer=event.right_text), env.width)
        )
    lines.append("")
    lines.extend(wrap_markdown(event.explanation, env.width))
    if event.step_ref:
        lines.extend(_wrap(say("core.quizzing.plain.read-more", ref=event.step_ref), env.width))
    if event.next_review:
        lines.append(say("core.quizzing.plain.again", wait=event.next_review))
    return lines


@plain_lines.register
def _(event: QuizRefused, env: Env) -> list[str]:
    given = f"{event.given!r}: " if event.given else ""
    return _wrap(given + say("core.quizzing.plain.try-again", message=event.message), env.width)


@plain_lines.register
def _(event: QuizScore, env: Env) -> list[str]:
    pct = f" ({round(100 * event.right / event.answered)}%)" if event.answered else ""
    title = say(
        "core.quizzing.plain.review" if event.mode == "review" else "core.quizzing.plain.quiz"
    )
    score = say(
        "core.quizzing.plain.score",
        title=title,
        right=event.right,
        answered=event.answered,
        pct=pct,
    )
    lines = ["", score]
    if event.answered < event.total:
        if event.stopped == "eof":
            why = say("core.quizzing.plain.eof")
        elif event.stopped == "interrupted":
            why = say("core.quizzing.plain.interrupted")
        else:
            why = say("core.quizzing.plain.quit")
        lines.append(
            say("core.quizzing.plain.answered", answered=event.answered, total=event.total, why=why)
        )
    if len(event.per_lesson) > 1:
        for lesson, right, answered in event.per_lesson:
            lines.append(f"- {lesson}: {right} of {answered}")
    if event.advice:
        lines.extend(wrap_markdown(event.advice, env.width))
    return lines


@draw_rich.register
def _(event: QuizQuestion, env: Env, console: Console) -> None:
    from netlearn.quiz.card import QuizCard

    console.print(QuizCard(event))


@draw_rich.register
def _(event: QuizAnswer, env: Env, console: Console) -> None:
    from netlearn.quiz.card import AnswerCard

    console.print(AnswerCard(event))


@draw_rich.register
def _(event: QuizRefused, env: Env, console: Console) -> None:
    from rich.text import Text

    console.print(Text(say("core.quizzing.plain.try-again", message=event.message), style="yellow"))


@draw_rich.register
def _(event: QuizScore, env: Env, console: Console) -> None:
    from netlearn.quiz.card import ScoreCard

    console.print(ScoreCard(event))


def _pct(right: int, answers: int) -> str:
    return f"{round(100 * right / answers)}%" if answers else "-"


@plain_lines.register
def _(event: ProgressReport, env: Env) -> list[str]:
    title = say("core.quizzing.progress.title")
    lines = ["", title, "=" * len(title)]
    for r in event.rows:
        name = r.id if r.title == r.id else f"{r.id} ({r.title})"
        if not r.quiz_questions:
            quiz = say("core.quizzing.progress.no-quiz")
        elif not r.quiz_answers:
            quiz = say("core.quizzing.progress.quiz-none", questions=r.quiz_questions)
        else:
            quiz = say(
                "core.quizzing.progress.quiz-some",
                answered=r.quiz_answered,
                questions=r.quiz_questions,
                pct=_pct(r.quiz_right, r.quiz_answers),
            )
        text = say(
            "core.quizzing.progress.row", name=name, steps=steps_text(r), quiz=quiz, due=r.due_now
        )
        lines.extend(_wrap(text, env.width))
    return [*lines, ""]


@draw_rich.register
def _(event: ProgressReport, env: Env, console: Console) -> None:
    from rich.table import Table

    table = Table(title=say("core.quizzing.progress.title"), title_justify="left", expand=False)
    columns = table_words("core.quizzing.progress.columns")
    table.add_column(columns["lesson"], style="bold")
    for key in ("steps", "answered", "right", "due"):
        table.add_column(columns[key], justify="right")
    for r in event.rows:
        table.add_row(
            r.id,
            steps_text(r),
            say(
                "core.quizzing.progress.answered-of",
                answered=r.quiz_answered,
                questions=r.quiz_questions,
            )
            if r.quiz_questions
            else "-",
            _pct(r.quiz_right, r.quiz_answers),
            str(r.due_now) if r.due_now else "-",
        )
    table.caption = say("core.quizzing.progress.caption")
    console.print(table)
    console.print()
