"""The lab framework: stages that grade a learner's real program on real sockets.

A lab is a tuple of stages run in order; a stage talks to the learner's program through `Conn`s
(every wait bounded by the stage's deadline), writes what it did to a `Log`, and raises
`StageFailed` with the bytes, the offset of the first wrong byte, the rule and the likely cause.
The runner (`netlearn.labs.runner`) starts and stops the program; the report
(`netlearn.labs.report`) draws the log. The parts, one idea each: `clock` (every wait), `failure`
(`StageFailed`), `log`, `conn` (`Conn`), `program` (`Program`); this module holds the stage, its
context and the lab, and names the parts for the labs that import them from here.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Callable
from dataclasses import dataclass, field

from netlearn.content.words import say
from netlearn.labs.clock import TIME_SCALE_ENV, Timer, now, scaled, time_scale
from netlearn.labs.conn import Conn
from netlearn.labs.failure import StageFailed
from netlearn.labs.log import KEEP_BYTES, Log, LogEntry
from netlearn.labs.program import MAX_LINE_CHARS, MAX_OUTPUT_LINES, Program, selectors_ready

__all__ = [
    "KEEP_BYTES",
    "MAX_LINE_CHARS",
    "MAX_OUTPUT_LINES",
    "TIME_SCALE_ENV",
    "Conn",
    "Lab",
    "Log",
    "LogEntry",
    "Program",
    "Stage",
    "StageContext",
    "StageFailed",
    "scaled",
    "selectors_ready",
    "time_scale",
]


# -- stages and labs -----------------------------------------------------------------------
@dataclass
class StageContext:
    lab: Lab
    rng: random.Random  # seeded from --seed (and the stage index): same seed, same run
    log: Log
    host: str  # "127.0.0.1"
    port: int  # server labs: the port the program listens on. client labs: netlearn's listener
    deadline: float  # time.monotonic() by which the stage must end
    program: Program | None  # server labs: the running program. client labs: started per stage
    listener: socket.socket | None  # client labs: the socket whose URL is in NETLEARN_URL
    url: str | None  # client labs: NETLEARN_URL for this stage, e.g. ws://127.0.0.1:PORT/lab
    stage: Stage | None = None  # the stage being run (its default lesson for failures)
    conns: list[Conn] = field(default_factory=list)  # closed by the runner after the stage

    def remaining(self) -> float:
        return max(self.deadline - now(), 0.0)

    def _lesson(self) -> str | None:
        return self.stage.lesson if self.stage else None

    def _exited(self) -> str | None:
        """A sentence if the program has exited, else None."""
        if self.program is not None and not self.program.running():
            code = self.program.returncode
            return say("labs.context.exited", code=code)
        return None

    def connect(self, actor: str) -> Conn:
        """Server labs: a new connection to the program (logged as `actor`)."""
        wait = min(self.remaining(), scaled(3.0))
        try:
            sock = socket.create_connection((self.host, self.port), timeout=max(wait, 0.05))
        except OSError as exc:
            why = self._exited() or (
                "connection refused" if isinstance(exc, ConnectionRefusedError) else str(exc)
            )
            raise StageFailed(
                say(
                    "labs.context.no-connect", actor=actor, host=self.host, port=self.port, why=why
                ),
                lesson=self._lesson(),
            ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(actor, sock, self.log, self.deadline, self._lesson())
        self.conns.append(conn)
        self.log.note(actor, say("labs.context.connected", host=self.host, port=self.port))
        return conn

    def accept(self, actor: str, timeout: float | None = None) -> Conn:
        """Client labs: the program's next connection to our listener (logged as `actor`)."""
        if self.listener is None:
            raise RuntimeError("accept() is for client labs")
        wait = self.remaining() if timeout is None else min(timeout, self.remaining())
        timer = Timer(wait)
        while True:
            left = timer.left()
            if left <= 0:
                why = self._exited()
                where = self.url or f"{self.host}:{self.port}"
                raise StageFailed(
                    say(
                        "labs.context.not-connected-why",
                        actor=actor,
                        wait=wait,
                        where=where,
                        why=why,
                    )
                    if why
                    else say("labs.context.not-connected", actor=actor, wait=wait, where=where),
                    lesson=self._lesson(),
                )
            self.listener.settimeout(min(left, 0.05))
            try:
                sock, _ = self.listener.accept()
                break
            except TimeoutError:
                why = self._exited()
                if why:
                    raise StageFailed(
                        say("labs.context.gone-while-waiting", actor=actor, why=why),
                        lesson=self._lesson(),
                    ) from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = Conn(actor, sock, self.log, self.deadline, self._lesson())
        self.conns.append(conn)
        self.log.note(actor, say("labs.context.accepted"))
        return conn


@dataclass(frozen=True)
class Stage:
    id: str  # "short-message"
    title: str  # "a 5-byte text message (7-bit length)"
    run: Callable[[StageContext], None]  # returns on pass, raises StageFailed on fail
    timeout: float = 5.0
    lesson: str | None = None  # default lesson step for failures of this stage
    needs_exit: bool = False  # client labs: the program must exit 0 by the end of the stage


@dataclass(frozen=True)
class Lab:
    name: str  # "websocket-client"
    title: str
    kind: str  # "server" or "client"
    lesson: str  # lesson id it belongs to: "tcp", "websocket", "socketio"
    stages: tuple[Stage, ...]
    starters: tuple[str, ...] = ("python",)  # languages with a starter file ("python", "js")
    # client labs: NETLEARN_URL, from the listener's host and port (an addition to the contract)
    url_template: str = "ws://{host}:{port}/lab"
