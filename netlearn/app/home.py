"""`HomeScreen`: the lesson menu (status and minutes of each), what is next, what is due.

Arrows or j/k move, Enter opens a lesson where the learner stopped, `c` continues the lesson in
progress (or the next one), `q` quits. Nothing sleeps: the screen is drawn once and waits.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Markdown, OptionList, Static
from textual.widgets.option_list import Option

from netlearn.content.manifest import LessonInfo
from netlearn.content.words import say
from netlearn.home import Survey, due_text, next_lesson, resume_index, status_of
from netlearn.progress.store import ProgressStore


class HomeScreen(Screen[None]):
    """netlearn's home: pick a lesson."""

    BINDINGS = [
        Binding("j", "down", "down", show=False),
        Binding("k", "up", "up", show=False),
        Binding("enter", "open", "open", priority=True),
        Binding("c", "continue", "continue"),
        Binding("q,escape", "quit", "quit"),
    ]

    DEFAULT_CSS = """
    HomeScreen #lessons {
        height: auto;
        max-height: 1fr;
        margin: 1 1 0 1;
        border: round $primary;
        border-title-color: $primary;
    }
    HomeScreen #about {
        margin: 0 1;
        padding: 0 1;
        height: auto;
    }
    HomeScreen #next {
        margin: 0 1;
        padding: 0 1;
        height: auto;
    }
    """

    def __init__(self, found: Survey, store: ProgressStore | None) -> None:
        super().__init__()
        self.found = found
        self.store = store

    def compose(self) -> ComposeResult:
        yield Static(say("core.home.title"), classes="step-header")
        yield Static(say("core.home.about"), id="about")
        menu = OptionList(id="lessons")
        menu.border_title = say("core.home.lessons")
        yield menu
        yield Markdown("", id="next")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lessons()
        self.query_one(OptionList).focus()

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def on_resize(self) -> None:
        self.refresh_lessons()

    # ---------------------------------------------------------------- content

    def refresh_lessons(self) -> None:
        menu = self.query_one(OptionList)
        keep = menu.highlighted
        progress = self.store.all() if self.store is not None else {}
        statuses = [
            "broken" if x.id in self.found.broken else status_of(progress.get(x.id))
            for x in self.found.lessons
        ]
        # Room for the title: the menu's width less its frame, the number, minutes and status.
        room = self.app.size.width - 9 - 4 - 11 - max((len(x) for x in statuses), default=3)
        width = min(max((len(x.title) for x in self.found.lessons), default=10), max(12, room))
        menu.clear_options()
        suggested = self._suggested()
        for x, status in zip(self.found.lessons, statuses, strict=True):
            broken = status == "broken"
            title = x.title if len(x.title) <= width else x.title[: width - 1] + "…"
            row = Text(no_wrap=True, overflow="ellipsis")
            row.append(f"{x.number:>2}  ")
            row.append(f"{title:<{width}}", style="bold")
            row.append(f"  {x.minutes:>3} min  ", style="dim")
            row.append(
                status, style={"done": "green", "new": "", "broken": "red"}.get(status, "yellow")
            )
            menu.add_option(Option(row, id=x.id, disabled=broken))
        if keep is not None and keep < len(self.found.lessons):
            menu.highlighted = keep
        elif suggested is not None:
            menu.highlighted = self.found.lessons.index(suggested)
        self.query_one("#next", Markdown).update(self._next_text(progress))

    def _suggested(self) -> LessonInfo | None:
        if self.store is None:
            return None
        return next_lesson(self.store, self.found.lessons, self.found.broken)

    def _next_text(self, progress: dict) -> str:  # type: ignore[type-arg]
        lessons = self.found.lessons
        finished = sum(1 for p in progress.values() if p.done)
        nxt = self._suggested()
        if nxt is None and self.store is not None:
            text = say("core.home.all-done", n=len(lessons))
        elif nxt is None:
            text = ""
        else:
            text = say(
                "core.home.next-key",
                done=finished,
                total=len(lessons),
                title=nxt.title,
                minutes=nxt.minutes,
            )
        if self.store is not None:
            from netlearn.quiz.store import QuizStore

            text += due_text(len(QuizStore(self.store).due(self.store.clock())))
        return text

    # ---------------------------------------------------------------- keys

    def action_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_open(self) -> None:
        menu = self.query_one(OptionList)
        if menu.highlighted is not None:
            self.open(self.found.lessons[menu.highlighted])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.open(self.found.lessons[event.option_index])

    def action_continue(self) -> None:
        nxt = self._suggested()
        if nxt is None:
            self.notify(say("core.home.nothing-to-continue"))
            return
        self.open(nxt)

    def action_quit(self) -> None:
        self.app.exit(0)

    def open(self, info: LessonInfo) -> None:
        """Open a lesson where the learner stopped."""
        from netlearn.app.lesson import LessonScreen
        from netlearn.content.checker import load_lesson
        from netlearn.content.lesson import ContentError
        from netlearn.content.manifest import MANIFEST
        from netlearn.paths import lessons_dir

        if info.id in self.found.broken:
            self.notify(say("core.home.broken", lesson=info.id), severity="error")
            return
        try:
            text = load_lesson(info, lessons_dir() / MANIFEST)
        except ContentError as exc:
            self.notify(str(exc), severity="error")
            return
        saved = self.store.get(info.id) if self.store is not None else None
        start = resume_index(saved, [s.id for s in text.steps])
        self.app.push_screen(LessonScreen(info, text, self.store, start, from_home=True))
