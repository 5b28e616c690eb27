"""Result cache: findings per file, keyed by content, resolved config and cachelint version.

Keys never use mtimes (git checkouts rewrite them). Each entry is one small sealed file of the
cache folder (`folder.py`: written atomically, since pre-commit runs several cachelint
processes at once, and believed only when this user's build of cachelint wrote it); an unreadable,
corrupt or foreign entry is a miss, never an error. An entry also records the files whose content
the result depended on besides the file itself (Python helpers in other modules), and is only used
while those are unchanged.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import orjson

try:  # CPython's blake2 module alone: hashlib also loads OpenSSL, a few ms of every warm run
    from _blake2 import blake2b
except ImportError:  # pragma: no cover (other interpreters)
    from hashlib import blake2b

from cachelint import __version__
from cachelint.cache.folder import CacheFolder
from cachelint.findings import Finding
from cachelint.reading import open_regular, read_regular

FORMAT = 2  # of the entries, part of their folder's name: another format is never read
MAX_DEPENDENCY = 4 * 1024 * 1024  # more than any helper module the analysis reads (2 MiB)


class Cached(NamedTuple):
    """A file's findings as the result cache holds them."""

    findings: list[Finding]
    has_dependencies: bool  # on helper modules besides the file (unchanged, or not found)


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
    def __init__(self, folder: CacheFolder, settings_key: str) -> None:
        self.folder = folder
        space = digest(os.fsencode(f"{__version__}\0{FORMAT}\0{settings_key}"))[:16]
        self.dir = folder.root / __version__ / space
        self.hits = 0
        self.misses = 0
        self._deps: dict[str, str | None] = {}  # digest of each helper module, read once per run

    def _entry(self, display: str, content: str) -> Path:
        # where the path leads is part of the key: helpers are looked up from there, and a link
        # on the way can lead elsewhere with the same name and content
        key = digest(os.fsencode(f"{display}\0{os.path.realpath(display)}\0{content}"))
        return self.dir / key[:2] / key

    def get(self, display: str, content: str) -> Cached | None:
        """Cached findings for a file shown as `display` whose content digest is `content`."""
        data = self.folder.read(self._entry(display, content))
        try:
            if data is None:
                raise LookupError(display)
            record = orjson.loads(data)
            for dep, dep_digest in record["deps"]:
                if self._dep_digest(dep) != dep_digest:
                    raise LookupError(dep)
            found = Cached(
                [Finding.from_record(r) for r in record["findings"]], bool(record["deps"])
            )
        except (OSError, ValueError, KeyError, TypeError, LookupError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(
        self, display: str, content: str, findings: list[Finding], deps: tuple[str, ...] = ()
    ) -> None:
        """Remember the findings of a file and the helper modules `deps` they depend on."""
        if not all(map(storable, (display, *deps))):
            return  # a path that is not UTF-8 cannot be written (JSON): not cached
        path = self._entry(display, content)
        record = {
            "deps": [[d, self._dep_digest(d)] for d in deps],
            "findings": [f.to_record() for f in findings],
        }
        try:
            data = orjson.dumps(record)
        except TypeError:  # text that is not UTF-8 (a lone surrogate in a message): not cached
            return
        self.folder.write(path, data)

    @property
    def dependencies(self) -> dict[str, str | None]:
        """The helper modules looked up so far, with the content digest each had."""
        return dict(self._deps)

    def _dep_digest(self, dep: str) -> str | None:
        if dep not in self._deps:
            self._deps[dep] = dependency_state(dep)
        return self._deps[dep]


def dependency_state(path: str) -> str | None:
    """What a result depends on in a helper module: where the path leads (the analysis reads
    only modules inside the project, so a link that now leads elsewhere is another input) and
    the content there, read no further than a helper can be long; None when nothing is there."""
    if not os.path.lexists(path):
        return None
    real = os.path.realpath(path)
    try:
        content = digest(read_regular(real, MAX_DEPENDENCY))
    except OSError:
        content = "-"
    return f"{real}\0{content}"


def file_digest(path: str | Path) -> str | None:
    """Digest of a regular file's content, read in chunks (logs can be large); None if it is
    unreadable or not a regular file (a FIFO is never waited on)."""
    h = blake2b(digest_size=20)
    try:
        with open_regular(path) as f:
            while chunk := f.read(1 << 20):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()
