"""The command tree: help for every command, start-up imports, errors as one line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from netlearn.cli.app import app


def _command_paths() -> list[list[str]]:
    import typer
    from typer.main import get_command

    root = get_command(app)
    paths: list[list[str]] = [[]]

    def walk(cmd, prefix: list[str]) -> None:  # type: ignore[no-untyped-def]
        if not hasattr(cmd, "list_commands"):
            return
        ctx = typer.Context(cmd)
        for name in cmd.list_commands(ctx):
            sub = cmd.get_command(ctx, name)
            if sub is None or getattr(sub, "hidden", False):
                continue
            paths.append([*prefix, name])
            walk(sub, [*prefix, name])

    walk(root, [])
    return paths


@pytest.mark.parametrize("path", _command_paths(), ids=lambda p: " ".join(p) or "netlearn")
def test_help_of_every_command(run_cli, path: list[str]) -> None:
    result = run_cli(*path, "--help")
    assert result.returncode == 0, result.stderr
    assert "Usage: netlearn" in result.stdout
    assert "Traceback" not in result.stderr


def test_the_tree_has_the_foundation_commands() -> None:
    names = {" ".join(p) for p in _command_paths()}
    assert {"lessons", "learn", "osi", "progress", "progress reset", "check"} <= names


def test_importing_the_cli_imports_neither_scapy_nor_rich() -> None:
    code = (
        "import sys, netlearn.cli; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('scapy', 'rich')); "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["learn", "osi"],
        ["learn", "osi", "--format", "json"],
        ["next"],
        ["lessons"],
        [],
    ],
    ids=" ".join,
)
def test_help_and_piped_runs_import_neither_scapy_nor_textual(netlearn_home, args) -> None:
    """`--help` imports neither; no non-interactive path (a pipe here) imports Textual."""
    code = (
        "import sys, runpy\n"
        f"sys.argv = ['netlearn', *{args!r}]\n"
        "try:\n    runpy.run_module('netlearn', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "heavy = ('textual',) if sys.argv[1:] != ['--help'] else ('textual', 'scapy')\n"
        "bad = sorted({m.split('.')[0] for m in sys.modules if m.split('.')[0] in heavy})\n"
        "print('LOADED', bad, file=sys.stderr)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "NETLEARN_HOME": str(netlearn_home)},
    )
    assert out.stderr.strip().splitlines()[-1] == "LOADED []"


def test_version(run_cli) -> None:
    from netlearn import __version__

    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"netlearn {__version__}"


def test_unknown_lesson_is_one_clear_line_with_a_suggestion(run_cli) -> None:
    result = run_cli("learn", "osy")
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "no lesson 'osy'" in lines[0]
    assert "Did you mean 'osi'?" in lines[0]
    assert result.stdout == ""


def test_unknown_format_is_one_line(run_cli) -> None:
    result = run_cli("osi", "--format", "xml")
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "unknown format 'xml'" in result.stderr


def test_learn_piped_plays_to_the_end_without_keys(run_cli) -> None:
    result = run_cli("learn", "osi")
    assert result.returncode == 0, result.stderr
    assert "You finished" in result.stdout
    assert "\x1b[" not in result.stdout  # plain text in a pipe: no ANSI


def test_lesson_by_number(run_cli) -> None:
    result = run_cli("learn", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert '"type": "progress"' in result.stdout


def test_home_screen_and_lessons(run_cli) -> None:
    home = run_cli()
    assert home.returncode == 0, home.stderr
    assert "netlearn learn osi" in home.stdout
    listing = run_cli("lessons", "--format", "json")
    assert '"id"' in listing.stdout and '"osi"' in listing.stdout


def test_status_follows_progress(run_cli) -> None:
    assert "new" in run_cli("lessons").stdout
    run_cli("learn", "osi")  # piped: nobody read it, so nothing counts
    assert "done" not in run_cli("lessons").stdout
    run_cli("learn", "osi", "--auto", "--record")  # asked for: it counts
    assert "done" in run_cli("lessons").stdout
    home = run_cli().stdout
    assert "Finished 1 of" in home or "You finished all 1 lessons" in home


def test_progress_reset_needs_confirmation_off_a_terminal(run_cli) -> None:
    run_cli("learn", "osi", "--auto", "--record")
    refused = run_cli("progress", "reset", "osi")
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    assert "done" in run_cli("lessons").stdout
    ok = run_cli("progress", "reset", "osi", "--yes")
    assert ok.returncode == 0, ok.stderr
    assert "done" not in run_cli("lessons").stdout
    both = run_cli("progress", "reset", "osi", "--all", "--yes")
    assert both.returncode != 0


def test_no_color_and_forced_rich(run_cli) -> None:
    colour = run_cli("osi", "--format", "rich", env={"FORCE_COLOR": "1"})
    assert colour.returncode == 0
    plain = run_cli("osi", "--format", "rich", env={"NO_COLOR": "1"})
    assert plain.returncode == 0
    assert "\x1b[" not in plain.stdout


def test_shell_completion_is_offered(run_cli) -> None:
    result = run_cli("--show-completion", "bash", env={"SHELL": "/bin/bash"})
    assert result.returncode == 0
    assert "complete" in result.stdout


def test_lazy_commands_are_listed_with_their_real_help() -> None:
    """`netlearn --help` shows each lesson family's one-line help without importing it; the
    line kept in the lesson's spec (cli/lazy.py for quiz and lab) must be the command's own."""
    import typer
    from typer.main import get_command

    from netlearn.cli.app import load_all
    from netlearn.cli.lazy import LAZY

    load_all()
    root = get_command(app)
    for name, (_module, short) in LAZY.items():
        real = root.commands[name]  # type: ignore[attr-defined]
        assert short == real.get_short_help_str(limit=1000), name
    # and every command the modules register is known to the lazy table or built eagerly
    ctx = typer.Context(root)
    assert set(root.list_commands(ctx)) <= set(root.commands)  # type: ignore[attr-defined]


def test_help_imports_no_lesson_family() -> None:
    """`--help` reads each lesson's spec (its package's `__init__`), never a lesson's modules."""
    code = (
        "import sys, runpy\n"
        "sys.argv = ['netlearn', '--help']\n"
        "try:\n    runpy.run_module('netlearn', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m in ('netlearn.cli.quiz', 'netlearn.cli.lab')"
        " or (m.startswith('netlearn.lessons.') and m.count('.') > 2)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("args", [["learn", "osi"], ["osi", "--walk"]], ids=" ".join)
def test_a_reader_that_stops_early_is_not_an_error(netlearn_home, args: list[str]) -> None:
    """`netlearn ... | head -1`: the reader goes away; we stop quietly with status 0."""
    import os

    env = {**os.environ, "NETLEARN_HOME": str(netlearn_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "netlearn", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 0
    assert proc.stderr.read() == b""
