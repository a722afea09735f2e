"""The command tree: Typer wiring only. Heavy imports live inside command bodies."""

from __future__ import annotations

import sys

# The core commands register themselves on import; lesson families load lazily (cli/lazy.py).
from netlearn.cli import home, learn, osi, progress  # noqa: F401
from netlearn.cli.app import app
from netlearn.cli.lazy import Interrupted, OutputClosed
from netlearn.errors import NetlearnError


def main(argv: list[str] | None = None) -> None:
    """Run the CLI: a NetlearnError is one line on stderr, Ctrl-C exits cleanly with 130."""
    from typer.main import get_command

    command = get_command(app)
    try:
        rc = command.main(args=argv, prog_name="netlearn", standalone_mode=False)
    except NetlearnError as exc:
        print(f"netlearn: {exc}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Interrupted):
        print("\nnetlearn: interrupted", file=sys.stderr)
        sys.exit(130)
    except (BrokenPipeError, OutputClosed):
        _quiet_stdout()
        sys.exit(0)
    except Exception as exc:
        # Click's own usage errors know how to show themselves.
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(exc.exit_code)
        if type(exc).__name__ == "Abort":
            print("\nnetlearn: interrupted", file=sys.stderr)
            sys.exit(130)
        raise
    sys.exit(rc if isinstance(rc, int) else 0)


def _quiet_stdout() -> None:
    """After the reader of a pipe went away (`| head`), drop the rest of our output quietly."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


__all__ = ["app", "main"]
