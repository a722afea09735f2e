"""The quiz card: a question as the learner sees it, and its back, the judged answer.

`QuizCard` shows the prompt, any exhibit (a capture line, request headers), a hex dump with one
byte marked, and the choices or items to order; its subtitle says how to answer. `AnswerCard` is
green when right and red when not, with the right answer, the explanation and where to read more.
Hex dumps here are never coloured by layer: that would give the answer away.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from netlearn.content.words import say, table
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.model import letter
from netlearn.render.text import ascii_of


def marked_hexdump(raw: bytes, highlight: int = -1, per_line: int = 16) -> list[str]:
    """A hex dump without colour, with a line of ^^ under the marked byte (plain and Rich)."""
    out = []
    for start in range(0, len(raw), per_line):
        chunk = raw[start : start + per_line]
        hexpart = " ".join(f"{b:02x}" for b in chunk).ljust(per_line * 3 - 1)
        asc = ascii_of(chunk)
        out.append(f"{start:04x}  {hexpart}  {asc}")
        if start <= highlight < start + per_line:
            col = 6 + (highlight - start) * 3
            mark = say("core.quiz-card.question.marked-byte", offset=highlight)
            out.append(" " * col + "^^" + f"  {mark}")
    return out


class MarkedHexDump:
    """`marked_hexdump` on a console: the marked byte also in reverse video where styles show."""

    def __init__(self, raw: bytes, highlight: int = -1) -> None:
        self.raw = raw
        self.highlight = highlight

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        per_line = 16 if options.max_width >= 6 + 16 * 4 + 2 else 8
        for line in marked_hexdump(self.raw, self.highlight, per_line):
            text = Text(line, no_wrap=True, overflow="crop")
            if line.startswith(" "):
                text.stylize("bold yellow")
            elif self.highlight >= 0:
                start = int(line[:4], 16)
                if start <= self.highlight < start + per_line:
                    col = 6 + (self.highlight - start) * 3
                    text.stylize("bold reverse", col, col + 2)
            yield text


def inline_code(text: str) -> Text:
    """Text whose `code spans` are drawn as code, backticks dropped (as Markdown would)."""
    out = Text()
    for i, part in enumerate(text.split("`")):
        out.append(part, style="bold cyan" if i % 2 else "")
    return out


class QuizCard:
    """The front of the card: the question.

    In the full-screen quiz it also shows the learner's answer in progress: `cursor` (the
    choice under the cursor, marked `›` and in reverse video), `ticked` (multi: `[x]`) and
    `placed` (order: the items' numbers in the order given so far). Markers, not colours, carry
    the state, so NO_COLOR loses nothing.
    """

    def __init__(
        self,
        q: QuizQuestion,
        cursor: int = -1,
        ticked: frozenset[int] = frozenset(),
        placed: tuple[int, ...] = (),
    ) -> None:
        self.q = q
        self.cursor = cursor
        self.ticked = ticked
        self.placed = placed

    def _choice(self, i: int, choice: str) -> Text:
        q = self.q
        mark = f"{i + 1})" if q.answer_kind == "order" else f"{letter(i)})"
        line = Text()
        if self.cursor >= 0 and q.answer_kind != "order":
            line.append("› " if i == self.cursor else "  ", style="bold")
        if q.answer_kind == "multi" and self.cursor >= 0:
            line.append("[x] " if i in self.ticked else "[ ] ", style="bold")
        if q.answer_kind == "order" and i in self.placed:
            line.append(f"#{self.placed.index(i) + 1} ", style="bold")
        elif q.answer_kind == "order" and self.placed:
            line.append("   ")
        line.append(f"{mark} ", style="bold")
        line.append_text(inline_code(choice))
        if i == self.cursor and q.answer_kind != "order":
            line.stylize("reverse")
        return line

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        q = self.q
        parts: list[RenderableType] = [Markdown(q.prompt)]
        if q.exhibit:
            parts.append(Text(""))
            parts.append(Text("\n".join(q.exhibit), style="cyan", no_wrap=False))
        if q.hexdump:
            parts.append(Text(""))
            parts.append(MarkedHexDump(q.hexdump, q.highlight))
        if q.choices:
            parts.append(Text(""))
            for i, choice in enumerate(q.choices):
                parts.append(Padding1(self._choice(i, choice)))
        if q.answer_kind == "order" and self.cursor >= 0:
            given = [str(i + 1) for i in self.placed]
            given += ["_"] * (len(q.choices) - len(given))
            parts.append(Text(""))
            order = say("core.quiz-card.question.your-order", order=" ".join(given))
            parts.append(Text(order, style="bold"))
        title = say(
            "core.quiz-card.question.title", number=q.number, total=q.total, lesson=q.lesson_title
        )
        sub = table("core.quiz-card.kinds").get(q.answer_kind, q.answer_kind)
        if q.source != "bank":
            sub += f" · {q.source}"
        yield Panel(
            Group(*parts),
            title=f"[bold]{title}[/]",
            title_align="left",
            subtitle=f"[dim]{sub}: {q.syntax}[/]",
            subtitle_align="left",
            border_style="bright_blue",
        )


class Padding1:
    """A choice, its wrapped lines indented under the text rather than under the letter."""

    def __init__(self, text: Text) -> None:
        self.text = text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(10, options.max_width - 3)
        lines = self.text.wrap(console, width)
        for i, line in enumerate(lines):
            yield Text("   ") + line if i else line


class AnswerCard:
    """The back of the card: right or not, the right answer, why, where to read more."""

    def __init__(self, a: QuizAnswer) -> None:
        self.a = a

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        a = self.a
        parts: list[RenderableType] = []
        given = a.given or say("core.quiz-card.answer.none")
        verdict = Text(say("core.quiz-card.answer.yours", given=given), style="bold")
        if a.correct:
            verdict.append(say("core.quiz-card.answer.right"), style="bold green")
        elif not a.valid:
            verdict.append(say("core.quiz-card.answer.invalid"), style="bold red")
        else:
            verdict.append(say("core.quiz-card.answer.wrong"), style="bold red")
        if a.message:
            verdict.append(f"  ({a.message})", style="dim")
        parts.append(verdict)
        if not a.correct and a.answer_kind == "order":
            order = say("core.quiz-card.answer.order", answer=a.right_answer)
            parts.append(Text(order, style="bold"))
            for n, item in enumerate(a.right_text.split(" -> "), start=1):
                parts.append(Padding1(Text(f"{n}. ") + inline_code(item)))
        elif not a.correct:
            right = Text(say("core.quiz-card.answer.the-answer"), style="bold")
            right.append_text(inline_code(a.right_text))
            parts.append(right)
        parts.append(Text(""))
        parts.append(Markdown(a.explanation))
        if a.step_ref or a.next_review:
            parts.append(Text(""))
        if a.step_ref:
            parts.append(Text(say("core.quiz-card.answer.read-more", ref=a.step_ref), style="dim"))
        if a.next_review:
            again = say("core.quiz-card.answer.again", when=a.next_review)
            parts.append(Text(again, style="dim"))
        if a.correct:
            title = say("core.quiz-card.answer.title-right")
        else:
            title = say("core.quiz-card.answer.title-wrong")
        yield Panel(
            Group(*parts),
            title=f"[bold]{escape(title)}[/]",
            title_align="left",
            border_style="green" if a.correct else "red",
        )


class ScoreCard:
    """The end of a quiz: the score, per lesson, and what to do next."""

    def __init__(self, s: QuizScore) -> None:
        self.s = s

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        from rich.table import Table

        s = self.s
        pct = ""
        if s.answered:
            pct = say("core.quiz-card.score.percent", percent=round(100 * s.right / s.answered))
        head = Text(
            say("core.quiz-card.score.head", right=s.right, answered=s.answered) + pct,
            style="bold",
        )
        if s.answered < s.total:
            answered = say("core.quiz-card.score.answered", answered=s.answered, total=s.total)
            head.append(answered, style="dim")
        parts: list[RenderableType] = [head]
        if len(s.per_lesson) > 1:
            rows = Table(show_header=True, box=None, padding=(0, 2))
            rows.add_column(say("core.quiz-card.score.lesson"))
            rows.add_column(say("core.quiz-card.score.right"), justify="right")
            for lesson, right, answered in s.per_lesson:
                rows.add_row(
                    lesson, say("core.quiz-card.score.per-lesson", right=right, answered=answered)
                )
            parts.append(rows)
        if s.advice:
            parts.append(Text(""))
            parts.append(Markdown(s.advice))
        if s.mode == "review":
            title = say("core.quiz-card.score.review-done")
        else:
            title = say("core.quiz-card.score.quiz-done")
        if s.stopped == "interrupted":
            title += say("core.quiz-card.score.interrupted")
        yield Panel(Group(*parts), title=f"[bold]{escape(title)}[/]", title_align="left")


if __name__ == "__main__":
    demo = QuizQuestion(
        number=3,
        total=10,
        question_id="ws-fill-request",
        lesson="websocket",
        lesson_title="WebSocket",
        step="why",
        answer_kind="choice",
        source="generated",
        prompt="Which header holds byte 23 (0x0017)?",
        choices=(
            "Layer 2 Data link: Ethernet header",
            "Layer 3 Network: IPv4 header",
            "Layer 4 Transport: TCP header",
        ),
        hexdump=bytes(range(48)),
        highlight=23,
        syntax="one letter a-c",
    )
    console = Console()
    console.print(QuizCard(demo))
    console.print(
        AnswerCard(
            QuizAnswer(
                number=3,
                question_id="osi-gen-hex-layer",
                lesson="osi",
                given="a",
                correct=False,
                valid=True,
                right_answer="b",
                right_text="b) Layer 3 Network: IPv4 header",
                explanation="Ethernet: bytes 0-13; IPv4: 14-33.",
                step="encapsulation",
                step_ref="netlearn learn osi --step 2",
                next_review="in 10 minutes",
            )
        )
    )
    console.print(ScoreCard(QuizScore(mode="quiz", right=7, answered=10, total=10)))
