"""`netlearn lab watch` as a learner runs it (a subprocess in a folder of its own): a broken
program fails, the fixed file is saved, watch checks again and passes; Ctrl-C ends it with 130
at once and leaves none of the learner's processes behind; off a terminal it checks once."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REF = Path(__file__).parent / "labs" / "tcp-echo" / "ref.py"
BROKEN = Path(__file__).parent / "labs" / "tcp-echo" / "broken_strip_newline.py"


class Watch:
    """`netlearn lab watch tcp-echo ... -- python3 prog.py` in `work`; lines read on a thread."""

    def __init__(self, tmp_path: Path, source: str, *options: str) -> None:
        self.work = tmp_path / "work"
        self.work.mkdir(exist_ok=True)
        (self.work / "prog.py").write_text(source)
        env = {
            **os.environ,
            "NETLEARN_HOME": str(tmp_path / "home"),  # outside the watched folder
            "NETLEARN_LAB_TIME_SCALE": "0.3",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netlearn", "lab", "watch", "tcp-echo", "--seed", "7"]
            + list(options)
            + ["--", sys.executable, "prog.py"],
            cwd=self.work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def until(self, predicate, timeout: float = 20.0) -> str:  # type: ignore[no-untyped-def]
        """The first line (from now) that satisfies `predicate`; fails after `timeout` s."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            assert left > 0, "timed out; seen:\n" + "\n".join(self.seen)
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                continue
            assert line is not None, "watch ended; seen:\n" + "\n".join(self.seen)
            self.seen.append(line)
            if predicate(line):
                return line

    def finish(self, timeout: float = 20.0) -> int:
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


def _pid_of(line: str) -> int:
    return int(line.rsplit(" ", 1)[1])


def _gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] in (b"Z", b"X")


def _with_pid(source: Path) -> str:
    """The program, printing its PID first (so the test can look for it afterwards)."""
    return f"import os; print('pid', os.getpid(), flush=True)\n{source.read_text()}"


def test_watch_fails_then_passes_after_the_file_is_fixed(tmp_path: Path) -> None:
    watch = Watch(tmp_path, BROKEN.read_text(), "--loop", "--max-runs", "2")
    try:
        watch.until(lambda line: line.startswith("Fix stage 1 (short-line)"))
        watch.until(lambda line: line.startswith("Watching "))
        (watch.work / "prog.py").write_text(REF.read_text())
        watch.until(lambda line: "changed: prog.py" in line, timeout=5)
        watch.until(lambda line: line == "All 5 stages passed.")
        assert watch.finish() == 0  # --max-runs 2: the second check was the last
    finally:
        watch.finish(5)
    assert not any("Watching" in line for line in watch.seen[-3:])


def test_ctrl_c_while_watching_exits_130_at_once(tmp_path: Path) -> None:
    watch = Watch(tmp_path, _with_pid(REF), "--loop", "--max-runs", "5")
    try:
        pid = _pid_of(watch.until(lambda line: line.startswith("program | pid ")))
        watch.until(lambda line: line.startswith("Watching "))
        start = time.monotonic()
        watch.proc.send_signal(signal.SIGINT)
        assert watch.proc.wait(timeout=5) == 130
        assert time.monotonic() - start < 0.5
    finally:
        watch.finish(5)
    assert _gone(pid)


def test_ctrl_c_during_a_check_stops_the_learners_program(tmp_path: Path) -> None:
    # the program never listens: the check is waiting for it when Ctrl-C comes
    watch = Watch(tmp_path, "import time\ntime.sleep(60)\n", "--loop")
    try:
        pid = None
        end = time.monotonic() + 10
        while pid is None and time.monotonic() < end:  # found in /proc: it prints nothing
            for entry in os.listdir("/proc"):
                if (
                    entry.isdigit()
                    and _cmdline(int(entry)) == f"{sys.executable} prog.py"
                    and _cwd(int(entry)) == str(watch.work)
                ):
                    pid = int(entry)
            time.sleep(0.05)
        assert pid is not None, "the program did not start"
        start = time.monotonic()
        watch.proc.send_signal(signal.SIGINT)
        assert watch.proc.wait(timeout=5) == 130
        assert time.monotonic() - start < 0.5
    finally:
        watch.finish(5)
    assert _gone(pid)


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def test_off_a_terminal_it_checks_once_and_says_so(tmp_path: Path) -> None:
    watch = Watch(tmp_path, BROKEN.read_text())
    status = watch.finish()
    assert status == 1
    assert watch.proc.stderr is not None
    err = watch.proc.stderr.read()
    assert "--loop" in err, err
    lines = []
    while (line := watch.lines.get(timeout=5)) is not None:
        lines.append(line)
    assert "Fix stage 1 (short-line), then run it again:" in lines
    assert not any(line.startswith("Watching") for line in lines)
