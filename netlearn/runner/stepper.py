"""The stepper: which step to show after which key, with no terminal involved.

Like h11's connection objects it holds state and answers inputs with actions; the player does the
I/O. That keeps every key's behaviour testable without a terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Key(Enum):
    NEXT = "next"
    BACK = "back"
    REPLAY = "replay"
    HINT = "hint"
    QUIT = "quit"
    OTHER = "other"


# What a key press means. Arrow keys arrive as ANSI escape sequences.
KEYMAP: dict[str, Key] = {
    "\r": Key.NEXT,
    "\n": Key.NEXT,
    " ": Key.NEXT,
    "\x1b[C": Key.NEXT,
    "\x1bOC": Key.NEXT,
    "n": Key.NEXT,
    "\x1b[D": Key.BACK,
    "\x1bOD": Key.BACK,
    "b": Key.BACK,
    "p": Key.BACK,
    "r": Key.REPLAY,
    "h": Key.HINT,
    "?": Key.HINT,
    "q": Key.QUIT,
    "\x1b": Key.QUIT,
    "\x03": Key.QUIT,
    "\x04": Key.QUIT,
}


def key_of(raw: str) -> Key:
    """The meaning of one key press (as read from the terminal)."""
    return KEYMAP.get(raw, KEYMAP.get(raw.lower(), Key.OTHER) if len(raw) == 1 else Key.OTHER)


class Action(Enum):
    SHOW = "show"  # draw step `index` (a new step)
    REPLAY = "replay"  # draw step `index` again
    HINT = "hint"  # show hint number `hint` of step `index`
    NO_HINT = "no-hint"  # the step has no (more) hints
    AT_START = "at-start"  # back pressed on the first step
    FINISH = "finish"  # next pressed on the last step
    QUIT = "quit"
    IGNORE = "ignore"


@dataclass(frozen=True)
class Outcome:
    action: Action
    index: int
    hint: int = -1


class Stepper:
    """Position in a lesson of `total` steps, each with `hints[i]` hints."""

    def __init__(self, hints: list[int], start: int = 0) -> None:
        if not hints:
            raise ValueError("a lesson has at least one step")
        self.hints = hints
        self.total = len(hints)
        self.index = min(max(start, 0), self.total - 1)
        self._hint_shown = -1
        self.finished = False

    def start(self) -> Outcome:
        return Outcome(Action.SHOW, self.index)

    def press(self, key: Key) -> Outcome:
        if key is Key.NEXT:
            if self.index + 1 >= self.total:
                self.finished = True
                return Outcome(Action.FINISH, self.index)
            self.index += 1
            self._hint_shown = -1
            return Outcome(Action.SHOW, self.index)
        if key is Key.BACK:
            if self.index == 0:
                return Outcome(Action.AT_START, 0)
            self.index -= 1
            self._hint_shown = -1
            return Outcome(Action.SHOW, self.index)
        if key is Key.REPLAY:
            return Outcome(Action.REPLAY, self.index)
        if key is Key.HINT:
            if self._hint_shown + 1 >= self.hints[self.index]:
                return Outcome(Action.NO_HINT, self.index)
            self._hint_shown += 1
            return Outcome(Action.HINT, self.index, self._hint_shown)
        if key is Key.QUIT:
            return Outcome(Action.QUIT, self.index)
        return Outcome(Action.IGNORE, self.index)
