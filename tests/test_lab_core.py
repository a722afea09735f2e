"""The lab framework on real sockets and real processes: bounded waits that say who waited for
what and how long, byte limits, the caret under the right byte, the learner's program captured
and stopped with everything it started, the runner's start-up checks, and seeded runs."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import struct
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from forkserver import run_netlearn

from netlearn.labs import core, report, runner
from netlearn.labs.core import Conn, Lab, Log, Program, Stage, StageContext, StageFailed
from netlearn.labs.runner import run_lab

PY = sys.executable
TCP_ECHO_REF = Path(__file__).parent / "labs" / "tcp-echo" / "ref.py"


# -- helpers --------------------------------------------------------------------------------
@contextlib.contextmanager
def pair(deadline: float = 5.0) -> Iterator[tuple[Conn, socket.socket]]:
    """A Conn (netlearn's side, actor "client 1") and the peer socket, over 127.0.0.1."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        ours = socket.create_connection(server.getsockname(), timeout=2)
        peer, _ = server.accept()
    conn = Conn("client 1", ours, Log(), time.monotonic() + deadline, lesson="tcp#x")
    try:
        yield conn, peer
    finally:
        conn.close()
        peer.close()


def timed(fn, *args, **kwargs) -> tuple[StageFailed, float]:  # type: ignore[no-untyped-def]
    start = time.monotonic()
    with pytest.raises(StageFailed) as info:
        fn(*args, **kwargs)
    return info.value, time.monotonic() - start


def gone(pid: int) -> bool:
    """No such process, or a zombie nobody reaped yet (it runs no more code)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return True
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] in (b"Z", b"X")


def wait_until(check, timeout: float = 3.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.02)
    return bool(check())


def script(tmp_path: Path, name: str, text: str) -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return [PY, str(path)]


# -- Conn: every wait bounded, every failure names actor, what and time -------------------
def test_recv_exact_times_out_naming_actor_what_and_time() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"abc")
        exc, took = timed(conn.recv_exact, 5, timeout=0.3, what="the echo")
    assert exc.message == "client 1 waited 0.3 s for the echo and got 3 of 5 bytes"
    assert exc.got == b"abc" and exc.offset == 3
    assert exc.lesson == "tcp#x"
    assert 0.25 <= took < 1.5


def test_recv_exact_is_bounded_by_the_stage_deadline() -> None:
    with pair(deadline=0.3) as (conn, _peer):
        exc, took = timed(conn.recv_exact, 4, timeout=30, what="a frame header")
    assert exc.message == "client 1 waited 0.3 s for a frame header and got 0 of 4 bytes"
    assert took < 1.5


def test_recv_exact_on_eof_says_how_much_came() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"ab")
        peer.shutdown(socket.SHUT_WR)
        exc, _ = timed(conn.recv_exact, 5, timeout=2, what="the echo")
    assert exc.message == (
        "the program closed the connection after 2 of the 5 bytes client 1 waited for (the echo)"
    )
    assert exc.got == b"ab" and exc.offset == 2


def test_recv_exact_on_reset_says_reset() -> None:
    with pair() as (conn, peer):
        peer.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        peer.close()
        exc, _ = timed(conn.recv_exact, 5, timeout=2, what="the echo")
    assert "reset the connection (TCP RST)" in exc.message
    assert "client 1 waited for the echo" in exc.message


def test_recv_until_times_out_naming_actor_what_and_time() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"HTTP/1.1 101")
        exc, took = timed(conn.recv_until, b"\r\n\r\n", timeout=0.3, what="the 101 response")
    assert exc.message == "client 1 waited 0.3 s for the 101 response and got 12 bytes without it"
    assert exc.got == b"HTTP/1.1 101"
    assert 0.25 <= took < 1.5


def test_recv_until_nothing_at_all() -> None:
    with pair() as (conn, _peer):
        exc, _ = timed(conn.recv_until, b"\n", timeout=0.2, what="a line")
    assert exc.message == "client 1 waited 0.2 s for a line and got nothing"
    assert exc.got is None


def test_recv_until_limit() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"x" * 100)
        exc, took = timed(conn.recv_until, b"\n", limit=50, timeout=2, what="a line")
        assert (
            exc.message
            == "client 1 waited for a line and got 50 bytes without '\\n' (the most it reads)"
        )
        assert exc.got == b"x" * 50
        assert took < 1.0  # it did not wait for the timeout
    with pair() as (conn, peer):
        peer.sendall(b"y" * 60 + b"\n")
        exc, _ = timed(conn.recv_until, b"\n", limit=50, timeout=2, what="a line")
        assert exc.got == b"y" * 50  # the marker past the limit does not count


def test_recv_until_returns_up_to_the_marker_and_keeps_the_rest() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"head\r\n\r\n\x81\x05")
        assert conn.recv_until(b"\r\n\r\n", timeout=2) == b"head\r\n\r\n"
        assert conn.recv_exact(2, timeout=2) == b"\x81\x05"


def test_expect_eof_times_out_naming_actor_what_and_time() -> None:
    with pair() as (conn, peer):
        peer.sendall(b"still here")
        exc, took = timed(conn.expect_eof, timeout=0.3, what="after the echo")
    assert exc.message == (
        "client 1 waited 0.3 s for the program to close the connection (after the echo) and it "
        "did not"
    )
    assert exc.got == b"still here"
    assert 0.25 <= took < 1.5


def test_expect_eof_keeps_a_bounded_amount() -> None:
    with pair() as (conn, peer):
        sender = __import__("threading").Thread(
            target=lambda: (peer.sendall(b"z" * (3 << 20)), peer.shutdown(socket.SHUT_WR))
        )
        sender.start()
        got = conn.expect_eof(timeout=5)
        sender.join(5)
    assert (1 << 20) <= len(got) <= (1 << 20) + 65536
    entry = conn.log.entries[0]
    assert entry.kind == "received" and entry.length == 3 << 20
    assert len(entry.data) == core.KEEP_BYTES


def test_log_merges_chunks_and_keeps_at_most_keep_bytes() -> None:
    log = Log()
    log.sent("client 1", b"a" * 3000)
    log.sent("client 1", b"b" * 3000)
    log.sent("client 2", b"c")
    log.received("client 1", b"")  # nothing: no entry
    assert [(e.actor, e.length, len(e.data)) for e in log.entries] == [
        ("client 1", 6000, core.KEEP_BYTES),
        ("client 2", 1, 1),
    ]
    assert log.entries[0].data == b"a" * 3000 + b"b" * (core.KEEP_BYTES - 3000)


# -- the caret ----------------------------------------------------------------------------
def caret_col(lines: list[str]) -> int:
    return lines[-1].index("^")


@pytest.mark.parametrize("offset", [0, 3, 6, 10])
def test_caret_under_the_byte_in_text(offset: int) -> None:
    got = b"hello world"
    lines = report.caret_lines(got, offset)
    assert len(lines) == 2
    assert lines[0][caret_col(lines)] == chr(got[offset])
    assert lines[1].endswith(f"^ byte {offset}")


def test_caret_in_text_after_escapes_and_on_a_newline() -> None:
    got = b'a\t"b'
    lines = report.caret_lines(got, 3)
    assert lines[0][caret_col(lines)] == "b"
    got = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    at = got.index(b"\r\nHost")
    lines = report.caret_lines(got, at)
    assert lines[0][caret_col(lines) : caret_col(lines) + 2] == "\\r"
    at = got.index(b"x")
    lines = report.caret_lines(got, at)
    assert lines[0].strip().startswith('"Host')  # the line holding the offset
    assert lines[0][caret_col(lines)] == "x"


def test_caret_just_past_the_end_of_text() -> None:
    lines = report.caret_lines(b"hello", 5)
    assert lines[0][caret_col(lines)] == '"'  # the closing quote: nothing came there
    assert lines[1].endswith("^ byte 5")


def test_caret_in_a_long_text_is_shortened_around_the_offset() -> None:
    got = bytearray(b"a" * 5000)
    got[3000] = ord("X")
    lines = report.caret_lines(bytes(got), 3000)
    assert lines[0][caret_col(lines)] == "X"
    assert "..." in lines[0]
    assert all(len(line) <= 100 for line in lines)


@pytest.mark.parametrize("offset", [0, 1, 15, 16, 17, 39])
def test_caret_under_the_byte_in_a_hex_dump(offset: int) -> None:
    got = bytes(range(0x80, 0x80 + 40))  # not text: a hex dump
    lines = report.caret_lines(got, offset)
    col = caret_col(lines)
    row = lines[-2]
    assert row.strip().startswith(f"{offset - offset % 16:04x}")
    assert row[col : col + 2] == f"{got[offset]:02x}"
    assert lines[-1].endswith(f"^^ byte {offset}")


def test_caret_past_the_end_of_a_hex_dump() -> None:
    got = bytes(range(0x80, 0x90))  # 16 bytes, the caret on byte 16
    lines = report.caret_lines(got, 16)
    assert "the bytes ended here" in lines[-2]
    assert lines[-1].endswith("^^ byte 16")


def test_caret_in_a_long_hex_dump_shows_only_the_rows_around_it() -> None:
    got = bytes((i * 7 + 0x80) & 0xFF for i in range(100_000))
    offset = 54_321
    lines = report.caret_lines(got, offset)
    assert len(lines) == 3  # the row before, the row, the caret
    col = caret_col(lines)
    assert lines[1].strip().startswith(f"{offset - offset % 16:04x}")
    assert lines[1][col : col + 2] == f"{got[offset]:02x}"


# -- the learner's program ------------------------------------------------------------------
def test_program_output_is_captured_and_prefixed(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        "p.py",
        """
        import sys
        print("to stdout")
        print("to stderr", file=sys.stderr)
        """,
    )
    program = Program(argv, dict(os.environ))
    assert program.wait(5) == 0
    program.stop()
    assert sorted(program.output()) == ["to stderr", "to stdout"]
    res = runner.StageResult(1, Stage("s", "a stage", lambda ctx: None), "passed", 0.1)
    res.output = program.output()
    lines = report.stage_lines(res, 1)
    assert "program | to stdout" in lines and "program | to stderr" in lines


def test_program_output_is_capped(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        "p.py",
        """
        print("x" * 100_000)
        for i in range(2000):
            print("line", i)
        """,
    )
    program = Program(argv, dict(os.environ))
    assert program.wait(10) == 0
    program.stop()
    lines = program.output()
    assert len(lines) == core.MAX_OUTPUT_LINES
    assert program.dropped > 1000
    assert all(len(line) <= core.MAX_LINE_CHARS + 40 for line in lines)
    assert "more characters)" in lines[0]


def test_stop_ends_the_program_and_its_children(tmp_path: Path) -> None:
    # the child ignores SIGTERM; the grandchild it started does too
    argv = script(
        tmp_path,
        "p.py",
        f"""
        import signal, subprocess, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([{PY!r}, "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"])
        print("grandchild", child.pid, flush=True)
        time.sleep(60)
        """,
    )
    program = Program(argv, dict(os.environ))
    assert wait_until(lambda: any(x.startswith("grandchild") for x in program.output()))
    grandchild = int(next(x for x in program.output() if x.startswith("grandchild")).split()[1])
    assert not gone(grandchild)
    start = time.monotonic()
    program.stop()
    assert time.monotonic() - start < 2.0
    assert not program.running()
    assert wait_until(lambda: gone(grandchild)), "the grandchild outlived stop()"


def test_a_missing_program_is_one_clear_error() -> None:
    from netlearn.errors import NetlearnError

    with pytest.raises(NetlearnError, match="program not found: 'no-such-program-xyz'"):
        Program(["no-such-program-xyz"], dict(os.environ))


# -- the runner ---------------------------------------------------------------------------
def echo_stage(ctx: StageContext) -> None:
    conn = ctx.connect("client 1")
    word = "".join(ctx.rng.choice("abcdefgh") for _ in range(8)).encode() + b"\n"
    conn.send(word)
    got = conn.recv_exact(len(word), what="the echo")
    if got != word:
        raise StageFailed("wrong echo", got=got, offset=0)


TINY = Lab(
    name="tiny",
    title="a tiny echo lab",
    kind="server",
    lesson="tcp",
    stages=(Stage("echo", "an echo", echo_stage, 3.0), Stage("again", "again", echo_stage, 3.0)),
)


def test_a_program_on_another_port_is_told_so(tmp_path: Path) -> None:
    argv = script(
        tmp_path,
        "p.py",
        """
        import socket, time
        srv = socket.create_server(("127.0.0.1", 0))
        print("on", srv.getsockname()[1], flush=True)
        time.sleep(30)
        """,
    )
    result = run_lab(TINY, argv, seed=1)
    assert not result.ok
    failure = result.stages[0].failure
    assert failure is not None
    match = re.fullmatch(
        r"your program listens on port (\d+), not NETLEARN_PORT=(\d+)", failure.message
    )
    assert match, failure.message
    printed = int(result.setup_output[0].split()[1])
    assert int(match.group(1)) == printed != int(match.group(2))
    assert "NETLEARN_PORT" in (failure.cause or "")
    assert [r.status for r in result.stages] == ["failed", "skipped"]


def test_a_program_that_exits_at_once(tmp_path: Path) -> None:
    argv = script(tmp_path, "p.py", "import sys\nprint('oops')\nsys.exit(3)\n")
    start = time.monotonic()
    result = run_lab(TINY, argv, seed=1)
    assert time.monotonic() - start < 3.0
    failure = result.stages[0].failure
    assert failure is not None
    assert re.fullmatch(
        r"the program exited with code 3 before listening on 127\.0\.0\.1:\d+", failure.message
    )
    assert result.setup_output == ["oops"]
    text = report.text_report(result)
    assert "program | oops" in text
    assert "Fix stage 1 (echo)" in text


def test_a_program_that_never_listens(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "STARTUP_TIMEOUT", 0.8)
    argv = script(tmp_path, "p.py", "import time\nprint('thinking', flush=True)\ntime.sleep(30)\n")
    start = time.monotonic()
    result = run_lab(TINY, argv, seed=1)
    took = time.monotonic() - start
    assert 0.7 <= took < 3.0
    failure = result.stages[0].failure
    assert failure is not None
    assert re.fullmatch(
        r"the program did not listen on 127\.0\.0\.1:\d+ within 0\.8 s", failure.message
    )
    assert "NETLEARN_PORT" in (failure.cause or "")
    assert result.setup_output == ["thinking"]


def test_the_program_is_stopped_after_the_run(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    argv = script(
        tmp_path,
        "p.py",
        f"""
        import os, socket
        open({str(pid_file)!r}, "w").write(str(os.getpid()))
        srv = socket.create_server((os.environ["NETLEARN_HOST"], int(os.environ["NETLEARN_PORT"])))
        while True:
            conn, _ = srv.accept()
            with conn:
                conn.sendall(conn.recv(100))
        """,
    )
    result = run_lab(TINY, argv, seed=1)
    assert result.ok, report.text_report(result)
    assert gone(int(pid_file.read_text()))


def _normalised(text: str) -> str:
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    text = re.sub(r"NETLEARN_PORT=\d+", "NETLEARN_PORT=PORT", text)
    text = re.sub(r"\d+\.\d+ s\b", "T s", text)
    return re.sub(r"sent \d{5,} bytes", "sent N bytes", text)


def test_the_seed_makes_two_runs_identical(monkeypatch: pytest.MonkeyPatch) -> None:
    from netlearn.labs import get_lab

    monkeypatch.setenv(core.TIME_SCALE_ENV, "0.3")
    lab = get_lab("tcp-echo")
    argv = [PY, str(TCP_ECHO_REF)]
    first = run_lab(lab, argv, seed=42)
    second = run_lab(lab, argv, seed=42)
    other = run_lab(lab, argv, seed=43)
    assert first.ok and second.ok and other.ok
    a, b, c = (_normalised(report.text_report(r)) for r in (first, second, other))
    assert a == b
    assert a != c  # the inputs do depend on the seed
    assert runner.stage_rng(42, 3).random() == runner.stage_rng(42, 3).random()
    assert runner.stage_rng(42, 3).random() != runner.stage_rng(42, 4).random()


# -- the report fits 80 columns ------------------------------------------------------------
LABS_DIR = Path(__file__).parent / "labs"


def test_report_pieces_fit_80_columns() -> None:
    assert all(len(x) <= 80 for x in report.payload_lines(b"\n" * 60, 60, " " * 7))
    assert all(len(x) <= 80 for x in report.payload_lines(b"\x00a" * 40, 80, " " * 7))
    head = b"HTTP/1.1 101 OK\r\nX-Long: " + b"v" * 200 + b"\r\n\r\n"
    lines = report.payload_lines(head, len(head), " " * 7)
    assert all(len(x) <= 80 for x in lines)
    assert "".join(x.strip().strip('"') for x in lines) == report.escape(head)  # nothing lost
    many = b"".join(b"H%d: v\r\n" % i for i in range(30)) + b"\r\n"
    assert report.payload_lines(many, len(many), "  ")[-1].endswith(f"({len(many)} bytes in all)")
    out = report.program_lines(["y" * 200, "  indented", ""])
    assert out[:3] == ["program | " + "y" * 70, "program + " + "y" * 70, "program + " + "y" * 60]
    assert out[3:] == ["program |   indented", "program | "]
    got = b"x" * 70 + b"\\\\\\\\\\\\" + b"y" * 10
    for offset in (0, 69, 72, len(got) - 1, len(got)):
        lines = report.caret_lines(got, offset, "      ")
        assert all(len(x) <= 80 for x in lines), lines
        col = lines[1].index("^")
        assert lines[0][col] == (
            '"' if offset == len(got) else report.escape(got[offset : offset + 1])[0]
        )


def _report(tmp_path: Path, lab: str, source: Path, prefix: str = "") -> str:
    from netlearn.labs import get_lab

    folder = tmp_path / f"{lab}-{source.stem}"
    folder.mkdir()
    (folder / "prog.py").write_text(prefix + source.read_text())
    result = run_lab(get_lab(lab), ["python3", "prog.py"], seed=11, cwd=str(folder))
    return report.text_report(result)


@pytest.mark.parametrize(
    ("lab", "variant", "ok"),
    [
        ("tcp-echo", "ref", True),
        ("tcp-echo", "broken_never_close", False),
        ("tcp-echo", "broken_fixed_port", False),
        ("websocket-server", "ref", True),
        ("websocket-server", "broken_len7", False),
        ("websocket-server", "broken_guid", False),
    ],
)
def test_every_report_line_fits_80_columns(
    lab: str, variant: str, ok: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(core.TIME_SCALE_ENV, "0.3")
    monkeypatch.setenv("PYTHONPATH", str(LABS_DIR / lab))  # broken variants import ref
    text = _report(tmp_path, lab, LABS_DIR / lab / f"{variant}.py", "print('=' * 150)\n")
    assert ("All " in text) == ok, text
    too_long = [line for line in text.splitlines() if len(line) > 80]
    assert not too_long, "\n".join(too_long)
    assert "program + " in text  # the 150-character line went on in a second line


def test_lab_list_show_and_start_fit_80_columns(tmp_path: Path) -> None:

    env = {**os.environ, "NETLEARN_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    for args in (
        [],
        ["show", "tcp-echo"],
        ["show", "websocket-server"],
        ["start", "websocket-server"],
    ):
        out = run_netlearn(["lab", *args], env=env, cwd=tmp_path, timeout=30)
        assert out.returncode == 0, out.stderr
        fenced, too_long = False, []
        for line in out.stdout.splitlines():
            fenced ^= line.startswith("```")
            if not fenced and len(line) > 80:  # an example transcript is shown as written
                too_long.append(line)
        assert not too_long, args
        assert "\x1b[" not in out.stdout
