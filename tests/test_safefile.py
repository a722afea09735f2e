"""Every file netlearn writes for the learner: never through a symlink, 0600, chown only what
we just created (issue 16: `sudo netlearn capture --write` followed `cap.pcap -> /etc/shadow`)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from netlearn import safefile
from netlearn.errors import NetlearnError
from netlearn.packets import pcapio

SECRET = b"root:$6$do-not-touch:19000:0:99999:7:::\n"


def _victim(tmp_path: Path) -> Path:
    victim = tmp_path / "shadow"
    victim.write_bytes(SECRET)
    os.chmod(victim, 0o640)
    return victim


def _untouched(victim: Path) -> None:
    st = os.stat(victim)
    assert victim.read_bytes() == SECRET
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert st.st_uid == os.geteuid()


def _pcap_writer(path: Path) -> None:
    with pcapio.PcapWriter(path, 1) as w:
        w.write(1.0, b"\x00" * 60)


def _tcp_pcap(path: Path) -> None:
    import random

    from netlearn.lessons.tcp import scenarios
    from netlearn.lessons.tcp.pcap import write_pcap

    write_pcap(path, scenarios.run("handshake", random.Random(1)).captured)


def _export(path: Path) -> None:
    from netlearn.events import Note
    from netlearn.render import export_events

    export_events([Note(text="hello", tone="tip")], path)


def _progress(path: Path) -> None:
    from netlearn.quiz.report import write_export

    write_export(path, '{"a": 1}')


WRITERS: dict[str, tuple[Callable[[Path], None], str]] = {
    "capture --write": (_pcap_writer, "cap.pcap"),
    "tcp --write": (_tcp_pcap, "t.pcap"),
    "--export svg": (_export, "e.svg"),
    "--export txt": (_export, "e.txt"),
    "progress --export": (_progress, "r.json"),
}


@pytest.mark.parametrize("name", list(WRITERS))
def test_symlink_is_refused_and_its_target_untouched(tmp_path: Path, name: str) -> None:
    write, fname = WRITERS[name]
    victim = _victim(tmp_path)
    link = tmp_path / fname
    link.symlink_to(victim)
    with pytest.raises(NetlearnError, match="symbolic link"):
        write(link)
    _untouched(victim)
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([victim.name, fname])


def test_dangling_symlink_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    link = tmp_path / "cap.pcap"
    link.symlink_to(tmp_path / "created-as-root")
    with pytest.raises(NetlearnError, match="symbolic link"):
        _pcap_writer(link)
    assert not (tmp_path / "created-as-root").exists()


@pytest.mark.parametrize("name", list(WRITERS))
def test_fifo_is_refused_without_blocking(tmp_path: Path, name: str) -> None:
    write, fname = WRITERS[name]
    fifo = tmp_path / fname
    os.mkfifo(fifo)
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            write(fifo)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(10), "writing to a FIFO blocked"
    assert len(errors) == 1 and isinstance(errors[0], NetlearnError)
    assert "FIFO" in str(errors[0])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_folder_and_device_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "d.pcap"
    folder.mkdir()
    with pytest.raises(NetlearnError, match="a folder"):
        _pcap_writer(folder)
    with pytest.raises(NetlearnError, match="character device"):
        _progress(Path("/dev/null"))


@pytest.mark.parametrize("name", list(WRITERS))
def test_regular_file_is_replaced_with_mode_0600(tmp_path: Path, name: str) -> None:
    write, fname = WRITERS[name]
    path = tmp_path / fname
    path.write_bytes(b"old contents, world readable")
    os.chmod(path, 0o644)
    old_inode = os.stat(path).st_ino
    write(path)
    st = os.lstat(path)
    assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600
    assert st.st_ino != old_inode  # a new file renamed over the name, not the old one truncated
    assert b"old contents" not in path.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [fname]  # no temporary file left behind


@pytest.mark.parametrize("name", list(WRITERS))
def test_new_file_is_0600_whatever_the_umask(tmp_path: Path, name: str) -> None:
    write, fname = WRITERS[name]
    old = os.umask(0o000)
    try:
        write(tmp_path / fname)
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / fname).st_mode) == 0o600


def test_hard_link_target_is_not_written_through(tmp_path: Path) -> None:
    victim = _victim(tmp_path)
    link = tmp_path / "cap.pcap"
    os.link(victim, link)
    _pcap_writer(link)
    _untouched(victim)
    assert os.stat(link).st_ino != os.stat(victim).st_ino


def test_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(NetlearnError, match="missing"):
        _pcap_writer(tmp_path / "nowhere" / "cap.pcap")


def test_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "r.json"
    path.write_bytes(b"previous record")
    with pytest.raises(RuntimeError), safefile.open_private(path) as out:
        out.write(b"half")
        raise RuntimeError("interrupted")
    assert path.read_bytes() == b"previous record"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to test the sudo chown")


@root_only
def test_under_sudo_only_the_new_file_is_handed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUDO_UID", "65534")
    monkeypatch.setenv("SUDO_GID", "65534")
    home = tmp_path / "home"
    home.mkdir()
    os.chown(home, 65534, 65534)  # the learner's own folder
    victim = _victim(tmp_path)
    # A hard link to a root file, and a symlink to it: neither may change owner or mode.
    os.link(victim, home / "linked.pcap")
    (home / "sym.pcap").symlink_to(victim)
    with pytest.raises(NetlearnError, match="symbolic link"):
        _pcap_writer(home / "sym.pcap")
    _untouched(victim)
    _pcap_writer(home / "linked.pcap")
    _untouched(victim)
    for name in ("linked.pcap", "new.pcap"):
        if name == "new.pcap":
            _pcap_writer(home / name)
        st = os.stat(home / name)
        assert (st.st_uid, st.st_gid) == (65534, 65534), name
        assert stat.S_IMODE(st.st_mode) == 0o600
    assert os.stat(victim).st_uid == 0


@root_only
def test_under_sudo_a_file_in_a_root_folder_stays_roots(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUDO_UID", "65534")
    monkeypatch.setenv("SUDO_GID", "65534")
    os.chmod(tmp_path, 0o755)
    _pcap_writer(tmp_path / "cap.pcap")
    st = os.stat(tmp_path / "cap.pcap")
    assert st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o1777)  # like /tmp: the learner could have made the file there
    _pcap_writer(shared / "cap.pcap")
    assert os.stat(shared / "cap.pcap").st_uid == 65534


@root_only
def test_under_sudo_another_users_file_is_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUDO_UID", "65534")
    other = tmp_path / "other.pcap"
    other.write_bytes(SECRET)
    os.chown(other, 12345, 12345)
    with pytest.raises(NetlearnError, match="another user"):
        _pcap_writer(other)
    assert other.read_bytes() == SECRET and os.stat(other).st_uid == 12345


@pytest.mark.parametrize(
    ("args", "fname"),
    [
        (["tcp", "handshake", "--write"], "t.pcap"),
        (["osi", "--format", "plain", "--export"], "o.svg"),
        (["progress", "--format", "plain", "--export"], "p.csv"),
        (["capture", "--replay", "--format", "plain", "--export"], "c.txt"),
    ],
)
def test_cli_refuses_a_symlink_in_one_line(
    run_cli, tmp_path: Path, args: list[str], fname: str
) -> None:  # type: ignore[no-untyped-def]
    victim = _victim(tmp_path)
    link = tmp_path / fname
    link.symlink_to(victim)
    result = run_cli(*args, str(link))
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"netlearn: refusing to write {str(link)!r}: it is a symbolic link "
        "(netlearn never writes through one)"
    ]
    _untouched(victim)


def test_capture_write_refuses_a_symlink_before_capturing(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    victim = _victim(tmp_path)
    link = tmp_path / "cap.pcap"
    link.symlink_to(victim)
    result = run_cli("capture", "--port", "9", "--count", "1", "--write", str(link))
    assert result.returncode == 1
    assert "symbolic link" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    _untouched(victim)
