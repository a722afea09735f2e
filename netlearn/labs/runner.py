"""Run a lab's stages against the learner's program, in order, stopping at the first failure.

Server labs: the program is started once on a free port and must listen on it (found from
/proc/net/tcp and the program's socket inodes, so netlearn never has to connect to find out, and a
program listening on another port is told so). Client labs: a listener and a fresh program per
stage. The program is always stopped (its whole process group) at the end, on a failure and on
Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import random
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from netlearn.content.words import say
from netlearn.labs.clock import Timer, now, pause, scaled
from netlearn.labs.core import Lab, Log, Program, Stage, StageContext, StageFailed

HOST = "127.0.0.1"
# How long a server lab's program has to start listening (not scaled: node can be slow to start).
STARTUP_TIMEOUT = 10.0


@dataclass
class StageResult:
    index: int  # 1-based
    stage: Stage
    status: str  # "passed", "failed" or "skipped"
    time: float = 0.0
    log: Log = field(default_factory=Log)
    failure: StageFailed | None = None
    output: list[str] = field(default_factory=list)  # the program's lines during this stage


@dataclass
class LabResult:
    lab: Lab
    seed: int
    command: list[str]
    stages: list[StageResult] = field(default_factory=list)
    setup: Log = field(default_factory=Log)
    setup_output: list[str] = field(default_factory=list)
    dropped_output: int = 0

    @property
    def passed(self) -> int:
        return sum(1 for r in self.stages if r.status == "passed")

    @property
    def total(self) -> int:
        return len(self.lab.stages)

    @property
    def ok(self) -> bool:
        return self.passed == self.total


def stage_rng(seed: int, index: int) -> random.Random:
    """The stage's random numbers: the same seed gives the same run, stage by stage."""
    return random.Random(f"netlearn-lab:{seed}:{index}")


def free_port(host: str = HOST) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# -- which ports a process group listens on (Linux /proc) ---------------------------------
def _group_pids(pgid: int) -> list[int]:
    pids = []
    with contextlib.suppress(OSError):
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read(4096)
            except OSError:
                continue
            # fields after the command name (which may hold spaces and parentheses)
            rest = stat[stat.rfind(b")") + 2 :].split()
            if len(rest) > 2 and int(rest[2]) == pgid:
                pids.append(int(entry))
    return pids


def _socket_inodes(pids: Sequence[int]) -> set[int]:
    inodes: set[int] = set()
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds[:4096]:
            try:
                target = os.readlink(f"{fd_dir}/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def listening_ports(pgid: int) -> set[int] | None:
    """TCP ports the process group listens on; None when /proc cannot tell."""
    if not os.path.isdir("/proc/self/fd"):
        return None
    inodes = _socket_inodes(_group_pids(pgid))
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                lines = fh.readlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if len(cols) > 9 and cols[3] == "0A" and int(cols[9]) in inodes:
                ports.add(int(cols[1].rsplit(":", 1)[1], 16))
    return ports


def _port_accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_listening(program: Program, port: int, log: Log, timeout: float | None = None) -> None:
    """Return once the program listens on `port`; StageFailed if it exits, listens elsewhere or
    takes longer than `timeout` (default STARTUP_TIMEOUT, read when called)."""
    timeout = STARTUP_TIMEOUT if timeout is None else timeout
    timer = Timer(timeout)
    other_since: float | None = None
    while True:
        if not program.running():
            raise StageFailed(
                say("labs.runner.exited-early", code=program.returncode, host=HOST, port=port),
                cause=say("labs.runner.exited-early-cause"),
            )
        ports = listening_ports(program.pid)
        if ports is None:  # no /proc: try a connection (a server that serves one client fails)
            if _port_accepts(HOST, port):
                break
        elif port in ports:
            break
        elif ports:
            other_since = other_since or now()
            if now() - other_since > 0.3:  # it may open the right one a moment later
                other = ", ".join(str(p) for p in sorted(ports))
                raise StageFailed(
                    say("labs.runner.other-port", other=other, port=port),
                    expected=say("labs.runner.other-port-expected", host=HOST, port=port),
                    rule=say("labs.runner.other-port-rule"),
                    cause=say("labs.runner.other-port-cause"),
                )
        if timer.over:
            raise StageFailed(
                say("labs.runner.not-listening", host=HOST, port=port, timeout=timeout),
                cause=say("labs.runner.not-listening-cause"),
            )
        pause(0.02)
    log.note("netlearn", say("labs.runner.listening", host=HOST, port=port))


# -- running ------------------------------------------------------------------------------
def _program_env(extra: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("NETLEARN_LAB_TIME_SCALE", None)
    env["PYTHONUNBUFFERED"] = "1"  # the learner's prints show up in order, not at exit
    env.update(extra)
    return env


def _run_stage(stage: Stage, ctx: StageContext) -> StageFailed | None:
    try:
        stage.run(ctx)
    except StageFailed as exc:
        return exc
    except (ConnectionError, TimeoutError) as exc:  # a wait a stage forgot to wrap
        return StageFailed(
            say("labs.runner.connection-failed", why=exc.strerror or exc), lesson=stage.lesson
        )
    return None


def _context(
    result: LabResult,
    index: int,
    log: Log,
    start: float,
    port: int,
    program: Program,
    listener: socket.socket | None = None,
    url: str | None = None,
) -> StageContext:
    """The context of stage `index` (0-based): its seeded random numbers, its deadline."""
    stage = result.lab.stages[index]
    return StageContext(
        lab=result.lab,
        rng=stage_rng(result.seed, index + 1),
        log=log,
        host=HOST,
        port=port,
        deadline=start + scaled(stage.timeout),
        program=program,
        listener=listener,
        url=url,
        stage=stage,
    )


def _finish(ctx: StageContext) -> None:
    for conn in ctx.conns:
        conn.close()
    ctx.conns.clear()


def run_lab(
    lab: Lab,
    command: Sequence[str],
    seed: int,
    *,
    on_setup: Callable[[LabResult], None] | None = None,
    on_stage: Callable[[StageResult], None] | None = None,
    cwd: str | None = None,
) -> LabResult:
    """Run every stage of `lab` against `command`; callbacks see each result as it is made."""
    result = LabResult(lab=lab, seed=seed, command=list(command))
    if lab.kind == "server":
        _run_server_lab(result, on_setup, on_stage, cwd)
    else:
        _run_client_lab(result, on_setup, on_stage, cwd)
    return result


def _skip_rest(
    result: LabResult, start: int, on_stage: Callable[[StageResult], None] | None
) -> None:
    for index in range(start, len(result.lab.stages)):
        res = StageResult(index + 1, result.lab.stages[index], "skipped")
        result.stages.append(res)
        if on_stage:
            on_stage(res)


def _run_server_lab(
    result: LabResult,
    on_setup: Callable[[LabResult], None] | None,
    on_stage: Callable[[StageResult], None] | None,
    cwd: str | None,
) -> None:
    lab = result.lab
    port = free_port()
    program = Program(
        result.command,
        _program_env({"NETLEARN_HOST": HOST, "NETLEARN_PORT": str(port)}),
        cwd=cwd,
    )
    try:
        result.setup.note("netlearn", say("labs.runner.started-server", host=HOST, port=port))
        first = lab.stages[0]
        try:
            wait_listening(program, port, result.setup)
        except StageFailed as exc:
            program.drain()
            result.setup_output = program.output()
            if on_setup:
                on_setup(result)
            exc.lesson = exc.lesson or first.lesson
            res = StageResult(1, first, "failed", 0.0, failure=exc)
            result.stages.append(res)
            if on_stage:
                on_stage(res)
            _skip_rest(result, 1, on_stage)
            return
        program.drain()
        seen = len(program.output())
        result.setup_output = program.output()
        if on_setup:
            on_setup(result)
        for index, stage in enumerate(lab.stages):
            log = Log()
            start = now()
            ctx = _context(result, index, log, start, port, program)
            failure = None
            try:
                failure = _run_stage(stage, ctx)
            finally:
                if failure is not None:
                    # Stop the program before its connections close, so that what it prints
                    # (a traceback about a reset, say) does not depend on timing.
                    program.stop()
                _finish(ctx)
            elapsed = now() - start
            program.drain(0.1 if failure else 0.05)
            lines = program.output()
            res = StageResult(
                index + 1,
                stage,
                "failed" if failure else "passed",
                elapsed,
                log,
                failure,
                lines[seen:],
            )
            seen = len(lines)
            if failure is not None and failure.lesson is None:
                failure.lesson = stage.lesson
            result.stages.append(res)
            if on_stage:
                on_stage(res)
            if failure is not None:
                _skip_rest(result, index + 1, on_stage)
                return
    finally:
        program.stop()
        result.dropped_output = program.dropped


def _run_client_lab(
    result: LabResult,
    on_setup: Callable[[LabResult], None] | None,
    on_stage: Callable[[StageResult], None] | None,
    cwd: str | None,
) -> None:
    lab = result.lab
    if on_setup:
        on_setup(result)
    for index, stage in enumerate(lab.stages):
        log = Log()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        program: Program | None = None
        failure: StageFailed | None = None
        start = now()
        try:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((HOST, 0))
            listener.listen(16)
            port = int(listener.getsockname()[1])
            url = lab.url_template.format(host=HOST, port=port)
            program = Program(
                result.command,
                _program_env(
                    {"NETLEARN_HOST": HOST, "NETLEARN_PORT": str(port), "NETLEARN_URL": url}
                ),
                cwd=cwd,
            )
            log.note("netlearn", say("labs.runner.started-client", url=url))
            ctx = _context(result, index, log, start, port, program, listener, url)
            try:
                failure = _run_stage(stage, ctx)
                if failure is None and stage.needs_exit:
                    failure = _wait_exit(program, ctx)
            finally:
                program.stop()  # before its connections close: see _run_server_lab
                _finish(ctx)
        finally:
            if program is not None:
                program.stop()
            listener.close()
        elapsed = now() - start
        if failure is not None and failure.lesson is None:
            failure.lesson = stage.lesson
        res = StageResult(
            index + 1,
            stage,
            "failed" if failure else "passed",
            elapsed,
            log,
            failure,
            program.output() if program else [],
        )
        result.dropped_output += program.dropped if program else 0
        result.stages.append(res)
        if on_stage:
            on_stage(res)
        if failure is not None:
            _skip_rest(result, index + 1, on_stage)
            return


def _wait_exit(program: Program, ctx: StageContext) -> StageFailed | None:
    wait = ctx.remaining()
    code = program.wait(wait)
    if code is None:
        return StageFailed(say("labs.runner.still-running", wait=wait))
    if code != 0:
        return StageFailed(say("labs.runner.exit-code", code=code))
    ctx.log.note("netlearn", say("labs.runner.exit-0"))
    return None
