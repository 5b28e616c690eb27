"""What git ignores, for a walk that leaves it out (`respect-gitignore`, on by default, as ruff).

Git's rule is kept whole: ignore patterns apply only to files git does not track. A tracked file
is always checked, whatever a `.gitignore` says, so a change that commits a file and ignores it in
the same breath cannot hide it (`git add -f` commits ignored files). Tracked paths are read from
the repository's index (`.git/index`, versions 2 to 4); patterns from `.git/info/exclude` and the
`.gitignore` of each folder, matched by `pathspec` (git's own rules, not a parser of ours). When the
index cannot be read, nothing is left out: a walk checks more, never less.
"""

from __future__ import annotations

import os
import struct
from functools import cache
from pathlib import Path

MAX_IGNORE_FILE = 1024 * 1024
MAX_INDEX = 512 * 1024 * 1024


def repository(start: Path) -> Path | None:
    """The work tree holding `start` (the folder with `.git`), or None."""
    d = start.resolve()
    for folder in (d, *d.parents):
        if (folder / ".git").is_dir():
            return folder
    return None


class GitIgnore:
    """Whether a path of a work tree is ignored by git: untracked and matched by its patterns."""

    def __init__(self, top: Path) -> None:
        self.top = top
        self.tracked, self.tracked_dirs = _tracked(top / ".git" / "index")
        exclude = _lines(top / ".git" / "info" / "exclude")
        self._specs: dict[str, object | None] = {"": _spec(exclude + _lines(top / ".gitignore"))}

    @property
    def usable(self) -> bool:
        return self.tracked is not None

    def ignored(self, path: str | os.PathLike[str], is_dir: bool) -> bool:
        """For a path anywhere under the work tree (absolute, or relative to it)."""
        if self.tracked is None:
            return False
        rel = os.path.relpath(os.path.abspath(path), self.top).replace(os.sep, "/")
        if rel.startswith("../") or rel in (".", ".."):
            return False
        return self._ignored(rel, is_dir)

    def keep(self, directory: str, names: list[str], are_dirs: bool) -> list[str]:
        """The entries of `directory` that git does not ignore (all, outside the work tree)."""
        if self.tracked is None:
            return names
        base = os.path.relpath(os.path.abspath(directory), self.top).replace(os.sep, "/")
        if base.startswith("../") or base == "..":
            return names
        prefix = "" if base == "." else base + "/"
        return [n for n in names if not self._ignored(prefix + n, are_dirs)]

    def _ignored(self, rel: str, is_dir: bool) -> bool:
        assert self.tracked is not None
        if rel in self.tracked or (is_dir and rel in self.tracked_dirs):
            return False
        parts = rel.split("/")
        for depth in range(len(parts) - 1, -1, -1):  # the nearest .gitignore decides first
            folder = "/".join(parts[:depth])
            spec = self._spec_of(folder)
            if spec is None:
                continue
            inner = "/".join(parts[depth:]) + ("/" if is_dir else "")
            result = spec.check_file(inner)  # type: ignore[attr-defined]
            if result.include is not None:
                return bool(result.include)
        return False

    def _spec_of(self, folder: str) -> object | None:
        if folder not in self._specs:
            self._specs[folder] = _spec(_lines(self.top / folder / ".gitignore"))
        return self._specs[folder]


def _spec(lines: list[str]) -> object | None:
    if not lines:
        return None
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _lines(path: Path) -> list[str]:
    from cachelint.reading import read_regular

    try:
        data = read_regular(path, MAX_IGNORE_FILE)
    except OSError:
        return []
    return data.decode("utf-8", "surrogateescape").splitlines()


@cache
def _tracked(index: Path) -> tuple[frozenset[str] | None, frozenset[str]]:
    """The tracked paths of a git index and the folders that hold them; (None, empty) when the
    index cannot be read."""
    from cachelint.reading import read_regular

    try:
        paths = _index_paths(read_regular(index, MAX_INDEX))
    except (OSError, ValueError, struct.error, IndexError):
        paths = None
    if paths is None:
        return None, frozenset()
    dirs = {p.rsplit("/", i)[0] for p in paths for i in range(1, p.count("/") + 1)}
    return frozenset(paths), frozenset(dirs)


def _index_paths(data: bytes) -> list[str] | None:
    """The paths of a git index file (https://git-scm.com/docs/index-format), versions 2-4."""
    if len(data) < 12 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3, 4):
        return None
    pos, paths, previous = 12, [], b""
    for _ in range(count):
        start = pos
        flags = struct.unpack(">H", data[pos + 60 : pos + 62])[0]
        pos += 62
        if version >= 3 and flags & 0x4000:  # extended flags
            pos += 2
        if version == 4:
            strip, pos = _varint(data, pos)
            end = data.index(b"\0", pos)
            name = previous[: len(previous) - strip] + data[pos:end]
            pos = end + 1
        else:
            end = data.index(b"\0", pos)
            name = data[pos:end]
            pos = start + ((end - start) // 8 + 1) * 8  # NUL-padded to a multiple of 8
        previous = name
        paths.append(name.decode("utf-8", "surrogateescape"))
    return paths


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """Git's offset encoding of index version 4."""
    byte = data[pos]
    pos += 1
    value = byte & 0x7F
    while byte & 0x80:
        byte = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos
