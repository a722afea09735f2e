"""`StageFailed`: one failure of a stage, with the bytes, the caret, the rule and the cause."""

from __future__ import annotations


class StageFailed(Exception):
    """One concrete failure: who did not get what by when."""

    def __init__(
        self,
        message: str,
        *,
        got: bytes | None = None,
        offset: int | None = None,
        expected: str | None = None,
        rule: str | None = None,
        rfc: str | None = None,
        cause: str | None = None,
        lesson: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.got = got
        self.offset = offset
        self.expected = expected
        self.rule = rule
        self.rfc = rfc
        self.cause = cause
        self.lesson = lesson
        self.kind: str | None = None  # a lab's own tag for the symptom ("no-reply", "reset")
