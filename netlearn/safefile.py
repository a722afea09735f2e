"""Create the files netlearn writes for the learner, never following a symbolic link.

netlearn may run as root (`sudo netlearn capture --write cap.pcap`) while writing where the learner
asked. Opening that name with O_TRUNC would follow a symlink planted there (`cap.pcap ->
/etc/shadow`) and truncate its target as root. So every file is created here, and only here:

- a new file is made with O_CREAT|O_EXCL|O_NOFOLLOW (nothing that exists is ever opened);
- an existing regular file of the learner's is replaced: a new file in the same folder, renamed
  over the name (rename replaces the directory entry; it never writes through a link);
- a symlink, FIFO, device, socket or folder at that name is refused with one clear line;
- the new file is 0600 (captures and records can hold secrets). Under sudo it is handed to the
  user who ran sudo with fchown on our own descriptor, and only when that user could have made a
  file in that folder themselves: sudo never becomes a way to plant files owned by them in
  /etc. Nothing that this process did not just create is chmod'ed or chown'ed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

from netlearn.errors import NetlearnError

MODE = 0o600
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC

_KINDS = (
    (stat.S_ISLNK, "a symbolic link (netlearn never writes through one)"),
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def sudo_ids() -> tuple[int, int] | None:
    """(uid, gid) of the user who ran sudo, when we run as root under sudo; else None."""
    uid, gid = os.environ.get("SUDO_UID", ""), os.environ.get("SUDO_GID", "")
    if os.geteuid() != 0 or not uid.isdigit():
        return None
    return int(uid), int(gid) if gid.isdigit() else -1


def _refuse(path: Path, why: str) -> NetlearnError:
    return NetlearnError(f"refusing to write {str(path)!r}: it is {why}")


def check_target(path: Path) -> bool:
    """Whether `path` exists (a regular file we may replace); raise on anything else there."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise NetlearnError(
                f"cannot write {str(path)!r}: folder {str(path.parent)!r} missing"
            ) from None
        return False
    except OSError as exc:
        raise NetlearnError(f"cannot write {str(path)!r}: {exc.strerror}") from None
    for test, why in _KINDS:
        if test(st.st_mode):
            raise _refuse(path, why)
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, "not a regular file")
    ids = sudo_ids()
    owners = {os.geteuid()} | ({ids[0]} if ids else set())
    if st.st_uid not in owners:
        raise _refuse(path, f"a file of another user (uid {st.st_uid})")
    return True


def _may_hand_over(folder: Path, uid: int, gid: int) -> bool:
    """Could the sudo user have created a file in `folder` without sudo?"""
    try:
        st = os.stat(folder)
    except OSError:
        return False
    if st.st_uid == uid or st.st_mode & stat.S_IWOTH:
        return True
    return bool(st.st_mode & stat.S_IWGRP) and st.st_gid == gid


def _create(path: Path) -> int:
    """A new file at `path`, 0600, ours (or the sudo user's); never an existing one."""
    fd = os.open(path, _CREATE, MODE)
    try:
        os.fchmod(fd, MODE)  # the umask may have taken bits away; this fd is our new file
        ids = sudo_ids()
        if ids and _may_hand_over(path.parent, *ids):
            with contextlib.suppress(OSError):  # leaving it to root is safe, only less handy
                os.fchown(fd, *ids)
    except BaseException:
        os.close(fd)
        raise
    return fd


class PrivateFile:
    """A file being written for the learner: `fh` is its binary stream.

    `close()` makes it final (the rename, when it replaces a file); `abort()` removes what we
    wrote. As a context manager, an exception aborts.
    """

    def __init__(self, path: Path, *, atomic: bool = False) -> None:
        self.path = path
        exists = check_target(path)
        self._tmp: Path | None = None
        try:
            fd = self._create_temp(path) if exists or atomic else _create(path)
        except FileExistsError:
            raise NetlearnError(
                f"cannot write {str(path)!r}: it appeared while netlearn was creating it"
            ) from None
        except OSError as exc:
            raise NetlearnError(f"cannot write {str(path)!r}: {exc.strerror}") from None
        self.fh: BinaryIO = os.fdopen(fd, "wb")
        self._done = False

    def _create_temp(self, path: Path) -> int:
        for _ in range(8):
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            try:
                fd = _create(tmp)
            except FileExistsError:
                continue
            self._tmp = tmp
            return fd
        raise FileExistsError(path)

    def write(self, data: bytes) -> int:
        return self.fh.write(data)

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        """Finish the file: flush, close, and rename it into place when it replaces one."""
        if self._done:
            return
        self._done = True
        try:
            if not self.fh.closed:
                self.fh.close()
            if self._tmp is not None:
                os.replace(self._tmp, self.path)
        except OSError as exc:
            self._remove()
            raise NetlearnError(f"cannot write {str(self.path)!r}: {exc.strerror}") from None

    def abort(self) -> None:
        """Close and remove what was written (the old file, if any, stays as it was)."""
        if self._done:
            return
        self._done = True
        with contextlib.suppress(OSError):
            self.fh.close()
        self._remove()

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self._tmp if self._tmp is not None else self.path)

    def __enter__(self) -> PrivateFile:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def open_private(path: Path, *, atomic: bool = False) -> PrivateFile:
    """Start writing `path` for the learner (see the module's rules).

    A new name is created in place, so a long capture is on disk as it grows; with `atomic`, or
    when a file is replaced, the data goes to a temporary file renamed over the name on close.
    """
    return PrivateFile(path, atomic=atomic)


def write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a temporary file, then a rename)."""
    with open_private(path, atomic=True) as out:
        try:
            out.write(data)
        except OSError as exc:
            raise NetlearnError(f"cannot write {str(path)!r}: {exc.strerror}") from None
