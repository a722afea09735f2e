"""The command tree and the `netlearn` entry point. Heavy imports live inside command bodies.

Ctrl-C: Python turns SIGINT into a KeyboardInterrupt wherever it lands, so a Ctrl-C during the
start-up imports or at shutdown printed a traceback. When this module is imported by the
`netlearn` entry point (the console script or `python -m netlearn`), its first statement installs
a handler that prints `netlearn: interrupted` and exits 130 at once: during imports and shutdown
nothing needs cleaning up. Only while a command runs is Ctrl-C a KeyboardInterrupt again (Python's
own handler, so asyncio and the servers close cleanly), and `main` turns it into the same line.
"""

from __future__ import annotations

import _signal  # the C module: `signal` imports enum first, a slower start-up
import os
import sys


def _say_interrupted() -> None:
    """Flush what the command printed (best effort), then one line on stderr."""
    import contextlib

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe, a re-entrant flush: no matter
            stream.flush()
    with contextlib.suppress(OSError):
        os.write(2, b"\nnetlearn: interrupted\n")


def _exit_interrupted(signum: int, frame: object) -> None:
    """SIGINT outside a running command (start-up, error reporting, shutdown): exit 130 now."""
    _say_interrupted()
    os._exit(130)


def _started_as_netlearn() -> bool:
    """True in the `netlearn` console script and in `python -m netlearn` (not in tests)."""
    if os.path.basename(sys.argv[0] if sys.argv else "") == "netlearn":
        return True
    argv = getattr(sys, "orig_argv", [])
    return any(a == "-m" and b == "netlearn" for a, b in zip(argv, argv[1:], strict=False))


if _started_as_netlearn():
    _signal.signal(_signal.SIGINT, _exit_interrupted)

import atexit  # noqa: E402 (after the handler: every import is a moment Ctrl-C can land)

# The core commands register themselves on import; each lesson's command loads lazily, from the
# lesson's spec (cli/lazy.py).
from netlearn.cli import home, learn, progress  # noqa: E402, F401
from netlearn.cli.app import app  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: a NetlearnError is one line on stderr, Ctrl-C exits cleanly with 130."""
    _signal.signal(_signal.SIGINT, _exit_interrupted)
    atexit.register(_last_at_exit)  # registered first, so it runs after every other one
    code = _run(argv)
    # From here on a Ctrl-C exits 130 at once (the handler above), never a traceback.
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        _quiet_stdout()
    except OSError as exc:
        print(f"netlearn: cannot write the output: {exc.strerror or exc}", file=sys.stderr)
        code = code or 1
    # A Ctrl-C that escaped an `eval()` of a string (Typer evaluates annotations that way) sets
    # a CPython flag that makes the process kill itself with SIGINT at exit, even though we
    # handled it: exit status -2 instead of 130. Running any string through exec clears it.
    exec("")  # noqa: S102
    sys.exit(code)


def _last_at_exit() -> None:
    """The last Python code before the interpreter ends: from here on SIGINT is ignored, since
    Python would otherwise restore the default action and a late Ctrl-C would kill the process
    (status -2, no message) after the command had finished."""
    import contextlib

    with contextlib.suppress(Exception):  # a closed pipe: nothing left to say
        sys.stdout.flush()
    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)


def _run(argv: list[str] | None) -> int:
    """The command's exit status; every way out of a command becomes a number here."""
    from typer.main import get_command

    from netlearn.cli.lazy import Interrupted, OutputClosed
    from netlearn.errors import NetlearnError
    from netlearn.streams import make_streams_safe

    make_streams_safe()
    command = get_command(app)
    try:
        # While the command runs, Ctrl-C is Python's KeyboardInterrupt again, so that servers,
        # the terminal and the event loop are restored by their own `finally` blocks.
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        try:
            rc = command.main(args=argv, prog_name="netlearn", standalone_mode=False)
        finally:
            _signal.signal(_signal.SIGINT, _exit_interrupted)
    except NetlearnError as exc:
        print(f"netlearn: {exc}", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, Interrupted):
        _signal.signal(_signal.SIGINT, _exit_interrupted)
        _say_interrupted()
        return 130
    except (BrokenPipeError, OutputClosed):
        _quiet_stdout()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception as exc:
        # Click's own usage errors know how to show themselves.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            return int(exc.exit_code)
        if type(exc).__name__ == "Abort":
            _say_interrupted()
            return 130
        raise
    if rc == 130:  # Typer turns a Ctrl-C outside the command itself into a silent Exit(130)
        _say_interrupted()
    return rc if isinstance(rc, int) else 0


def _quiet_stdout() -> None:
    """After the reader of a pipe went away (`| head`), drop the rest of our output quietly."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


__all__ = ["app", "main"]
