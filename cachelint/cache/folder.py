"""The cache folder: every read and write of cachelint's cache goes through here, and nothing that
a checked repository puts there is believed.

The folder usually sits inside the tree being checked (`.cachelint_cache` next to the config),
where a pull request can commit anything: forged entries, symlinks, FIFOs, a folder of its own.

- Every file cachelint keeps there is sealed: it starts with a keyed BLAKE2b digest of its place in
  the folder and its content, under a key of this user and this build of cachelint
  (`key.py`). A file that does not verify is a miss, as if it were absent.
- Files are opened without following symlinks, only regular files are read, and no more than
  `MAX_READ` bytes; every folder on the way must be a real folder, not a link to one.
- cachelint uses a folder only when it made it for this user: it makes it whole (tag and
  `.gitignore` written into a fresh folder, then renamed into place), and the tag carries a mark
  that only this user's secret gives. A folder without it (committed, or another user's) is left
  alone, with a warning.
- `clean` removes only a folder with that mark, and only what cachelint keeps in one.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
from pathlib import Path

try:  # CPython's blake2 module alone: hashlib also loads OpenSSL, a few ms of every run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other interpreters)
    from hashlib import blake2b

from cachelint.cache.key import owner_mark, sealing_key
from cachelint.reading import open_regular, read_regular

try:  # hmac.compare_digest without importing hmac (which loads OpenSSL)
    from _operator import _compare_digest as _equal
except ImportError:  # pragma: no cover (other interpreters)
    from hmac import compare_digest as _equal  # type: ignore[no-redef]

DEFAULT_DIR = ".cachelint_cache"  # next to the config
TAG = "CACHEDIR.TAG"
TAG_SIGNATURE = "Signature: 8a477f597d28d172789f06886806bc55"  # https://bford.info/cachedir/
OWNER = "# cachelint-owner: "
MAX_READ = 256 * 1024 * 1024  # the largest file read back (an index of a very large tree)
_SEAL = b"CLS1"
_MAC_SIZE = 32
VCS_FOLDERS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", ".jj"})
_VERSION_NAME = re.compile(r"[0-9][0-9A-Za-z.+-]*\Z")  # the folders cachelint keeps entries in


class NotOurs(Exception):
    """A folder that cachelint did not make for this user (the message says which and why)."""


class CacheFolder:
    """A cache folder in use: sealed reads and writes of the files below `root`."""

    def __init__(self, root: Path, key: bytes) -> None:
        self.root = root
        self._key = key
        self._real: set[Path] = {root}  # folders known to be real folders this run

    @classmethod
    def open(
        cls, root: Path, secret: bytes, *, named: bool = False, adopt_empty: bool = True
    ) -> CacheFolder:
        """The cache folder at `root`, made when absent (or, with `adopt_empty`, empty).
        `named`: given by the user for a place outside the checked tree, where a symlink is
        their own choice. Raises NotOurs."""
        try:
            st = os.stat(root) if named else os.lstat(root)
        except FileNotFoundError:
            _make(root, secret)
        except OSError as e:
            raise NotOurs(f"{root}: {e.strerror}") from None
        else:
            if not stat.S_ISDIR(st.st_mode):
                kind = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a folder"
                raise NotOurs(f"{root} is {kind}")
            if not marked(root, secret):
                if adopt_empty and _empty(root):
                    _make(root, secret)
                else:
                    raise NotOurs(f"{root} was not made by cachelint for this user")
        return cls(root, sealing_key(secret))

    def read(self, path: Path) -> bytes | None:
        """The content of a sealed file, or None when it is absent, not a regular file of
        real folders, too large, or not sealed by this user and build."""
        rel = self._relative(path)
        if rel is None or not self._real_parents(path, make=False):
            return None
        data = _read(path, MAX_READ + len(_SEAL) + _MAC_SIZE)
        if data is None or not data.startswith(_SEAL):
            return None
        mac, body = data[len(_SEAL) : len(_SEAL) + _MAC_SIZE], data[len(_SEAL) + _MAC_SIZE :]
        return body if _equal(mac, self._mac(rel, body)) else None

    def write(self, path: Path, data: bytes) -> None:
        """Write a sealed file whole or not at all (concurrent runs read it); a read-only or
        full disk, or a folder on the way that is not a real folder, only costs speed."""
        rel = self._relative(path)
        if rel is None or not self._real_parents(path, make=True):
            return
        import tempfile

        try:
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_SEAL + self._mac(rel, data) + data)
                os.replace(tmp, path)  # replaces a link in its place, never follows it
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError:
            pass

    def _mac(self, rel: bytes, data: bytes) -> bytes:
        h = blake2b(key=self._key, digest_size=_MAC_SIZE)
        h.update(b"%d:%s\0" % (len(rel), rel))
        h.update(data)
        return h.digest()

    def _relative(self, path: Path) -> bytes | None:
        try:
            rel = path.relative_to(self.root)
        except ValueError:
            return None
        if ".." in rel.parts or not rel.parts:
            return None
        return os.fsencode(rel.as_posix())

    def _real_parents(self, path: Path, make: bool) -> bool:
        """Whether every folder from the root down to `path`'s is a real folder (made when
        `make`); checked once per folder and run."""
        todo = []
        folder = path.parent
        while folder not in self._real:
            todo.append(folder)
            folder = folder.parent
        for folder in reversed(todo):
            try:
                st = os.lstat(folder)
            except FileNotFoundError:
                if not make:
                    return False
                try:
                    os.mkdir(folder)
                except FileExistsError:
                    pass  # another worker or run made it between the two calls: checked below
                except OSError:
                    return False
                try:
                    st = os.lstat(folder)
                except OSError:
                    return False
            except OSError:
                return False
            if not stat.S_ISDIR(st.st_mode):
                return False
            self._real.add(folder)
        return True


def confinement_error(path: Path, top: Path) -> str | None:
    """Why `path` cannot hold a cache inside the tree `top` (None when it can): it must lie
    strictly inside, reached without symlinks, and outside version-control folders."""
    try:
        real, real_top = os.path.realpath(path), os.path.realpath(top)
    except ValueError as e:  # an embedded NUL
        return str(e)
    if not real.startswith(real_top.rstrip(os.sep) + os.sep):
        return "it must be a folder inside the project, not the project, above it or outside it"
    inside = Path(real).relative_to(real_top).parts
    if any(part in VCS_FOLDERS for part in inside):
        return "it must not be inside a version-control folder (.git, .hg, .svn)"
    if os.path.normpath(os.path.abspath(path)) != real:
        return "it must not be reached through a symlink"
    return None


def _read(path: str | Path, limit: int) -> bytes | None:
    """A regular file of the cache folder (never through a symlink), or None."""
    try:
        return read_regular(path, limit, follow=False)
    except OSError:
        return None


def marked(root: Path, secret: bytes) -> bool:
    """Whether the folder's tag carries this user's mark."""
    tag = _read(root / TAG, 4096)
    if tag is None:
        return False
    mark = (OWNER + owner_mark(secret, root)).encode()
    return mark in tag.splitlines()


def _tag_text(secret: bytes, root: Path) -> str:
    return (
        f"{TAG_SIGNATURE}\n"
        "# cachelint result cache; safe to delete (cachelint clean).\n"
        f"{OWNER}{owner_mark(secret, root)}\n"
    )


def _empty(folder: Path) -> bool:
    try:
        with os.scandir(folder) as it:
            return next(it, None) is None
    except OSError:
        return False


def _make(root: Path, secret: bytes) -> None:
    """Make the folder whole: its tag and `.gitignore` written into a fresh folder beside it,
    which then takes its place (an empty folder is replaced; one another run made first
    stands, and is checked like any other)."""
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        fresh = root.with_name(f"{root.name}.tmp-{os.getpid()}")
        os.mkdir(fresh)
    except OSError as e:
        raise NotOurs(f"{root}: cannot make it: {e.strerror}") from None
    try:
        tag = _tag_text(secret, root)
        for name, text in ((TAG, tag), (".gitignore", "# written by cachelint\n*\n")):
            fd = os.open(fresh / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        os.rename(fresh, root)
    except OSError:
        import shutil

        shutil.rmtree(fresh, ignore_errors=True)
        if not marked(root, secret):
            raise NotOurs(f"{root} was not made by cachelint for this user") from None


def clean(root: Path, secret: bytes | None) -> tuple[bool, str]:
    """Remove the cache folder at `root` when this user's cachelint made it, and in it only what
    cachelint keeps there: sealed files and leftover temporary files in its entry folders, the
    folders that leaves empty, the tag and `.gitignore`, then the folder if nothing else is left.
    Links are never followed, and deep trees are walked without recursion. (Whether something
    was removed, what to tell the user.)"""
    try:
        st = os.lstat(root)
    except OSError:
        return False, f"No cachelint cache at {root}"
    if not stat.S_ISDIR(st.st_mode) or secret is None or not marked(root, secret):
        return False, (
            f"Not removing {root}: it is not a cache folder that cachelint made for this user"
        )
    kept = 0
    try:
        with os.scandir(root) as it:
            entries = list(it)
    except OSError:
        entries = []
    for e in entries:
        if e.name in (TAG, ".gitignore"):
            continue
        if _VERSION_NAME.match(e.name) and e.is_dir(follow_symlinks=False):
            kept += _remove_entries(Path(e.path))
        else:
            kept += 1
    if kept:
        return True, f"Removed the cache in {root}; kept {kept} entries cachelint did not make"
    for name in (".gitignore", TAG):
        with contextlib.suppress(OSError):
            os.unlink(root / name)
    with contextlib.suppress(OSError):
        os.rmdir(root)
    return True, f"Removed {root}"


def _remove_entries(top: Path) -> int:
    """Remove cachelint's files under `top` and the folders left empty; the number of other
    entries kept."""
    kept = 0
    folders, stack = [], [top]
    while stack:
        folder = stack.pop()
        folders.append(folder)
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError:
            continue
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                stack.append(Path(e.path))
            elif e.is_file(follow_symlinks=False) and (
                e.name.startswith(".tmp-") or _sealed(e.path)
            ):
                with contextlib.suppress(OSError):
                    os.unlink(e.path)
            else:
                kept += 1
    for folder in reversed(folders):  # deepest first
        with contextlib.suppress(OSError):
            os.rmdir(folder)
    return kept


def _sealed(path: str) -> bool:
    """Whether a file starts as every file cachelint keeps in the cache does."""
    try:
        with open_regular(path, follow=False) as f:
            return f.read(len(_SEAL)) == _SEAL
    except OSError:
        return False
