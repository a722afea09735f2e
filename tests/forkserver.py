"""`python -m netlearn ARGS` for the tests, without paying Python's start-up each time.

The suite runs the CLI some 450 times; in each run most of the CPU went to starting Python and
importing scapy, Typer and Rich again (about 0.15 s of a 0.19 s run). This module keeps one
server process per pytest worker that has imported those third-party modules and nothing of
netlearn. For each run the server forks: the child is a real, separate process with its own
pipes for stdin, stdout and stderr, its own environment, working directory and `sys.argv`, and it
runs `netlearn` the way `python -m netlearn` does (`runpy`), importing netlearn afresh. Its exit
status is the one a fresh interpreter would give (SystemExit codes, 1 on an uncaught exception,
death by SIGINT on an uncaught KeyboardInterrupt).

Start-up settings (any PYTHON* variable, the locale variables) are fixed when an interpreter
starts: stdio encodings, `sys.path`, UTF-8 mode. So there is one server per set of them, started
with those settings, and a run forks from the server whose settings are the run's. Tests of
start-up itself (Ctrl-C while starting, a terminal) start their own subprocesses. Set
NETLEARN_TEST_FORK=0 to send every run to a plain subprocess.

Protocol, over a Unix socket per run: the client sends one JSON line with argv, env and cwd, and
passes the three pipe ends with SCM_RIGHTS; the server answers `pid N` after the fork and
`rc N` once it has reaped the child (a negative N: killed by signal -N, as in `subprocess`).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

# What every CLI run would import anyway (netlearn itself is never imported here): the command
# tree and the renderer, and scapy's IPv4 layers, exactly as netlearn imports them (importing
# more of scapy would bind more layers than a real run has).
PRELOAD = (
    "typer",
    "click",
    "rich.console",
    "rich.markup",
    "rich.table",
    "rich.text",
    "rich.panel",
    "markdown_it",
    "platformdirs",
    "scapy.packet",
    "scapy.layers.l2",
    "scapy.layers.inet",
)

# Start-up choices a forked child would inherit from the server instead of making its own.
_STARTUP_PREFIXES = ("PYTHON", "LC_")
_STARTUP_NAMES = ("LANG", "LANGUAGE")


def _startup_env(env: dict[str, str]) -> dict[str, str]:
    return {
        k: v
        for k, v in env.items()
        if (k.startswith(_STARTUP_PREFIXES) or k in _STARTUP_NAMES) and v  # empty: as if unset
    }


# ---------------------------------------------------------------------------- the server side


def _child(request: dict, fds: list[int], inherited: list[int]) -> None:
    """In the forked child: become `python -m netlearn ARGS`, then exit; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for fd in inherited:  # the server's own: listener, selector, wake-up pipe, connections
            os.close(fd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        if request.get("address_space"):
            import resource

            with open("/proc/self/statm") as statm:  # pages of address space in use now
                used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
            cap = used + request["address_space"]
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = request["cwd"]
        sys.argv = ["-m", *request["args"]]
        import runpy

        try:
            runpy.run_module("netlearn", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            if exc.code is None:
                code = 0
            elif isinstance(exc.code, int):
                code = exc.code
            else:
                print(exc.code, file=sys.stderr)
                code = 1
        except KeyboardInterrupt:
            import traceback

            traceback.print_exc()
            _flush()
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        # As the interpreter ends: wait for non-daemon threads, then the atexit functions.
        import atexit
        import threading

        threading._shutdown()  # type: ignore[attr-defined]
        atexit._run_exitfuncs()
    finally:
        _flush()
        os._exit(code & 0xFF)


def _flush() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


def serve(path: str) -> None:
    """Import PRELOAD, then fork one child per connection on the Unix socket at `path`."""
    import gc
    import importlib

    for name in PRELOAD:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()  # keep the children from copying every page the collector would touch

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ)
    sel.register(wake_r, selectors.EVENT_READ)
    sel.register(0, selectors.EVENT_READ)  # the pytest worker holds the other end
    children: dict[int, socket.socket] = {}
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                msg, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
                while not msg.endswith(b"\n"):  # one JSON line, however long the arguments
                    piece = conn.recv(1 << 20)
                    if not piece:
                        break
                    msg += piece
                pid = os.fork()
                if pid == 0:
                    own = [listener.fileno(), conn.fileno(), wake_r, wake_w, sel.fileno()]
                    own += [c.fileno() for c in children.values()]
                    _child(json.loads(msg), fds, own)
                for fd in fds:
                    os.close(fd)
                children[pid] = conn
                conn.sendall(f"pid {pid}\n".encode())
            elif key.fileobj == wake_r:
                os.read(wake_r, 4096)
            elif not os.read(0, 4096):  # the pytest worker is gone
                return
        while children:
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                with contextlib.suppress(OSError):
                    conn.sendall(f"rc {os.waitstatus_to_exitcode(status)}\n".encode())
                conn.close()


# ---------------------------------------------------------------------------- the client side


class ForkServer:
    """Fork servers started on first use, one per set of start-up settings (most runs share
    one); `run` is `subprocess.run` for `python -m netlearn`."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="netlearn-fork-")
        self._servers: dict[tuple[tuple[str, str], ...], tuple[subprocess.Popen[bytes], str]] = {}
        self._lock = threading.Lock()
        self._started = 0

    def _server(self, env: dict[str, str]) -> str:
        """The socket path of the server started with `env`'s start-up settings."""
        key = tuple(sorted(_startup_env(env).items()))
        with self._lock:
            if key in self._servers and self._servers[key][0].poll() is not None:
                del self._servers[key]  # it died (killed by a test?): start another
            if key not in self._servers:
                self._started += 1
                path = os.path.join(self._dir, str(self._started))
                mine = _startup_env(dict(os.environ))
                base = {k: v for k, v in os.environ.items() if k not in mine}
                proc = subprocess.Popen(
                    [sys.executable, __file__, path],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env={**base, **dict(key)},
                )
                assert proc.stdout is not None
                if proc.stdout.readline() != b"ready\n":
                    raise RuntimeError("the fork server did not start")
                self._servers[key] = (proc, path)
            return self._servers[key][1]

    def run(
        self,
        args: list[str] | list[str | bytes],
        *,
        input: str | bytes,
        env: dict[str, str],
        cwd: str,
        timeout: float,
        text: bool = True,
        address_space: int | None = None,
    ) -> subprocess.CompletedProcess:
        """`python -m netlearn *args`, forked from the server for `env`'s start-up settings:
        output decoded as `subprocess.run(text=True)` does, or bytes; `address_space` caps the
        child's (RLIMIT_AS) at that many bytes above what it has at the fork."""
        path = self._server(env)
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        argv = [os.fsdecode(a) for a in args]  # bytes as Python decodes argv: surrogateescape
        try:
            conn.connect(path)
            request = {"args": argv, "env": env, "cwd": cwd, "address_space": address_space}
            line = json.dumps(request).encode() + b"\n"
            socket.send_fds(conn, [line[: 1 << 16]], [in_r, out_w, err_w])
            conn.sendall(line[1 << 16 :])
        finally:
            for fd in (in_r, out_w, err_w):
                os.close(fd)
        data = input.encode() if isinstance(input, str) else input
        rc, out, err = _collect(conn, in_w, out_r, err_r, data, argv, timeout)
        if not text:
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "netlearn", *args], rc, out, err
            )
        return subprocess.CompletedProcess(
            [sys.executable, "-m", "netlearn", *args], rc, _text(out), _text(err)
        )

    def close(self) -> None:
        for proc, path in self._servers.values():
            proc.kill()
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            proc.wait()
            with contextlib.suppress(OSError):
                os.unlink(path)
        self._servers.clear()
        with contextlib.suppress(OSError):
            os.rmdir(self._dir)


def forking_enabled() -> bool:
    """False with NETLEARN_TEST_FORK=0: every run is then a plain subprocess."""
    return os.environ.get("NETLEARN_TEST_FORK") != "0"


_shared: ForkServer | None = None


def shared() -> ForkServer:
    """This process's fork servers (one pytest worker: one), closed when the process ends."""
    global _shared
    if _shared is None:
        import atexit

        _shared = ForkServer()
        atexit.register(_shared.close)
    return _shared


def run_netlearn(
    args: list[str] | list[str | bytes],
    *,
    env: dict[str, str],
    cwd: str | os.PathLike[str] | None = None,
    input: str | bytes = "",
    timeout: float = 120,
    text: bool = True,
    address_space: int | None = None,
) -> subprocess.CompletedProcess:
    """`subprocess.run([python, "-m", "netlearn", *args], capture_output=True, text=text)`,
    forked from the shared fork server unless NETLEARN_TEST_FORK=0. `address_space` caps the
    run's (RLIMIT_AS): that much above what a fork has, or that much in all for a subprocess."""
    where = os.fspath(cwd) if cwd is not None else os.getcwd()
    if forking_enabled():
        return shared().run(
            args,
            input=input,
            env=env,
            cwd=where,
            timeout=timeout,
            text=text,
            address_space=address_space,
        )

    def cap() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))

    data = input.encode() if not text and isinstance(input, str) else input
    return subprocess.run(
        [sys.executable, "-m", "netlearn", *args],
        input=data,
        capture_output=True,
        text=text,
        env=env,
        cwd=where,
        timeout=timeout,
        preexec_fn=cap if address_space else None,
    )


def _text(raw: bytes) -> str:
    """As `subprocess.run(text=True)` decodes: the locale's encoding, universal newlines."""
    import locale

    decoded = raw.decode(locale.getpreferredencoding(False))
    return decoded.replace("\r\n", "\n").replace("\r", "\n")


def _collect(
    conn: socket.socket,
    in_w: int,
    out_r: int,
    err_r: int,
    data: bytes,
    args: list[str],
    timeout: float,
) -> tuple[int, bytes, bytes]:
    """Feed stdin, read stdout and stderr to their ends and the exit status, within `timeout`."""
    deadline = time.monotonic() + timeout
    sel = selectors.DefaultSelector()
    chunks: dict[int, list[bytes]] = {out_r: [], err_r: []}
    control = b""
    pid: int | None = None
    rc: int | None = None
    if data:
        os.set_blocking(in_w, False)
        sel.register(in_w, selectors.EVENT_WRITE)
    else:
        os.close(in_w)
    for fd in (out_r, err_r):
        sel.register(fd, selectors.EVENT_READ)
    sel.register(conn, selectors.EVENT_READ)
    try:
        while rc is None or chunks.keys() & {k.fd for k in sel.get_map().values()}:
            left = deadline - time.monotonic()
            if left <= 0:
                if pid is not None:
                    os.kill(pid, signal.SIGKILL)
                raise subprocess.TimeoutExpired(["netlearn", *args], timeout)
            for key, _ in sel.select(timeout=left):
                fd = key.fd
                if fd == in_w:
                    try:
                        sent = os.write(in_w, data)
                    except BrokenPipeError:
                        sent = len(data)
                    data = data[sent:]
                    if not data:
                        sel.unregister(in_w)
                        os.close(in_w)
                elif key.fileobj is conn:
                    piece = conn.recv(4096)
                    if not piece:
                        sel.unregister(conn)
                        if rc is None:
                            raise RuntimeError("the fork server went away")
                        continue
                    control += piece
                    for line in control.decode().splitlines():
                        word, number = line.split()
                        if word == "pid":
                            pid = int(number)
                        else:
                            rc = int(number)
                else:
                    piece = os.read(fd, 65536)
                    if piece:
                        chunks[fd].append(piece)
                    else:
                        sel.unregister(fd)
                        os.close(fd)
    finally:
        for key in list(sel.get_map().values()):
            if key.fd in (out_r, err_r, in_w):
                os.close(key.fd)
        sel.close()
        conn.close()

    assert rc is not None
    return rc, b"".join(chunks[out_r]), b"".join(chunks[err_r])


if __name__ == "__main__":
    serve(sys.argv[1])
