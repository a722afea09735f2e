"""`HintPanel`: the hints a learner asked for on this step, in a panel over the lesson's foot."""

from __future__ import annotations

from rich.markdown import Markdown
from textual.widgets import Static


class HintPanel(Static):
    """Hidden until `h`; each press adds the step's next hint. A new step clears it."""

    DEFAULT_CSS = """
    HintPanel {
        height: auto;
        max-height: 50%;
        margin: 0 1;
        padding: 0 1;
        border: round $warning;
        border-title-color: $warning;
        display: none;
    }
    HintPanel.open {
        display: block;
    }
    """

    def __init__(self, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "hint"
        self.shown: list[str] = []

    def add(self, hint: str) -> None:
        self.shown.append(hint)
        self.update(Markdown("\n\n".join(self.shown)))
        self.add_class("open")

    def clear(self) -> None:
        self.shown = []
        self.update("")
        self.remove_class("open")
