"""Wireshark's engine as the tests' oracle, started once per process: a `sharkd -` session.

Every tshark run spends ~0.2 s of CPU registering all dissectors before it reads a packet, and
the tests asked it ~70 questions. sharkd is the same engine (libwireshark, same version) kept
running: each question loads the capture afresh (a new dissection session, as a new tshark
would have) and asks it over JSON-RPC 2.0 on stdin/stdout, one answer a line.

One process per configuration, started on first use and closed when the process ends. A
configuration is what tshark took on its command line: `--disable-protocol NAME` and
`-o NAME:VALUE` become the `disabled_protos` and `preferences` files of a private personal
configuration directory (WIRESHARK_CONFIG_DIR), so no state is carried from one to another.

sharkd 4.0's quirks, handled here or avoided: a display filter's result is remembered across
loads (each load's filters get their own spelling); a column of an unknown field answers empty
(fields are checked first); a request over 2 KiB is never answered (refused here); and a damaged
capture's `load` is never answered, so tests of damaged files keep asking tshark.
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import json
import os
import selectors
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

TIMEOUT = 60.0  # seconds for one answer: a hung sharkd fails the test instead of hanging it
MAX_REQUEST = 2000  # bytes: sharkd 4.0 reads a request into 2 KiB and waits on a longer one


class SharkdError(RuntimeError):
    """sharkd answered with an error, died, or did not answer in time."""


class Sharkd:
    """A `sharkd -` process with its own configuration directory."""

    def __init__(
        self, disabled: Sequence[str] = (), prefs: Mapping[str, str] | None = None
    ) -> None:
        exe = shutil.which("sharkd")
        if exe is None:
            pytest.fail("sharkd is needed: apt-get install wireshark-common")
        self._dir = tempfile.mkdtemp(prefix="netlearn-sharkd-")
        conf = Path(self._dir)
        (conf / "disabled_protos").write_text("".join(f"{name}\n" for name in disabled))
        (conf / "preferences").write_text("".join(f"{k}: {v}\n" for k, v in (prefs or {}).items()))
        self._stderr = open(conf / "stderr", "w+b")  # noqa: SIM115 (closed in close())
        self._proc = subprocess.Popen(
            [exe, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env={"LC_ALL": "C", "WIRESHARK_CONFIG_DIR": self._dir},
        )
        assert self._proc.stdout is not None
        self._out = self._proc.stdout.fileno()
        os.set_blocking(self._out, False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._out, selectors.EVENT_READ)
        self._buf = b""
        self._id = 0
        self._loads = 0
        self._loaded: tuple[str, bytes] | None = None
        self._fields: set[str] = set()  # known to this Wireshark
        self.broken = False

    def alive(self) -> bool:
        return not self.broken and self._proc.poll() is None

    def _chatter(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-2000:]

    def _fail(self, why: str) -> SharkdError:
        self.broken = True
        self._proc.kill()
        return SharkdError(f"sharkd {why}; it said:\n{self._chatter()}")

    def _line(self, deadline: float) -> bytes:
        """The next line sharkd writes on stdout, waiting until `deadline` at most."""
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not self._sel.select(timeout=left):
                raise self._fail(f"did not answer within {TIMEOUT:.0f} s")
            try:
                piece = os.read(self._out, 1 << 16)
            except BlockingIOError:
                continue
            if not piece:
                raise self._fail(f"exited (status {self._proc.wait()})")
            self._buf += piece
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def call(self, method: str, **params: object) -> Any:
        """One request, its result; an error answer raises SharkdError."""
        if not self.alive():
            raise SharkdError("sharkd is not running")
        self._id += 1
        request = {"jsonrpc": "2.0", "id": self._id, "method": method, "params": params}
        line = json.dumps(request).encode()
        if len(line) > MAX_REQUEST:
            raise SharkdError(f"{method}: a {len(line)}-byte request is too long for sharkd")
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(line + b"\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise self._fail("closed its input") from None
        deadline = time.monotonic() + TIMEOUT
        while True:
            line = self._line(deadline)
            if not line.startswith(b"{"):
                continue  # chatter ("Hello in child.", "load: filename=...")
            try:
                answer = json.loads(line)
            except ValueError:
                continue
            if answer.get("id") != self._id:
                continue
            if "error" in answer:
                raise SharkdError(f"{method} {params}: {answer['error']}")
            return answer["result"]

    def load(self, path: Path) -> None:
        """Open `path` in a new dissection session (what a new tshark -r would read), unless it
        is open already with the same bytes: a load costs ~40 ms, the questions after it ~0.2."""
        key = (str(path), hashlib.sha256(path.read_bytes()).digest())
        if key == self._loaded:
            return
        self._loaded = None
        result = self.call("load", file=str(path))
        if result.get("status") != "OK":
            raise SharkdError(f"load {path}: {result}")
        self._loads += 1
        self._loaded = key

    def frames(
        self, path: Path, columns: Sequence[str] = (), filter: str | None = None
    ) -> list[tuple[int, list[str]]]:
        """(frame number, column texts) for each frame of `path`, or each one `filter` (a display
        filter) matches. A column is `FIELD:N`: the field's Nth occurrence (1 the first), all of
        them comma-separated with N=0; its text is what Wireshark displays (e.g. `Good` for a
        checksum status of 1, `Set` for a true flag bit, a check mark for a field with no value),
        empty where the frame does not have the field."""
        for column in columns:
            self.check_field(column.rpartition(":")[0])
        self.load(path)
        params: dict[str, object] = {f"column{i}": c for i, c in enumerate(columns)}
        if filter is not None:
            # sharkd 4.0 keeps a filter's result by its text, across loads: the same text would
            # get the previous file's frames. Whitespace after it, different for each load (this
            # load's number in binary, spaces and tabs), makes a new text with the same meaning.
            pad = f"{self._loads:b}".replace("0", " ").replace("1", "\t")
            params["filter"] = filter.strip() + pad
        rows = self.call("frames", **params)
        return [(row["num"], row["c"][: len(columns)]) for row in rows]

    def check_field(self, name: str) -> None:
        """Raise SharkdError if Wireshark has no field `name`: a column of an unknown field
        would be empty on every frame (where tshark -e refuses it), and a check on it vacuous."""
        if name not in self._fields:
            self.call("check", field=name)
            self._fields.add(name)

    def expert(self, path: Path) -> list[dict[str, Any]]:
        """The expert infos of `path` (what `tshark -z expert` counts): one dict each, with `f` the
        frame, `s` the severity (Error, Warning, Note, Chat, Comment), `g` the group, `p` the
        protocol, `m` the summary."""
        self.load(path)
        (tap,) = self.call("tap", tap0="expert")["taps"]
        return list(tap["details"])

    def frame_bytes(self, path: Path) -> list[bytes]:
        """Each frame's bytes, as Wireshark reads them from `path`."""
        numbers = [n for n, _ in self.frames(path)]
        return [base64.b64decode(self.call("frame", frame=n, bytes=True)["bytes"]) for n in numbers]

    def follow(self, path: Path, stream: int, proto: str = "TCP") -> list[tuple[bool, bytes]]:
        """Follow `proto` stream `stream` of `path` (tshark's `-z follow,tcp,raw,N`): each chunk
        as (from the server, its bytes), in tshark's order, a gap as Wireshark's own marker
        text (`[N bytes missing in capture file]`)."""
        self.load(path)
        result = self.call("follow", follow=proto, filter=f"{proto.lower()}.stream eq {stream}")
        return [(bool(p.get("s")), base64.b64decode(p["d"])) for p in result.get("payloads", [])]

    def close(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(OSError, SharkdError):
                if not self.broken:
                    self.call("bye")
            with contextlib.suppress(OSError):
                assert self._proc.stdin is not None
                self._proc.stdin.close()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        assert self._proc.stdout is not None
        self._proc.stdout.close()
        self._sel.close()
        self._stderr.close()
        shutil.rmtree(self._dir, ignore_errors=True)


_sessions: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...]], Sharkd] = {}
_owner = 0


def _close_all() -> None:
    if os.getpid() == _owner:  # not in a child forked from this process
        for session in _sessions.values():
            session.close()
        _sessions.clear()


def sharkd(disabled: Sequence[str] = (), prefs: Mapping[str, str] | None = None) -> Sharkd:
    """This process's sharkd for `disabled` protocols and `prefs` (tshark's `--disable-protocol`
    and `-o`), started on first use (again if it broke) and closed when the process ends."""
    global _owner
    key = (tuple(sorted(disabled)), tuple(sorted((prefs or {}).items())))
    session = _sessions.get(key)
    if session is None or not session.alive():
        if session is not None:
            session.close()
        if _owner != os.getpid():
            _sessions.clear()  # a forked child's copies belong to its parent
            _owner = os.getpid()
            atexit.register(_close_all)
        session = _sessions[key] = Sharkd(disabled, prefs)
    return session
