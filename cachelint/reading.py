"""Reading the files of a checked tree: regular files only, and never more than a size cap.

The checked repository is untrusted input: a FIFO named like a payload blocks a read forever, and
a symlink to a device (`x.json -> /dev/zero`) never ends. A file is stat-ed (through symlinks)
before it is opened, so that a FIFO or a device is never opened; it is then opened without
blocking and its descriptor checked again, so that one swapped in between is refused too.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # opening a FIFO must not wait for a writer
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class Unreadable(OSError):
    """A file that is not read, and why (the message of its CL000 finding)."""


class NotRegular(Unreadable):
    pass


class TooLarge(Unreadable):
    pass


def _regular(st: os.stat_result) -> None:
    if not stat.S_ISREG(st.st_mode):
        kind = next((name for test, name in _KINDS if test(st.st_mode)), "a special file")
        raise NotRegular(f"not a regular file ({kind}); not read")


def _open(
    path: str | Path, st: os.stat_result | None = None, follow: bool = True
) -> tuple[int, os.stat_result]:
    """A descriptor open on the regular file at `path` and its stat (`st`: the path's stat, when
    the caller has just taken it). Unless `follow`, a symlink at `path` is refused too."""
    _regular(st if st is not None else os.stat(path) if follow else os.lstat(path))
    fd = os.open(path, _FLAGS if follow else _FLAGS | os.O_NOFOLLOW)
    try:
        st = os.fstat(fd)
        _regular(st)
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def open_regular(path: str | Path, follow: bool = True) -> BinaryIO:
    """The file opened for reading, or NotRegular (or another OSError) when it cannot be."""
    fd, _ = _open(path, follow=follow)
    try:
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_regular(
    path: str | Path, limit: int, st: os.stat_result | None = None, follow: bool = True
) -> bytes:
    """The content of the regular file at `path` (`st`: its stat, when just taken), of at most
    `limit` bytes; else NotRegular, TooLarge or another OSError. No more than `limit` + 1 bytes
    are read, and a read asks for no more than the file holds: a read allocates what it asks.
    Unless `follow`, a symlink at `path` is refused."""
    fd, st = _open(path, st, follow)
    try:
        size = st.st_size
        if size > limit:
            raise TooLarge(f"file is {size:,} bytes, over the max-file-size limit of {limit:,}")
        data = os.read(fd, size + 1)
        if len(data) == size:
            return data  # all of it: a read stops short of what it asked only at the end
        chunks, total = [data], len(data)  # it grew or shrank since the stat: read on
        while total <= limit and (more := os.read(fd, min(limit + 1 - total, 1 << 20))):
            chunks.append(more)
            total += len(more)
        if total > limit:
            raise TooLarge(f"file is over the max-file-size limit of {limit:,} bytes")
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_error(e: OSError) -> str:
    """The CL000 message for a file that could not be read."""
    return str(e) if isinstance(e, Unreadable) else f"cannot read file: {e.strerror or e}"
