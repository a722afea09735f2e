"""Paging a step taller than the terminal: the learner reads it a screen at a time.

Sans-I/O like the stepper: it holds the rendered lines and the page, and answers keys; the
player draws. Without it, a long step scrolls its beginning off an 80x24 screen.
"""

from __future__ import annotations

from netlearn.runner.stepper import Key


class Pager:
    def __init__(self, lines: list[str], page_height: int, page: int = 0) -> None:
        self.lines = lines
        self.height = max(5, page_height)
        self.pages = max(1, -(-len(lines) // self.height))
        self.page = min(max(page, 0), self.pages - 1)

    @property
    def last(self) -> bool:
        return self.page == self.pages - 1

    def visible(self) -> list[str]:
        # The last page ends at the last line (a full screen, not a remainder).
        start = max(0, min(self.page * self.height, len(self.lines) - self.height))
        return self.lines[start : start + self.height]

    def press(self, key: Key) -> bool:
        """Move within the step; False when the key is for the stepper instead."""
        if key is Key.NEXT and not self.last:
            self.page += 1
            return True
        if key is Key.BACK and self.page > 0:
            self.page -= 1
            return True
        return False
