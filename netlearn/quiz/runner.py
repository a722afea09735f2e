"""Running a quiz or a review: pick questions, ask each, judge, save, show the score.

Three ways in, one set of rules:

- on a terminal, the full-screen quiz (`netlearn.app.quiz`) drives a `QuizRun` by single keys
  through `question`, `grade` and `final`;
- `run()` with a person typing lines (`--format rich` on a terminal without the full screen):
  an answer at a prompt; `q` stops; Enter moves on;
- `run()` anywhere else (a pipe, a script, `--format plain|json`): one line of standard input
  is one answer, nothing waits for a key, the end of input ends the quiz with the score so far.

In every mode an input that is not an answer to the question's kind is refused (a
`QuizRefused` event) and the question is asked again: it is never graded
(see `netlearn.quiz.answering`).

Each answer is saved the moment it is judged (see `netlearn.quiz.store`), so Ctrl-C or a killed
process loses nothing already answered. Ctrl-C shows the score so far and exits with 130.
"""

from __future__ import annotations

import random
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import netlearn.quiz.render  # noqa: F401  (registers how quiz events are drawn)
from netlearn.content.manifest import LessonInfo
from netlearn.content.words import say
from netlearn.env import Env
from netlearn.errors import NetlearnError
from netlearn.events import Event, Note
from netlearn.progress.store import StoreWriteError
from netlearn.quiz.answering import QuizRefused, judge, refusal
from netlearn.quiz.ask import ask
from netlearn.quiz.events import QuizAnswer, QuizQuestion, QuizScore
from netlearn.quiz.model import Asked, Question, QuestionUnavailable
from netlearn.quiz.schedule import describe_wait
from netlearn.quiz.scoring import right_answer, right_text, syntax_help
from netlearn.quiz.store import QuizStore
from netlearn.render import Renderer, make_renderer

QUIT_WORDS = ("q", "quit")


@dataclass
class LessonIndex:
    """Lesson titles and step numbers/titles, to tell the learner where to read more."""

    titles: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, tuple[int, str]]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, lessons: Sequence[LessonInfo], banks: Sequence[tuple[str, Path | None]]
    ) -> LessonIndex:
        from netlearn.content.lesson import ContentError, parse

        index = cls()
        paths: dict[str, Path | None] = {}
        for info in lessons:
            index.titles[info.id] = info.title
            paths[info.id] = info.path
        for lesson, path in banks:
            index.titles.setdefault(lesson, lesson)
            paths.setdefault(lesson, path)
        for lesson, path in paths.items():
            if path is None or not path.is_file():
                continue
            try:
                text = parse(path)
            except ContentError:
                continue
            index.steps[lesson] = {s.id: (n, s.title) for n, s in enumerate(text.steps, start=1)}
        return index

    def title(self, lesson: str) -> str:
        return self.titles.get(lesson, lesson)

    def step_ref(self, lesson: str, step: str) -> str:
        found = self.steps.get(lesson, {}).get(step)
        if found is None:
            return f"lesson {self.title(lesson)!r} (netlearn learn {lesson})"
        number, title = found
        return (
            f"lesson {self.title(lesson)!r}, step {number} {title!r} "
            f"(netlearn learn {lesson} --step {number})"
        )


@dataclass
class Prepared:
    question: Question
    asked: Asked


def prepare(
    questions: Sequence[Question], count: int, rng: random.Random, env: Env, shuffle: bool = True
) -> list[Prepared]:
    """Pick up to `count` questions (0 = all) and make each concrete, skipping any that cannot
    be made here (a capture question without a bundled capture), with one warning per reason."""
    pool = list(questions)
    if shuffle:
        rng.shuffle(pool)
    base = rng.getrandbits(64)
    out: list[Prepared] = []
    warned: set[str] = set()
    for q in pool:
        if count and len(out) >= count:
            break
        try:
            asked = ask(q, random.Random(f"{base}:{q.id}"))
        except QuestionUnavailable as exc:
            if str(exc) not in warned:
                warned.add(str(exc))
                env.warn(say("core.quizzing.run.skipping", id=q.id, why=exc))
            continue
        out.append(Prepared(q, asked))
    return out


class Stop(Exception):
    """The learner stopped (q, or the end of input)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class QuizRun:
    """One quiz or review session: asks the prepared questions in order."""

    def __init__(
        self,
        env: Env,
        qstore: QuizStore,
        prepared: list[Prepared],
        index: LessonIndex,
        mode: str = "quiz",
        renderer: Renderer | None = None,
        again: str = "",
    ) -> None:
        self.env = env
        self.qstore = qstore
        self.prepared = prepared
        self.index = index
        self.mode = mode
        self.again = again or f"netlearn {mode}"  # the command that picks up where this stops
        self.renderer = renderer or make_renderer(env)
        self.session = uuid.uuid4().hex[:12]
        self.interactive = env.interactive
        self.events: list[Event] = []
        self.results: list[QuizAnswer] = []

    # ------------------------------------------------------------ I/O

    def emit(self, event: Event) -> None:
        self.events.append(event)
        self.renderer.emit(event)

    def _input(self, prompt: str) -> str:
        """One line typed at the terminal (Ctrl-D stops the quiz)."""
        console = self.env.console()
        if self.env.stdin is not sys.stdin:  # a stream given by the caller (tests, tools)
            console.print(prompt, end="")
            line = self.env.stdin.readline()
            if not line:
                raise Stop("eof")
            return line.rstrip("\r\n")
        try:
            return console.input(prompt)
        except EOFError:
            raise Stop("eof") from None

    def _read_line(self) -> str:
        """One answer from standard input (a script, a pipe, or a person in plain mode)."""
        if self.env.stdin_tty and self.env.fmt == "plain":
            self.env.stdout.write("Your answer: ")
            self.env.stdout.flush()
        line = self.env.stdin.readline()
        if not line:
            raise Stop("eof")
        return line.rstrip("\r\n")

    def _answer(self, number: int, asked: Asked) -> str:
        """A valid answer: anything else is refused and the question asked again."""
        prompt = say("core.quizzing.run.prompt", syntax=syntax_help(asked))
        while True:
            if not self.interactive:
                text = self._read_line()
            else:
                text = self._input(prompt)
                if text.strip().lower() in QUIT_WORDS:
                    raise Stop("quit")
                if not text.strip():
                    self.env.console().print(say("core.quizzing.run.type-something"))
                    continue
            judged = judge(asked, text)
            if judged.valid:
                return text
            self.emit(
                QuizRefused(
                    number=number,
                    question_id=asked.question_id,
                    given=judged.given,
                    message=refusal(asked, judged),
                )
            )

    # ------------------------------------------------------------ the loop

    def run(self) -> QuizScore:
        total = len(self.prepared)
        stopped = ""
        try:
            for number, item in enumerate(self.prepared, start=1):
                self._ask_one(number, total, item)
                if self.interactive and number < total:
                    text = self._input(say("core.quizzing.run.next"))
                    if text.strip().lower() in QUIT_WORDS:
                        raise Stop("quit")
        except Stop as stop:
            stopped = stop.why
        except KeyboardInterrupt:
            if self.interactive:
                self.env.console().print()  # leave the line where ^C was echoed
            self.emit(self._score("interrupted"))
            raise
        final = self._score(stopped)
        self.emit(final)
        return final

    def _ask_one(self, number: int, total: int, item: Prepared) -> None:
        if self.interactive:
            self.env.console().clear()
        self.emit(self.question(number, item))
        given = self._answer(number, item.asked)
        answer = self.grade(number, item, given)
        if self.interactive:
            self.env.console().print()
        self.emit(answer)

    def question(self, number: int, item: Prepared) -> QuizQuestion:
        """Question `number` (from 1) as the learner sees it."""
        asked = item.asked
        return QuizQuestion(
            number=number,
            total=len(self.prepared),
            question_id=asked.question_id,
            lesson=asked.lesson,
            lesson_title=self.index.title(asked.lesson),
            step=asked.step,
            answer_kind=asked.kind,
            source=asked.source,
            prompt=asked.prompt,
            choices=asked.choices,
            exhibit=asked.exhibit,
            hexdump=asked.hexdump,
            highlight=asked.highlight,
            syntax=syntax_help(asked),
        )

    def grade(self, number: int, item: Prepared, given: str) -> QuizAnswer:
        """Judge a valid answer and save it in its own transaction (the caller refused the
        invalid ones); a failed save raises a one-line `NetlearnError`."""
        asked = item.asked
        judged = judge(asked, given)
        try:
            card = self.qstore.record(
                session=self.session,
                mode=self.mode,
                question_id=asked.question_id,
                lesson_id=asked.lesson,
                given=judged.given,
                correct=judged.correct,
                right_answer=right_answer(asked),
            )
        except StoreWriteError as exc:
            # One line: what happened, what was lost (this answer; earlier ones are saved).
            raise NetlearnError(
                say(
                    "core.quizzing.run.not-saved",
                    what=exc.what,
                    n=number,
                    advice=exc.advice,
                    again=self.again,
                )
            ) from None
        message = judged.message
        if not judged.valid and syntax_help(asked) not in message:
            message = say(
                "core.quizzing.judge.expected", message=message, syntax=syntax_help(asked)
            )
        answer = QuizAnswer(
            number=number,
            question_id=asked.question_id,
            lesson=asked.lesson,
            given=judged.given,
            correct=judged.correct,
            valid=judged.valid,
            right_answer=right_answer(asked),
            right_text=right_text(asked),
            explanation=asked.explanation,
            answer_kind=asked.kind,
            step=asked.step,
            step_ref=self.index.step_ref(asked.lesson, asked.step),
            message="" if judged.correct else message,
            next_review=describe_wait(card.due - self.qstore.clock()),
        )
        self.results.append(answer)
        return answer

    def final(self, stopped: str) -> QuizScore:
        """The score so far; `stopped` is "", "quit", "eof" or "interrupted"."""
        return self._score(stopped)

    def _score(self, stopped: str) -> QuizScore:
        right = sum(1 for a in self.results if a.correct)
        per: dict[str, list[int]] = {}
        for a in self.results:
            counts = per.setdefault(a.lesson, [0, 0])
            counts[0] += int(a.correct)
            counts[1] += 1
        wrong = len(self.results) - right
        advice = []
        if wrong:
            if wrong == 1:
                advice.append(say("core.quizzing.run.missed-one"))
            else:
                advice.append(say("core.quizzing.run.missed-many", n=wrong))
        elif self.results:
            advice.append(say("core.quizzing.run.all-right"))
        if self.results:
            advice.append(say("core.quizzing.run.saved"))
        return QuizScore(
            mode=self.mode,
            right=right,
            answered=len(self.results),
            total=len(self.prepared),
            per_lesson=tuple((lesson, c[0], c[1]) for lesson, c in per.items()),
            stopped=stopped,
            advice=" ".join(advice),
        )


def nothing_due(qstore: QuizStore, known: set[str]) -> Note:
    """What `review` says when no question is due."""
    upcoming = [c for c in qstore.cards() if c.question_id in known]
    if not upcoming:
        return Note(text=say("core.quizzing.run.nothing-yet"), tone="tip")
    now = qstore.clock()
    first = min(upcoming, key=lambda c: c.due)
    same = sum(1 for c in upcoming if c.due - first.due < 3600)
    return Note(
        text=say(
            "core.quizzing.run.nothing-due",
            n=same,
            wait=describe_wait(first.due - now),
            boxes=len(upcoming),
        ),
        tone="tip",
    )
