"""Result cache: findings per file, keyed by content, resolved config and cachelint version.

Keys never use mtimes (git checkouts rewrite them). Each entry is one small file written
atomically (temp file + rename), because pre-commit runs several cachelint processes at once; an
unreadable or corrupt entry is a miss, never an error. An entry also records the files whose
content the result depended on besides the file itself (Python helpers in other modules), and is
only used while those are unchanged.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import orjson

try:  # CPython's blake2 module alone: hashlib also loads OpenSSL, a few ms of every warm run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other interpreters)
    from hashlib import blake2b

from cachelint import __version__
from cachelint.findings import Finding
from cachelint.reading import open_regular

_TAG = "CACHEDIR.TAG"


def storable(text: str) -> bool:
    """Whether `text` can be written to the cache (JSON): a file name that is not UTF-8 comes
    with surrogates, and such files are simply not remembered."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def digest(data: bytes) -> str:
    return blake2b(data, digest_size=20).hexdigest()


class ResultCache:
    def __init__(self, directory: Path, config_fingerprint: str) -> None:
        self.root = directory
        space = digest(os.fsencode(f"{__version__}\0{config_fingerprint}"))[:16]
        self.dir = directory / __version__ / space
        self.hits = 0
        self.misses = 0
        self._deps: dict[str, str | None] = {}  # digest of each helper module, read once per run
        self.last_had_deps = False  # whether the last entry found depended on other files

    def _entry(self, display: str, content: str) -> Path:
        key = digest(os.fsencode(f"{display}\0{content}"))
        return self.dir / key[:2] / key

    def get(self, display: str, content: str) -> list[Finding] | None:
        """Cached findings for a file shown as `display` whose content digest is `content`."""
        path = self._entry(display, content)
        try:
            record = orjson.loads(path.read_bytes())
            for dep, dep_digest in record["deps"]:
                if self._dep_digest(dep) != dep_digest:
                    raise LookupError(dep)
            found = [Finding.from_record(r) for r in record["findings"]]
            self.last_had_deps = bool(record["deps"])
        except (OSError, ValueError, KeyError, TypeError, LookupError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(
        self, display: str, content: str, findings: list[Finding], deps: tuple[str, ...] = ()
    ) -> None:
        if not all(map(storable, (display, *deps))):
            return  # a path that is not UTF-8 cannot be written (JSON): not cached
        path = self._entry(display, content)
        record = {
            "deps": [[d, self._dep_digest(d)] for d in deps],
            "findings": [f.to_record() for f in findings],
        }
        atomic_write(path, orjson.dumps(record), self.root)

    @property
    def dependencies(self) -> dict[str, str | None]:
        """The helper modules looked up so far, with the content digest each had."""
        return dict(self._deps)

    def _dep_digest(self, dep: str) -> str | None:
        if dep not in self._deps:
            self._deps[dep] = file_digest(dep)
        return self._deps[dep]


def atomic_write(path: Path, data: bytes, root: Path) -> None:
    """Write a file of the cache folder `root` whole or not at all (concurrent runs read it)."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _tag(root)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full disk only costs speed


def _tag(root: Path) -> None:
    """Mark the folder: a cache-directory tag for backup tools, a .gitignore for git."""
    tag = root / _TAG
    if not tag.exists():
        (root / ".gitignore").write_text("# written by cachelint\n*\n")
        tag.write_text(
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            "# cachelint result cache; safe to delete (cachelint clean).\n"
        )


def file_digest(path: str | Path) -> str | None:
    """Digest of a file's content, read in chunks (logs can be large); None if unreadable."""
    h = blake2b(digest_size=20)
    try:
        with open_regular(path) as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def clean(directory: Path) -> bool:
    """Remove the cache directory; True when something was removed."""
    if not (directory / _TAG).exists() and not (directory / __version__).exists():
        return False  # never delete a folder cachelint did not create
    import shutil

    shutil.rmtree(directory, ignore_errors=True)
    return True
