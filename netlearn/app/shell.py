"""The one Textual app every full-screen view runs in, and `run_app` to run it.

`NetlearnApp(env, first_screen)` shows `first_screen`; screens push others (the home menu opens a
lesson). Ctrl-C quits from anywhere with exit code 130. A screen that has something to say once
the terminal is back (where the learner stopped) sets `app.farewell`; `run_app` prints it.
"""

from __future__ import annotations

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from netlearn.app import release_gc
from netlearn.env import Env

CSS = """
Screen {
    background: $background;
}
.step-header {
    dock: top;
    height: auto;
    padding: 0 1;
    background: $primary-background;
    color: $text;
    text-style: bold;
}
.status-line {
    height: 1;
    padding: 0 1;
    color: $text-muted;
}
"""


class NetlearnApp(App[int]):
    """netlearn's full-screen player: lessons, live demos, the inspector and the quiz."""

    CSS = CSS
    TITLE = "netlearn"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [Binding("ctrl+c", "interrupt", "stop", show=False, priority=True)]

    def __init__(self, env: Env, first_screen: Screen) -> None:
        super().__init__()
        self.env = env
        self.first_screen = first_screen
        self.farewell = ""  # printed once the terminal is restored (Textual obeys NO_COLOR)

    def on_mount(self) -> None:
        self.push_screen(self.first_screen)
        # Runs once the first screen is painted: the collector, held during start-up, resumes.
        self.call_after_refresh(release_gc, freeze=True)

    def action_interrupt(self) -> None:
        """Ctrl-C: stop now, as a signal would (exit code 130); the screen says where it was."""
        stopping = getattr(self.screen, "stopping", None)
        if stopping is not None:
            stopping()
        self.exit(130, return_code=130)


def run_app(env: Env, screen: Screen) -> int:
    """Run the app on the terminal until the learner leaves; 0, or 130 after Ctrl-C.

    Textual restores the terminal however the app ends; then `app.farewell` is printed.
    """
    app = NetlearnApp(env, screen)
    try:
        app.run()
    except KeyboardInterrupt:
        return 130
    finally:
        release_gc()  # if the app ended before its first frame
    if app.farewell:
        print(app.farewell, file=env.stdout)
    return app.return_code or 0
