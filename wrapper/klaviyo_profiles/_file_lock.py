"""An exclusive lock on a file itself, held whatever happens to the names around it.

The import's journal and a sync state (:mod:`klaviyo_profiles.sync_state`) are locked here:
one run per file at a time. A lock taken on a
separate lock file (``JOURNAL.lock``) holds only while that name does: deleting it, by hand or
by a cleanup script, let a second import lock a new file of the same name and send every row
again, and the first import, ending, removed the second one's lock file. So the lock is taken
on the file the import cannot do without, through a descriptor kept open for the run
(``flock`` on POSIX; a byte-range lock on Windows, past any byte SQLite locks). The system frees
it when the process ends, ``kill -9`` included.

After locking, the path must still name the very file locked (a file replaced between the
``open`` and the lock is locked again). Nothing is ever removed but the empty file this very
hold created, while the path still names it.

filelock is not used: it manages a lock file of its own (created, truncated or replaced as
its versions see fit), not a file holding data, and only the ``sqlite`` extra installs it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileHeldError", "FileHold", "FileReplacedError", "hold_file", "release_file"]

#: Attempts to lock a path whose file is replaced between the ``open`` and the lock.
_ATTEMPTS = 5
#: Errors ``flock`` and ``msvcrt.locking`` give when another holds the lock.
_HELD = frozenset({errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES, errno.EDEADLK})

if sys.platform == "win32":  # pragma: no cover - the tests run on POSIX
    import msvcrt

    # SQLite locks bytes from 2**30 on Windows; a byte far past them and past any data.
    _WINDOWS_LOCK_OFFSET = 0x7FFF0000

    def _try_lock(descriptor: int) -> None:
        os.lseek(descriptor, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(descriptor, msvcrt.LK_NBLCK, 1)

else:
    import fcntl

    def _try_lock(descriptor: int) -> None:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)


class FileHeldError(Exception):
    """Another process (or another hold in this one) holds the lock."""


class FileReplacedError(Exception):
    """The file kept being replaced while it was being locked."""


@dataclass(frozen=True)
class FileHold:
    """A lock held on ``path``'s file through ``descriptor`` until :func:`release_file`."""

    path: Path
    descriptor: int
    #: Whether this hold created the file (it is removed on release if still empty).
    created: bool


def hold_file(path: Path) -> FileHold:
    """Lock the regular file ``path`` names, creating it (empty) when there is none.

    Raises :class:`FileHeldError` when another holds it, :class:`FileReplacedError` when the
    path names another file each time it was locked, and ``OSError`` when it cannot be opened
    or locked (``ENOTSUP`` for a file that is not a regular file).
    """
    for _ in range(_ATTEMPTS):
        descriptor, created = _open(path)
        try:
            _try_lock(descriptor)
        except OSError as exc:
            os.close(descriptor)
            if exc.errno in _HELD:
                raise FileHeldError(str(path)) from None
            raise
        try:
            current = os.stat(path)
        except FileNotFoundError:
            current = None
        if current is not None and os.path.samestat(current, os.fstat(descriptor)):
            return FileHold(path, descriptor, created)
        os.close(descriptor)  # a file no longer at ``path``: its lock keeps no one out
    raise FileReplacedError(str(path))


def _open(path: Path) -> tuple[int, bool]:
    flags = os.O_RDWR | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        return os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666), True
    except FileExistsError:
        pass
    descriptor = os.open(path, flags)  # O_NONBLOCK: a FIFO must not hang the open
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise OSError(errno.ENOTSUP, "not a regular file")
    return descriptor, False


def release_file(hold: FileHold) -> None:
    """Let go of the lock; remove the file first if this hold created it and it is still
    empty and still at its path (nothing was written to it: the run stopped before)."""
    try:
        if hold.created:
            with contextlib.suppress(OSError):
                mine = os.fstat(hold.descriptor)
                current = os.stat(hold.path)
                if os.path.samestat(current, mine) and mine.st_size == 0:
                    os.unlink(hold.path)
    finally:
        os.close(hold.descriptor)
