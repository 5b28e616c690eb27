"""Result cache: findings per file, keyed by content, resolved config and cachelint version.

Keys never use mtimes (git checkouts rewrite them). Each entry is one small file written
atomically (temp file + rename), because pre-commit runs several cachelint processes at once; an
unreadable or corrupt entry is a miss, never an error. An entry also records the files whose
content the result depended on besides the file itself (Python helpers in other modules), and is
only used while those are unchanged.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import orjson

from cachelint import __version__
from cachelint.findings import Finding

DEFAULT_DIR = ".cachelint_cache"
_TAG = "CACHEDIR.TAG"


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=20).hexdigest()


class ResultCache:
    def __init__(self, directory: Path, config_fingerprint: str) -> None:
        self.root = directory
        space = digest(f"{__version__}\0{config_fingerprint}".encode())[:16]
        self.dir = directory / __version__ / space
        self.hits = 0
        self.misses = 0

    def _entry(self, display: str, content: str) -> Path:
        key = digest(f"{display}\0{content}".encode())
        return self.dir / key[:2] / key

    def get(self, display: str, data: bytes) -> list[Finding] | None:
        path = self._entry(display, digest(data))
        try:
            record = orjson.loads(path.read_bytes())
            for dep, dep_digest in record["deps"]:
                if _file_digest(dep) != dep_digest:
                    raise LookupError(dep)
            found = [Finding.from_record(r) for r in record["findings"]]
        except (OSError, ValueError, KeyError, TypeError, LookupError):
            self.misses += 1
            return None
        self.hits += 1
        return found

    def put(self, display: str, data: bytes, findings: list[Finding], deps: list[str] = ()) -> None:
        path = self._entry(display, digest(data))
        record = {
            "deps": [[d, _file_digest(d)] for d in deps],
            "findings": [f.to_record() for f in findings],
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._tag()
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as f:
                f.write(orjson.dumps(record))
            os.replace(tmp, path)
        except OSError:
            pass  # a read-only or full disk only costs speed

    def _tag(self) -> None:
        tag = self.root / _TAG
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# cachelint result cache; safe to delete (cachelint clean).\n"
            )


def _file_digest(path: str) -> str | None:
    try:
        return digest(Path(path).read_bytes())
    except OSError:
        return None


def clean(directory: Path) -> bool:
    """Remove the cache directory; True when something was removed."""
    if not (directory / _TAG).exists() and not (directory / __version__).exists():
        return False  # never delete a folder cachelint did not create
    shutil.rmtree(directory, ignore_errors=True)
    return True
