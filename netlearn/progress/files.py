"""The store's private files and folders: created 0600/0700 by us, never through a symbolic
link, and under sudo handed back to the user."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from netlearn.content.words import say
from netlearn.errors import NetlearnError


def _sudo_owner() -> tuple[int, int] | None:
    """The user behind `sudo` (files we create for them must stay theirs), else None."""
    if os.geteuid() != 0 or "SUDO_UID" not in os.environ:
        return None
    try:
        uid = int(os.environ["SUDO_UID"])
        gid = int(os.environ.get("SUDO_GID", "-1"))
    except ValueError:
        return None
    return (uid, gid) if uid > 0 else None


def _give_back(fd: int) -> None:
    """Under sudo, hand what we just created (by its descriptor: no path race) to the user."""
    owner = _sudo_owner()
    if owner is not None:
        os.fchown(fd, *owner)


def make_private_dir(path: Path) -> None:
    """Create the data folder 0700 (umask or not), and missing parents the usual way; under
    sudo what we create belongs to the user. An existing folder is left as it is."""
    missing: list[Path] = []
    here = path
    while not os.path.lexists(here) and here != here.parent:
        missing.append(here)
        here = here.parent
    try:
        for folder in reversed(missing):
            private = folder == path
            try:
                os.mkdir(folder, 0o700 if private else 0o777)
            except FileExistsError:
                continue  # another netlearn made it first: not ours to change
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
            try:
                if private:
                    os.fchmod(fd, 0o700)
                _give_back(fd)
            finally:
                os.close(fd)
        if not path.is_dir():
            raise NotADirectoryError(20, "Not a directory")
    except OSError as exc:
        msg = say("core.progress.files.no-folder", path=str(path), why=exc.strerror or exc)
        raise NetlearnError(msg) from None


def create_private_file(path: Path) -> None:
    """Create the progress file 0600 ourselves before SQLite opens it, never through a
    symbolic link (O_NOFOLLOW); an existing file of ours that others can read is tightened."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        if os.path.islink(path) and not os.path.exists(path):
            raise NetlearnError(say("core.progress.files.dangling-link", path=str(path))) from None
        tighten(path)
        return
    except OSError as exc:
        raise NetlearnError(
            say(
                "core.progress.files.cannot-create",
                path=str(path),
                why=exc.strerror or exc,
                folder=str(path.parent),
            )
        ) from None
    try:
        os.fchmod(fd, 0o600)
        _give_back(fd)
    finally:
        os.close(fd)


def tighten(path: Path) -> None:
    """Make an existing regular file of ours 0600 (a link, or someone else's file: untouched).

    The file is opened only when it needs it: see `ProgressStore._connect` on descriptors."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    loose = st.st_mode & 0o077
    if not (stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and loose):
        return
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return  # missing, a link (ELOOP), unreadable: nothing to tighten
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        pass
    finally:
        os.close(fd)


def why(exc: OSError, folder: Path) -> str:
    import errno

    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return say("core.progress.files.read-only-folder", folder=str(folder))
    return exc.strerror or str(exc)
