"""The key that seals cache files: a secret of this user, bound to the linter's own code.

The secret is 32 random bytes in `$XDG_CACHE_HOME/cachelint/secret` (default
`~/.cache/cachelint/secret`; or `CACHELINT_SECRET`, 64 hex digits, for CI jobs that share a
cache), created with mode 0600 in a folder of mode 0700 and accepted only as a
regular file of this user that nobody else can read or write, outside every checked tree: a
repository cannot ship a secret it knows (git checks files out 0644 under the usual umask, and a
secret inside a checked path is refused outright). Without a usable secret the cache is off.

The code digest covers every file of the cachelint package and its rule pages (the model table
among them), by content: another build with the same version string seals with another key, so it
reads nothing an older build wrote.
"""

from __future__ import annotations

import os
import stat
from functools import cache
from pathlib import Path

try:  # CPython's blake2 module alone: hashlib also loads OpenSSL, a few ms of every run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other interpreters)
    from hashlib import blake2b

SECRET_NAME = "secret"
SECRET_SIZE = 32
SECRET_ENV = "CACHELINT_SECRET"


def secret_path() -> Path | None:
    """Where this user's secret lives, or None when there is no home to keep it in."""
    base = os.environ.get("XDG_CACHE_HOME")
    if not base or not os.path.isabs(base):
        home = os.path.expanduser("~")
        if not home or home == "~" or not os.path.isabs(home):
            return None
        base = os.path.join(home, ".cache")
    return Path(base, "cachelint", SECRET_NAME)


def user_secret(checked: list[Path]) -> bytes | None:
    """This user's secret (made on first use), or None when it cannot be kept safely: no home,
    a read-only one, a file that is not this user's alone, or one inside a path being checked.
    CACHELINT_SECRET (64 hex digits, a CI secret) takes the place of the file."""
    given = os.environ.get(SECRET_ENV)
    if given is not None:
        try:
            secret = bytes.fromhex(given.strip())
        except ValueError:
            return None
        return secret if len(secret) >= SECRET_SIZE else None
    path = secret_path()
    if path is None:
        return None
    real = os.path.realpath(path)
    for p in checked:
        top = os.path.realpath(p)
        if real == top or real.startswith(top.rstrip(os.sep) + os.sep):
            return None
    kept = _read(path)
    if kept is None and _create(path):
        kept = _read(path)
    return kept


def _read(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if (
            not stat.S_ISREG(st.st_mode)
            or st.st_uid != os.geteuid()
            or st.st_mode & 0o077
            or st.st_size != SECRET_SIZE
        ):
            return None
        data = os.read(fd, SECRET_SIZE + 1)
    except OSError:
        return None
    finally:
        os.close(fd)
    return data if len(data) == SECRET_SIZE else None


def _create(path: Path) -> bool:
    """Write a new secret whole, or leave the one another process made first."""
    try:
        os.makedirs(path.parent, mode=0o700, exist_ok=True)
        st = os.lstat(path.parent)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
            return False
        tmp = path.with_name(f".{SECRET_NAME}-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            os.write(fd, os.urandom(SECRET_SIZE))
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # fails when another process made it first: theirs stands
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    except OSError:
        return False
    return True


@cache
def code_digest() -> bytes:
    """Digest of every file of the cachelint package and of its rule pages, by content."""
    import sys

    from cachelint.rule_pages import rules_dir

    h = blake2b(digest_size=32, person=b"cl-code")
    # findings depend on the Python too: its grammar parses the checked sources
    h.update(f"{sys.implementation.cache_tag}\0{sys.version}\0".encode())
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # cachelint/
    for top in (package, str(rules_dir())):
        for folder, subdirs, files in os.walk(top):
            subdirs[:] = sorted(s for s in subdirs if s != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo")):
                    continue
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    data = f.read()
                rel = os.path.relpath(path, top).encode()
                h.update(b"%d:%s\0%d:" % (len(rel), rel, len(data)))
                h.update(data)
    return h.digest()


def sealing_key(secret: bytes) -> bytes:
    """The key of this user and this build of cachelint, for sealing cache files."""
    return blake2b(code_digest(), key=secret, digest_size=32, person=b"cl-seal").digest()


def owner_mark(secret: bytes, folder: str | os.PathLike[str]) -> str:
    """What this user's cachelint writes in the tag of a cache folder it made: proof of that, for
    this folder only (where it really is)."""
    where = os.fsencode(os.path.realpath(folder))
    return blake2b(where, key=secret, digest_size=20, person=b"cl-owner").hexdigest()
