"""Capture without privilege, in a private user + network namespace (netlearn.netns).

The demos run as a real unprivileged user: as root (CI), `setpriv` drops to `nobody` with a
Python it can execute; run by a normal user, the tests run netlearn as that user. The handshake
is checked against scapy's and tshark's reading of the very bytes, and the fallback against a
real refusal by the kernel (a user namespace whose user.max_user_namespaces is 0).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from netlearn import netns
from netlearn.errors import NetlearnError

REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534
PROBE = (
    "import netlearn.cli, netlearn.lessons.capture.demo, scapy.layers.inet, wsproto, h11, typer, "
    "rich; "
    "from netlearn.paths import lessons_dir, assets_dir; "
    "assert (lessons_dir() / 'lessons.toml').is_file() and assets_dir().is_dir()"
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="network namespaces: Linux")


@dataclass
class Unprivileged:
    """How to run a Python as a user without CAP_NET_RAW: `prefix + [python, ...]`."""

    prefix: list[str]
    python: str
    env: dict[str, str]
    home: str

    def run(
        self, *args: str, extra: dict[str, str] | None = None, timeout: float = 30
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, self.python, *args],
            capture_output=True,
            text=True,
            env={**self.env, **(extra or {})},
            timeout=timeout,
            cwd=self.home,
            stdin=subprocess.DEVNULL,
        )

    def netlearn(self, *args: str, **kw: object) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "netlearn", *args, **kw)  # type: ignore[arg-type]


def _world_readable_copy(dest: Path, sites: list[str]) -> list[str]:
    """The checkout's code and content, and the dependencies, where `nobody` can read them."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    src = dest / "src"
    for name in ("netlearn", "lessons", "assets"):
        shutil.copytree(REPO / name, src / name, ignore=ignore)
    paths = [str(src)]
    for i, site in enumerate(sites):
        shutil.copytree(site, dest / f"site{i}", ignore=ignore, symlinks=True)
        paths.append(str(dest / f"site{i}"))
    for root, dirs, files in os.walk(dest):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.chmod(path, 0o644)
    return paths


@pytest.fixture(scope="session")
def unprivileged() -> Iterator[Unprivileged]:
    import site

    home = tempfile.mkdtemp(prefix="netlearn-netns-")
    os.chmod(home, 0o755)
    base_env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "COLUMNS": "80",
        "HOME": home,
        "NETLEARN_HOME": os.path.join(home, "netlearn"),
    }
    try:
        if os.geteuid() != 0:
            if netns.has_net_raw():
                pytest.skip("this user holds CAP_NET_RAW and cannot give it up")
            env = {**base_env, "PYTHONPATH": str(REPO)}
            yield Unprivileged([], sys.executable, env, home)
            return
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("setpriv (util-linux) is needed to run as nobody")
        os.chown(home, NOBODY, NOBODY)
        prefix = [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
        minor = f"{sys.version_info.major}.{sys.version_info.minor}"
        pythons = [os.path.realpath(sys.executable), f"/usr/bin/python{minor}"]
        sites = [p for p in site.getsitepackages() if os.path.isdir(p)]

        def works(python: str, pythonpath: list[str]) -> dict[str, str] | None:
            env = {**base_env, "PYTHONPATH": os.pathsep.join(pythonpath)}
            probe = subprocess.run(
                [*prefix, python, "-c", PROBE], capture_output=True, env=env, timeout=60
            )
            return env if probe.returncode == 0 else None

        for pythonpath in ([str(REPO), *sites], None):
            if pythonpath is None:  # not readable by nobody where they are: copy them
                copy = Path(home) / "copy"
                pythonpath = _world_readable_copy(copy, sites)
            for python in pythons:
                env = works(python, pythonpath) if os.path.exists(python) else None
                if env is not None:
                    yield Unprivileged(prefix, python, env, home)
                    return
        pytest.fail(f"no Python {minor} that nobody may run can import netlearn: {pythons}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _events(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def _notes(events: list[dict[str, object]]) -> str:
    return "\n".join(str(e["text"]) for e in events if e["type"] == "note")


# ---------------------------------------------------------------- the demo, unprivileged


def test_unprivileged_really_lacks_the_privilege(unprivileged: Unprivileged) -> None:
    result = unprivileged.run(
        "-c", "from netlearn.netns import has_net_raw; import os; print(has_net_raw(), os.getuid())"
    )
    assert result.returncode == 0, result.stderr
    has_raw, uid = result.stdout.split()
    assert has_raw == "False" and (os.geteuid() != 0 or uid == str(NOBODY))


def test_demo_captures_a_real_handshake_in_a_private_namespace(
    unprivileged: Unprivileged,
) -> None:
    from scapy.layers.inet import IP, TCP

    result = unprivileged.netlearn("capture", "--format", "json")
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    assert netns.NOTICE in _notes(events)  # it says where it ran, and why
    segments = [e for e in events if e["type"] == "segment"]
    assert [s["flags"] for s in segments[:3]] == ["S", "SA", "A"]
    assert "F" in segments[-2]["flags"] or "F" in segments[-3]["flags"]
    for seg in segments[:2]:  # the kernel's own SYN options, read back by scapy
        pkt = IP(bytes.fromhex(str(seg["raw"])))
        opts = dict((k, v) for k, v in pkt[TCP].options)
        assert opts["MSS"] == 65495  # the MTU of lo (65536) minus 40
        assert "SAckOK" in opts and "WScale" in opts and "Timestamp" in opts
        assert opts["Timestamp"][0] != 0
    isn = IP(bytes.fromhex(str(segments[0]["raw"])))[TCP].seq
    assert isn == segments[0]["seq"]
    tables = [e for e in events if e["type"] == "table" and "socket table" in str(e["title"])]
    assert tables and any("TIME-WAIT" in " ".join(row) for row in tables[0]["rows"])  # type: ignore[union-attr]


@pytest.mark.tools("tshark")
def test_demo_capture_file_is_the_learners_and_tshark_agrees(unprivileged: Unprivileged) -> None:
    tshark = shutil.which("tshark")
    if tshark is None:
        pytest.skip("tshark is needed")
    pcap = Path(unprivileged.home) / "demo.pcap"
    result = unprivileged.netlearn("capture", "--write", str(pcap), "--format", "json")
    assert result.returncode == 0, result.stderr
    st = pcap.stat()
    expected_uid = NOBODY if os.geteuid() == 0 else os.geteuid()
    assert st.st_uid == expected_uid and st.st_mode & 0o777 == 0o600
    fields = ["tcp.flags.syn", "tcp.flags.ack", "tcp.options.mss_val", "tcp.options.sack_perm"]
    fields += ["tcp.options.wscale.shift", "tcp.options.timestamp.tsval"]
    out = subprocess.run(
        [tshark, "-r", str(pcap), "-T", "fields", *(a for f in fields for a in ("-e", f))],
        capture_output=True,
        text=True,
        timeout=30,
    )
    rows = [line.split("\t") for line in out.stdout.splitlines()]
    assert len(rows) == len([e for e in _events(result.stdout) if e["type"] == "segment"])
    flags = [(r[0], r[1]) for r in rows[:3]]
    assert [tuple(int(v in ("1", "True")) for v in f) for f in flags] == [(1, 0), (1, 1), (0, 1)]
    for row in rows[:2]:  # tshark reads the kernel's SYN options as netlearn does
        assert row[2] == "65495" and row[3] and row[4] and row[5], row


def test_learn_capture_live_step_runs_in_the_namespace(unprivileged: Unprivileged) -> None:
    code = (
        "from netlearn.env import Env; "
        "from netlearn.lessons.capture.scenes import live, privilege; "
        "from netlearn.events import to_dict; import json; env = Env.build('json', animate=False); "
        "[print(json.dumps(to_dict(e))) for s in (privilege, live) for e in s(env)]"
    )
    result = unprivileged.run("-c", code)
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    assert "private network namespace of its own" in str(events[0]["text"])  # privilege scene
    assert netns.NOTICE in _notes(events)
    flags = [e["flags"] for e in events if e["type"] == "segment"]
    assert flags[:3] == ["S", "SA", "A"]


def test_websocket_demo_captures_the_tcp_underneath(unprivileged: Unprivileged) -> None:
    result = unprivileged.netlearn("websocket", "--format", "json", "--auto")
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    assert events[0]["type"] == "title" and events[1]["text"] == netns.NOTICE
    flags = [e["flags"] for e in events if e["type"] == "segment"]
    assert flags[:3] == ["S", "SA", "A"] and any("F" in f for f in flags)
    code = (
        "from netlearn.env import Env; from netlearn.lessons.websocket.scenes import live; "
        "from netlearn.events import to_dict; import json; env = Env.build('json', animate=False); "
        "[print(json.dumps(to_dict(e))) for e in live(env, 'connect')]"
    )
    result = unprivileged.run("-c", code)
    assert result.returncode == 0, result.stderr
    events = _events(result.stdout)
    assert events[0]["text"] == netns.NOTICE
    assert [e["flags"] for e in events if e["type"] == "segment"] == ["S", "SA", "A"]


def test_port_still_needs_the_privilege_and_says_so(unprivileged: Unprivileged) -> None:
    result = unprivileged.netlearn("capture", "--port", "8080")
    assert result.returncode == 1 and result.stdout == ""
    err = result.stderr
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "--port" in err and "sudo" in err and "private network namespace" in err


# ---------------------------------------------------------------- namespaces refused


def test_refused_by_policy_falls_back_with_the_reason(unprivileged: Unprivileged) -> None:
    refuse = {netns.FAIL_ENV: "EPERM"}
    result = unprivileged.netlearn("capture", extra=refuse)
    assert result.returncode == 1 and result.stdout == ""
    err = result.stderr
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "CAP_NET_RAW" in err and "namespace" in err and "EPERM" in err
    assert "sudo" in err and "netlearn capture --replay" in err
    result = unprivileged.netlearn("websocket", "--format", "json", "--auto", extra=refuse)
    assert result.returncode == 0, result.stderr  # the demo itself needs no capture
    events = _events(result.stdout)
    assert not [e for e in events if e["type"] == "segment"]
    assert "a private network namespace (where it needs none) was refused" in _notes(events)


def test_refused_by_the_kernel_names_the_sysctl(unprivileged: Unprivileged) -> None:
    """A real refusal: in a user namespace whose user.max_user_namespaces is 0, with every
    capability dropped, unshare(CLONE_NEWUSER) fails with ENOSPC."""
    unshare, setpriv = shutil.which("unshare"), shutil.which("setpriv")
    if os.geteuid() != 0 or unshare is None or setpriv is None:
        pytest.skip("needs root, unshare and setpriv to build the refusing namespace")
    drop = "--bounding-set=-all --inh-caps=-all --securebits=+noroot,+noroot_locked"
    script = f'echo 0 > /proc/sys/user/max_user_namespaces && exec {setpriv} {drop} "$@"'
    result = subprocess.run(
        [unshare, "--user", "--map-root-user", "--fork", "sh", "-c", script, "sh",
         unprivileged.python, "-m", "netlearn", "capture"],
        capture_output=True, text=True, env=unprivileged.env, timeout=30,
        stdin=subprocess.DEVNULL, cwd=unprivileged.home,
    )  # fmt: skip
    if "max_user_namespaces" in result.stderr and "Permission denied" in result.stderr:
        pytest.skip("this kernel does not let a namespace's root lower its own limit")
    assert result.returncode == 1, result.stdout + result.stderr
    err = result.stderr
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert "user.max_user_namespaces" in err and "sudo sysctl -w" in err
    assert "netlearn capture --replay" in err


# ---------------------------------------------------------------- the child process


def _private(factory):  # type: ignore[no-untyped-def]
    try:
        return netns.in_private_net(factory)
    except netns.NamespaceUnavailable as exc:
        pytest.skip(f"no namespace for this process: {exc}")


def test_child_sees_only_its_own_loopback_and_ends_cleanly() -> None:
    import socket

    def produce():  # type: ignore[no-untyped-def]
        yield [name for _i, name in socket.if_nameindex()]
        yield netns.has_net_raw()
        yield netns.inside()
        return "done"

    private = _private(produce)
    assert list(private) == [["lo"], True, True]
    assert private.result == "done" and not netns.inside()


def test_error_in_the_child_is_one_clear_line() -> None:
    def fail():  # type: ignore[no-untyped-def]
        yield 1
        raise RuntimeError("boom")

    private = _private(fail)
    assert next(private) == 1
    with pytest.raises(NetlearnError, match=r"^RuntimeError: boom$"):
        next(private)

    def clear():  # type: ignore[no-untyped-def]
        raise NetlearnError("a clear line", exit_code=3)
        yield

    with pytest.raises(NetlearnError, match="^a clear line$") as info:
        list(_private(clear))
    assert info.value.exit_code == 3


def test_a_killed_child_is_reported_not_waited_for() -> None:
    def produce():  # type: ignore[no-untyped-def]
        yield os.getpid()
        time.sleep(30)
        yield "never"

    private = _private(produce)
    pid = next(private)
    os.kill(pid, signal.SIGKILL)
    with pytest.raises(NetlearnError, match="ended unexpectedly.*SIGKILL"):
        next(private)


def test_close_stops_a_busy_child_within_half_a_second() -> None:
    def produce():  # type: ignore[no-untyped-def]
        yield os.getpid()
        time.sleep(30)  # busy: not reading its commands
        yield "never"

    private = _private(produce)
    pid = next(private)
    start = time.monotonic()
    private.close()
    assert time.monotonic() - start < 0.5
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # reaped: not even a zombie


def test_ctrl_c_stops_parent_and_child_within_half_a_second(unprivileged: Unprivileged) -> None:
    code = (
        "import os, sys, time\n"
        "from netlearn.netns import in_private_net\n"
        "def produce():\n"
        "    yield os.getpid()\n"
        "    time.sleep(30)\n"
        "    yield 'never'\n"
        "private = in_private_net(produce)\n"
        "print(next(private), flush=True)\n"
        "try:\n"
        "    next(private)\n"
        "except KeyboardInterrupt:\n"
        "    private.close()\n"
        "    sys.exit(130)\n"
    )
    proc = subprocess.Popen(
        [*unprivileged.prefix, unprivileged.python, "-c", code],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=unprivileged.env,
        cwd=unprivileged.home,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        time.sleep(0.1)  # the parent is now blocked waiting for the child
        start = time.monotonic()
        proc.send_signal(signal.SIGINT)  # setpriv execs: this is the parent itself
        proc.wait(timeout=5)
        elapsed = time.monotonic() - start
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, proc.stderr.read() if proc.stderr else ""
    assert elapsed < 0.5
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)


def test_refusal_messages_name_the_reason_and_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    monkeypatch.setattr(netns, "_read_sysctl", lambda path: "")
    assert "user.max_user_namespaces" in netns.refusal(errno.ENOSPC)
    assert "sudo" in netns.refusal(errno.EPERM) and "EPERM" in netns.refusal(errno.EPERM)
    assert "Linux" in netns.refusal(errno.ENOSYS)
    sysctls = {
        "/proc/sys/kernel/unprivileged_userns_clone": "0",
        "/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1",
    }
    for path, value in sysctls.items():
        monkeypatch.setattr(
            netns, "_read_sysctl", lambda p, path=path, value=value: value if p == path else ""
        )
        message = netns.refusal(errno.EPERM)
        assert path.rsplit("/", 1)[1] in message and "sudo sysctl -w" in message


def _gone_or_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def test_killing_the_parent_leaves_no_orphan(unprivileged: Unprivileged) -> None:
    code = (
        "import os, time\n"
        "from netlearn.netns import in_private_net\n"
        "def produce():\n"
        "    yield os.getpid()\n"
        "    time.sleep(30)\n"
        "    yield 'never'\n"
        "private = in_private_net(produce)\n"
        "print(next(private), flush=True)\n"
        "next(private)\n"
    )
    proc = subprocess.Popen(
        [*unprivileged.prefix, unprivileged.python, "-c", code],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=unprivileged.env,
        cwd=unprivileged.home,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        child = int(proc.stdout.readline())
        assert not _gone_or_zombie(child)
        proc.kill()  # SIGKILL: no finally block runs in the parent
        proc.wait(timeout=5)
        deadline = time.monotonic() + 0.5
        while not _gone_or_zombie(child) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _gone_or_zombie(child), "the child outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_under_sudo_the_capture_and_progress_file_belong_to_the_user(tmp_path: Path) -> None:
    """Root with SUDO_UID (as sudo leaves it) captures on the host, and hands every file it
    makes for the learner to that user: the capture and the progress store."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    folder = Path(tempfile.mkdtemp(prefix="netlearn-sudo-"))
    try:
        os.chown(folder, NOBODY, NOBODY)
        env = {
            **os.environ,
            "SUDO_UID": str(NOBODY),
            "SUDO_GID": str(NOBODY),
            "NETLEARN_HOME": str(folder / "home"),
            "COLUMNS": "80",
        }
        pcap = folder / "cap.pcap"
        for args in (["capture", "--write", str(pcap)], ["learn", "capture"]):
            result = subprocess.run(
                [sys.executable, "-m", "netlearn", *args, "--format", "plain"],
                capture_output=True, text=True, env=env, timeout=60, cwd=folder,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr
            assert netns.NOTICE.split(":")[0] not in result.stdout  # root captures directly
        made = [folder / "home", folder / "home" / "progress.sqlite3", pcap]
        for path in made:
            st = path.stat()
            assert (st.st_uid, st.st_gid) == (NOBODY, NOBODY), path
        leftovers = [p for p in folder.rglob("*") if p.stat().st_uid != NOBODY]
        assert leftovers == []
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_an_event_that_cannot_cross_is_one_clear_line() -> None:
    def produce():  # type: ignore[no-untyped-def]
        yield lambda: None  # functions do not pickle

    with pytest.raises(NetlearnError, match="^an event could not be passed on"):
        list(_private(produce))
