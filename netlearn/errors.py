"""The one exception type a command turns into a one-line error and a non-zero exit."""


class NetlearnError(Exception):
    """A problem the learner can fix; its message is printed as one line, without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
