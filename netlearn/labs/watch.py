"""`netlearn lab watch`: check again whenever a file in the current folder changes.

It polls modification times (no inotify dependency), over a bounded number of files; Ctrl-C stops
it (the program under check is stopped first, by the runner). Off a terminal it checks once and
exits, unless `--loop` asks it to keep watching.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from netlearn.content.words import say
from netlearn.labs.clock import pause

if TYPE_CHECKING:
    from netlearn.env import Env

MAX_FILES = 2000
MAX_DEPTH = 3
SKIP = {"node_modules", "__pycache__", "venv", ".venv", ".git"}
POLL = 0.3


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """path -> (mtime_ns, size) for at most MAX_FILES files under `root` (hidden ones skipped)."""
    seen: dict[str, tuple[int, int]] = {}
    stack = [(str(root), 0)]
    while stack and len(seen) < MAX_FILES:
        folder, depth = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith(".") or entry.name in SKIP:
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 < MAX_DEPTH:
                        stack.append((entry.path, depth + 1))
                elif entry.is_file(follow_symlinks=False):
                    st = entry.stat(follow_symlinks=False)
                    seen[entry.path] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue
            if len(seen) >= MAX_FILES:
                break
    return seen


def wait_for_change(root: Path, before: dict[str, tuple[int, int]]) -> list[str]:
    """Block until a file changes (then until it is quiet for a moment); the changed names."""
    while True:
        pause(POLL)
        now = snapshot(root)
        if now != before:
            pause(0.15)  # an editor writes in several steps
            now = snapshot(root)
            changed = sorted(set(now.items()) ^ set(before.items()))
            return sorted({os.path.relpath(path, root) for path, _ in changed})


def watch_lab(
    env: Env,
    name: str,
    command: list[str],
    *,
    seed: int | None = None,
    loop: bool = False,
    max_runs: int = 0,
) -> int:
    """Check, then check again after every change; return the last check's status."""
    import secrets

    from netlearn.labs.commands import check_lab

    root = Path.cwd()
    if seed is None:
        seed = secrets.randbelow(1_000_000)  # the same inputs every run: a fair comparison
    runs = 0
    while True:
        before = snapshot(root)
        status = check_lab(env, name, command, seed=seed)
        runs += 1
        if max_runs and runs >= max_runs:
            return status
        if not (env.is_tty or loop):
            env.stderr.write(say("labs.watch.once") + "\n")
            env.stderr.flush()
            return status
        env.stdout.write("\n" + say("labs.watch.watching", count=len(before), root=root) + "\n")
        env.stdout.flush()
        changed = wait_for_change(root, before)
        shown = ", ".join(changed[:5]) + (" ..." if len(changed) > 5 else "")
        env.stdout.write(f"\n{'=' * 30} changed: {shown}\n\n")
        env.stdout.flush()
