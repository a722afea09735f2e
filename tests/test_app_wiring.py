"""Issue 11's wiring of the scene commands to the full-screen player: `netlearn capture` runs in
LiveScreen (as root, and without privilege in the private namespace), `capture --osi N` and `o`
in the TCP ladder open the interactive inspector, the ladder's flag strip keeps [SYN] under
NO_COLOR, and osi/tcp/capture take --present and --theme.

The terminal tests run netlearn on a real pseudo-terminal (tests/pty_terminal.py) and type
keys into it; the live ones check the kernel's socket table and process list afterwards.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import termios
import time
from io import StringIO
from pathlib import Path

import pytest
from pty_terminal import Terminal

from netlearn.env import Env

pytest.importorskip("textual")

REPO = Path(__file__).resolve().parent.parent
PCAP = REPO / "assets" / "pcaps" / "loopback-tcp.pcap"


def listening(port: int) -> bool:
    """Whether any socket on this machine listens on TCP `port` (/proc/net/tcp, tcp6)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def children(pid: int) -> set[int]:
    """The live processes whose parent is `pid`."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.add(int(entry.name))
    return found


def gone(pid: int) -> bool:
    """True when `pid` no longer exists, as a zombie included (nobody left it unreaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "X"


# ---------------------------------------------------------------- capture, live, full-screen


def _ctrl_c_after_enter(t: Terminal, pid_of_netlearn: int) -> tuple[int, float, int, set[int]]:
    """Wait for part 1, press Enter, wait for part 2, type Ctrl-C. Returns the exit code, how
    long it took, the demo's server port and the children netlearn had before."""
    t.read_until(r"Enter: part 2 of 3", timeout=30)
    # The footer may be painted before the ladder on a loaded machine: wait for each in turn.
    t.read_until(r"part 1 of 3", timeout=15)
    screen = t.read_until(r"\[SYN\]", timeout=15)
    port = int(re.search(r"127\.0\.0\.1:(\d+)", screen).group(1))  # type: ignore[union-attr]
    t.send("\r")
    t.read_until(r"Enter: part 3 of 3", timeout=15)
    t.read_until(r"part 2 of 3", timeout=15)
    kids = children(pid_of_netlearn)
    start = time.monotonic()
    t.send("\x03")
    code = t.wait(timeout=5)
    return code, time.monotonic() - start, port, kids


@pytest.mark.root  # captures directly
def test_capture_demo_runs_full_screen_and_ctrl_c_stops_it(netlearn_home: Path) -> None:
    from netlearn.live.capture import can_capture

    ok, why = can_capture("lo")
    if not ok:
        pytest.skip(f"this test captures directly: {why}")
    t = Terminal(["capture"], netlearn_home)
    try:
        code, took, port, kids = _ctrl_c_after_enter(t, t.proc.pid)
        assert code == 130 and took < 1.0
        assert not listening(port)
        assert all(gone(pid) for pid in kids)
        assert "Traceback" not in t.buf.decode("utf-8", "replace")
    finally:
        t.close()


class PrefixedTerminal(Terminal):
    """`Terminal`, but the command is `prefix + [python, -m, netlearn, ...]` with its own
    environment (to run as an unprivileged user)."""

    def __init__(self, prefix: list[str], python: str, env: dict[str, str], args: list[str]):
        import fcntl
        import pty
        import struct

        from pty_terminal import _controlling_tty

        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        full = {**env, "TERM": "xterm-256color"}
        full.pop("COLUMNS", None)
        self.proc = subprocess.Popen(
            [*prefix, python, "-m", "netlearn", *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            env=full,
            cwd=env["HOME"],
            start_new_session=True,
            preexec_fn=_controlling_tty,
        )
        self.buf = b""


def test_capture_demo_in_the_private_namespace_full_screen(request: pytest.FixtureRequest) -> None:
    """Without privilege the demo runs in a child in its own namespace: the screen shows it,
    and Ctrl-C stops it at once with that child reaped."""
    user = request.getfixturevalue("unprivileged")  # test_netns_capture's user
    t = PrefixedTerminal(user.prefix, user.python, user.env, ["capture"])
    try:
        screen = t.read_until(r"Enter: part 2 of 3", timeout=30)
        pid = t.proc.pid  # setpriv execs the Python: the same process
        kids = children(pid)
        assert len(kids) == 1, "the namespace's child should be running"
        t.buf = screen.encode()
        code, took, _port, _kids = _ctrl_c_after_enter(t, pid)
        assert code == 130 and took < 1.0
        deadline = time.monotonic() + 1.0
        while not all(gone(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert all(gone(k) for k in kids), "the namespace's child was left behind"
        assert "Traceback" not in t.buf.decode("utf-8", "replace")
    finally:
        t.close()


def test_capture_parts_step_in_the_live_screen() -> None:
    """The demo's tagged events become three parts on LiveScreen: one per Enter, then the end
    (the recorded connection, so the test needs no privilege)."""
    from netlearn.app.live import LiveScreen
    from netlearn.app.shell import NetlearnApp
    from netlearn.lessons.capture.cli import in_parts
    from netlearn.lessons.capture.demo import told_replay

    async def run() -> list[tuple[int, str]]:
        env = Env.build("rich", stdout=StringIO(), animate=False)
        finished: list[bool] = []
        screen = LiveScreen(in_parts(told_replay(env), finished), title="capture", noun="part")
        seen: list[tuple[int, str]] = []
        async with NetlearnApp(env, screen).run_test(size=(80, 24)) as pilot:
            for _ in range(3):
                end = time.monotonic() + 10
                while screen.waiting is None and not screen.done and time.monotonic() < end:
                    await pilot.pause(0.05)
                assert screen.current is not None
                seen.append((screen.current.index, screen.current.step_id))
                await pilot.press("enter")
            end = time.monotonic() + 10
            while not screen.done and time.monotonic() < end:
                await pilot.pause(0.05)
            assert screen.done and finished == [True]
            await pilot.press("enter")
        return seen

    assert asyncio.run(run()) == [(0, "handshake"), (1, "data"), (2, "close")]


def test_capture_parts_close_the_producer_when_stopped() -> None:
    from netlearn.lessons.capture.cli import in_parts
    from netlearn.lessons.capture.demo import told_replay

    env = Env.build("rich", stdout=StringIO(), animate=False)
    closed: list[bool] = []

    def told():  # type: ignore[no-untyped-def]
        try:
            yield from told_replay(env)
        finally:
            closed.append(True)

    finished: list[bool] = []
    events = in_parts(told(), finished)
    first = [next(events) for _ in range(3)]
    assert type(first[0]).__name__ == "Title" and type(first[1]).__name__ == "Progress"
    events.close()
    assert closed == [True] and finished == []


# ---------------------------------------------------------------- the interactive inspector


def test_capture_read_osi_opens_the_interactive_inspector(netlearn_home: Path) -> None:
    t = Terminal(["capture", "--read", str(PCAP), "--osi", "1"], netlearn_home)
    try:
        # each awaited in turn: a loaded machine may paint the footer before the table
        for painted in (r"q leave", r"packet 1", r"\[Ether\]", r"Ether\.dst"):
            t.read_until(painted, timeout=30)
        t.send("\x1b[C")  # → the next layer: IP
        t.read_until(r"IP\.version", timeout=10)
        t.send("q")
        assert t.wait(timeout=10) == 0
        assert termios.tcgetattr(t.slave) == t.before
    finally:
        t.close()


def test_o_in_the_tcp_ladder_opens_the_inspector_and_q_comes_back(netlearn_home: Path) -> None:
    t = Terminal(["tcp", "handshake", "--seed", "1"], netlearn_home)
    try:
        t.read_until(r"segment 0/3")
        t.send("\r")
        t.read_until(r"segment 1/3 · relative")
        t.send("o")
        for painted in (r"q leave", r"TCP", r"bytes"):
            t.read_until(painted, timeout=20)
        t.send("\x1b[C")  # the inspector's own keys work: → the next layer
        t.read_until(r"TCP\.sport", timeout=10)
        t.send("q")
        t.read_until(r"segment 1/3 · relative", timeout=10)
        t.read_until(r"\[SYN\]", timeout=10)
        t.send("\r")  # the ladder's keys work again
        t.read_until(r"segment 2/3")
        t.send("q")
        t.read_until(r"Stopped at segment 2 of 3")
        assert t.wait() == 0
        assert termios.tcgetattr(t.slave) == t.before  # the terminal is given back as it was
    finally:
        t.close()


def test_ctrl_c_in_the_ladders_inspector_stops_the_ladder(netlearn_home: Path) -> None:
    t = Terminal(["tcp", "handshake", "--seed", "1"], netlearn_home)
    try:
        t.read_until(r"segment 0/3")
        t.send("\r")
        t.read_until(r"segment 1/3")
        t.send("o")
        t.read_until(r"q leave", timeout=20)
        t.send("\x03")
        t.read_until(r"Stopped at segment 1 of 3", timeout=10)
        assert t.wait() == 0
        assert termios.tcgetattr(t.slave) == t.before
    finally:
        t.close()


# ---------------------------------------------------------------- NO_COLOR


class Tty(StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("no_color", [True, False])
def test_ladder_flag_strip_says_which_flags_are_set(
    monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    """The player's flag strip under the ladder and in the fields panel: `[SYN]` and `set:
    SYN` without colour; in colour, the set bit in reverse video."""
    import random

    from netlearn.lessons.tcp import scenarios
    from netlearn.lessons.tcp.player import Player

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    out = Tty()
    env = Env.build("auto", stdout=out, stdin=StringIO(), width=80, animate=False)
    trace = scenarios.handshake(random.Random(1))
    Player(env, trace, iter(["\r", "f", " ", "\r", "q"])).run()
    text = out.getvalue()
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    strips = [line for line in plain.splitlines() if line.startswith("flags ")]
    assert len(strips) == 4  # segment 1, its fields panel, segment 1 again, segment 2
    syn, synack = strips[0], strips[3]
    if no_color:
        assert "[SYN]" in syn and "set: SYN " in syn and " ack " in syn and "[ACK]" not in syn
        assert "[SYN]" in synack and "[ACK]" in synack and "set: ACK, SYN " in synack
        assert "\x1b[3" not in text  # no colour at all
    else:
        assert "\x1b[" in text and "set:" not in syn and "[" not in syn
        assert " SYN " in syn and " ACK " in syn  # told apart by reverse video


# ---------------------------------------------------------------- classroom options


@pytest.mark.parametrize(
    "args",
    [
        ("osi", "--present", "--theme", "light"),
        ("osi", "--pcap", str(PCAP), "--present"),
        ("tcp", "handshake", "--seed", "1", "--present", "--theme", "dark"),
        ("capture", "--read", str(PCAP), "--stream", "1", "--present"),
        ("capture", "--read", str(PCAP), "--osi", "1", "--present", "--theme", "light"),
    ],
)
def test_present_and_theme_are_accepted_and_change_nothing_in_a_pipe(
    run_cli, args: tuple[str, ...]
) -> None:
    plain = [a for a in args if a not in ("--present", "--theme", "light", "dark")]
    with_opts = run_cli(*args)
    without = run_cli(*plain)
    assert with_opts.returncode == 0, with_opts.stderr
    assert with_opts.stdout == without.stdout and with_opts.stdout


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (("osi", "--packet", "dns"), "DNS"),
        (("tcp", "handshake", "--seed", "2"), "SYN"),
        (("capture", "--read", str(PCAP), "--stream", "1"), "SYN"),
        (("capture", "--read", str(PCAP), "--osi", "2"), "TCP"),
    ],
)
def test_export_with_the_light_theme_writes_a_light_svg(
    run_cli, tmp_path: Path, args: tuple[str, ...], word: str
) -> None:
    light, dark = tmp_path / "light.svg", tmp_path / "dark.svg"
    done = run_cli(*args, "--export", str(light), "--theme", "light")
    assert done.returncode == 0, done.stderr
    assert run_cli(*args, "--export", str(dark)).returncode == 0
    svg = light.read_text()
    assert svg.startswith("<svg") and word in svg
    assert "#ffffff" in svg.lower() and "#ffffff" not in dark.read_text().lower()


@pytest.mark.parametrize("command", [("osi",), ("tcp", "handshake"), ("capture", "--replay")])
def test_an_unknown_theme_is_one_clear_line(run_cli, command: tuple[str, ...]) -> None:
    done = run_cli(*command, "--theme", "pink")
    assert done.returncode == 1
    assert done.stderr.strip() == "netlearn: unknown theme 'pink': choose dark or light"


def test_tcp_present_on_a_terminal_pages_instead_of_stepping(netlearn_home: Path) -> None:
    """--present on a terminal: the scene for a class, page by page (Enter), not the ladder
    player's one segment per key."""
    t = Terminal(["tcp", "handshake", "--seed", "1", "--present"], netlearn_home)
    try:
        screen = t.read_until(r"SYN", timeout=20)
        assert "segment 0/3" not in screen
        for _ in range(10):
            if t.proc.poll() is not None:
                break
            t.send("\r")
            time.sleep(0.2)
        assert t.wait(timeout=10) == 0
    finally:
        t.close()


# The unprivileged user of the namespace tests (a session fixture: `setpriv` to nobody as root).
from test_netns_capture import unprivileged  # noqa: E402, F401
