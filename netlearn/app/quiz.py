"""`QuizScreen`: the quiz and the review in the full-screen app, answered by single keys.

A letter (a-d) or its number (1-4) answers a one-answer question at once; arrows or j/k move a
cursor and Enter answers the choice under it. In a multi-answer question a letter or Space
ticks a choice and Enter submits. An ordering question takes the items' numbers one key each,
Backspace takes one back, Enter submits. A blank is typed in a box and Enter submits it. `?`
reveals (I don't know); `q` (Escape in a blank) stops with the score.

An input that is not an answer (an order with a number missing, a word where a number is asked)
is refused on the same screen and the question stays: it is never graded. The answer, the
explanation and where to read more follow under the question; Enter (or n, →) moves on.

The screen drives a `QuizRun` (`question`, `grade`, `final`): the rules and the store are the
ones a script on a pipe gets, each answer saved in its own transaction as it is given. A store
that cannot be written ends the quiz; `error_line` holds its one line for the CLI to print.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Input, Static

from netlearn.content.words import say
from netlearn.errors import NetlearnError
from netlearn.quiz.answering import AnswerPad, judge, refusal
from netlearn.quiz.card import AnswerCard, QuizCard, ScoreCard
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.runner import QuizRun

ASKING, ANSWERED, DONE = "asking", "answered", "done"


class QuizScreen(Screen[QuizScore]):
    """One quiz or review: the questions of `run`, one at a time."""

    DEFAULT_CSS = """
    QuizScreen #body {
        height: 1fr;
        padding: 0 1;
    }
    QuizScreen #fill {
        display: none;
        margin: 0 0 1 0;
    }
    QuizScreen #refused {
        height: auto;
        color: $warning;
    }
    """

    def __init__(self, run: QuizRun) -> None:
        super().__init__()
        self.quiz = run
        self.number = 0  # the question shown, from 1
        self.phase = ASKING
        self.pad: AnswerPad | None = None
        self.question: QuizQuestion | None = None
        self.answer: QuizAnswer | None = None
        self.score: QuizScore | None = None
        self.error_line = ""  # a store that could not be written: one line for the CLI
        self.refused = ""

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        yield Static("", id="header", classes="step-header")
        with VerticalScroll(id="body"):
            yield Static("", id="card")
            yield Input(id="fill", placeholder=say("core.quizzing.screen.placeholder"))
            yield Static("", id="refused")
            yield Static("", id="back")
        yield Static("", id="status", classes="status-line")

    def on_mount(self) -> None:
        self._ask(1)

    # ------------------------------------------------------------ states

    def _ask(self, number: int) -> None:
        if number > len(self.quiz.prepared):
            self._finish("")
            return
        self.number = number
        self.phase = ASKING
        item = self.quiz.prepared[number - 1]
        self.question = self.quiz.question(number, item)
        self.pad = AnswerPad(item.asked)
        self.answer = None
        self.refused = ""
        title = self._title(self.quiz.mode)
        self.query_one("#header", Static).update(
            say(
                "core.quizzing.screen.header",
                title=title,
                n=number,
                total=len(self.quiz.prepared),
                lesson=self.question.lesson_title,
            )
        )
        box = self.query_one("#fill", Input)
        box.value = ""
        box.disabled = False
        box.display = item.asked.kind == "fill"
        if box.display:
            box.focus()
        else:
            self.set_focus(None)
        self.query_one("#back", Static).update("")
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self._draw()

    def _draw(self) -> None:
        q, pad = self.question, self.pad
        if self.phase == DONE:
            self.query_one("#status", Static).update(say("core.quizzing.screen.close"))
            return
        if q is None or pad is None:
            return
        asking = self.phase == ASKING and q.answer_kind != "fill"
        card = QuizCard(
            q,
            cursor=pad.cursor if asking else -1,
            ticked=frozenset(pad.ticked),
            placed=tuple(pad.order) if asking else (),
        )
        self.query_one("#card", Static).update(card)
        self.query_one("#refused", Static).update(Text(self.refused) if self.refused else "")
        n = len(q.choices)
        if self.phase == ASKING:
            keys = say(
                f"core.quizzing.screen.keys.{q.answer_kind}",
                **self._key_fields(q.answer_kind, n),
            )
        else:
            last = self.number >= len(self.quiz.prepared)
            keys = say("core.quizzing.screen.to-score" if last else "core.quizzing.screen.to-next")
        self.query_one("#status", Static).update(keys)

    def _submit(self, text: str) -> None:
        """Grade a valid answer, save it, and show the back of the card."""
        item = self.quiz.prepared[self.number - 1]
        try:
            answer = self.quiz.grade(self.number, item, text)
        except NetlearnError as exc:
            self.error_line = str(exc)
            self._close(1)
            return
        self.answer = answer
        self.phase = ANSWERED
        self.refused = ""
        box = self.query_one("#fill", Input)
        box.disabled = True
        body = self.query_one("#body", VerticalScroll)
        self.query_one("#back", Static).update(AnswerCard(answer))
        self._draw()
        body.focus()  # arrows scroll the explanation now
        back = self.query_one("#back", Static)
        # Once laid out, the verdict and the explanation at the top of the view.
        self.set_timer(0.02, lambda: body.scroll_to_widget(back, animate=False, top=True))
        self._farewell()

    def _refuse(self, message: str) -> None:
        self.refused = message
        self._draw()

    def _finish(self, stopped: str) -> None:
        self.phase = DONE
        self.score = self.quiz.final(stopped)
        self.query_one("#header", Static).update(
            say(
                "core.quizzing.screen.review-done"
                if self.quiz.mode == "review"
                else "core.quizzing.screen.quiz-done"
            )
        )
        self.query_one("#fill", Input).display = False
        self.query_one("#card", Static).update(ScoreCard(self.score))
        self.query_one("#refused", Static).update("")
        self.query_one("#back", Static).update("")
        self.query_one("#body", VerticalScroll).scroll_home(animate=False)
        self.set_focus(None)
        self._farewell()
        self._draw()

    def _farewell(self) -> None:
        """What the terminal keeps once the app closes (after q, or Ctrl-C at any moment)."""
        if not hasattr(self.app, "farewell"):
            return
        s = self.score or self.quiz.final("interrupted")
        pct = f" ({round(100 * s.right / s.answered)}%)" if s.answered else ""
        text = say(
            "core.quizzing.screen.farewell",
            title=self._title(s.mode),
            right=s.right,
            answered=s.answered,
            pct=pct,
        )
        if s.answered < s.total:
            text += say("core.quizzing.screen.farewell-part", answered=s.answered, total=s.total)
        self.app.farewell = say("core.quizzing.screen.farewell-end", text=text)  # type: ignore[attr-defined]

    @staticmethod
    def _title(mode: str) -> str:
        return say("core.quizzing.plain.review" if mode == "review" else "core.quizzing.plain.quiz")

    @staticmethod
    def _key_fields(kind: str, n: int) -> dict[str, object]:
        """The placeholders each kind's key line takes (fill: none)."""
        last = chr(ord("a") + max(n - 1, 0))
        return {"choice": {"last": last, "n": n}, "multi": {"last": last}, "order": {"n": n}}.get(
            kind, {}
        )

    def _close(self, code: int = 0) -> None:
        """Leave: back to the screen below, or end the app when this is its only screen."""
        if len(self.app.screen_stack) > 2:
            self.dismiss(self.score)
        else:
            self.app.exit(self.score, return_code=code)

    # ------------------------------------------------------------ keys

    def on_input_submitted(self, message: Input.Submitted) -> None:
        message.stop()
        if self.phase != ASKING or self.pad is None:
            return
        text = message.value
        if not text.strip():
            self._refuse(say("core.quizzing.screen.type-something"))
            return
        judged = judge(self.pad.asked, text)
        if not judged.valid:
            self._refuse(refusal(self.pad.asked, judged))
            return
        self._submit(text)

    def on_key(self, event: events.Key) -> None:
        key = event.key
        if self.phase == ASKING and self.pad is not None:
            if self.pad.asked.kind == "fill":
                if key == "escape":
                    event.stop()
                    self._finish("quit")
                return  # the box has the other keys
            if key in ("pageup", "pagedown"):
                return
            event.stop()
            outcome = self.pad.key(key)
            if outcome.action == "submit":
                self._submit(outcome.text)
            elif outcome.action == "refuse":
                self._refuse(outcome.text)
            elif outcome.action == "stop":
                self._finish("quit")
            else:
                self.refused = ""
                self._draw()
        elif self.phase == ANSWERED:
            if key in ("enter", "right", "n", "space"):
                event.stop()
                self._ask(self.number + 1)
            elif key in ("q", "escape"):
                event.stop()
                self._finish("quit")
        elif self.phase == DONE and key in ("q", "escape", "enter"):
            event.stop()
            self._close(0)
