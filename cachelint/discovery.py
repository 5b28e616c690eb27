"""Find the files to check under the given paths, honouring excludes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".ndjson")
SUFFIXES = PAYLOAD_SUFFIXES


@dataclass(frozen=True, slots=True)
class Target:
    path: Path
    explicit: bool  # named on the command line (always checked, unless --force-exclude)


def _excluded(rel: str, name: str, patterns: list[str]) -> bool:
    for pat in patterns:
        pat = pat.rstrip("/")
        if "/" in pat:
            if fnmatch(rel, pat.lstrip("./")) or fnmatch(rel, pat.lstrip("./") + "/*"):
                return True
        elif fnmatch(name, pat):
            return True
    return False


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def discover(
    paths: list[Path],
    root: Path,
    exclude: list[str],
    force_exclude: bool,
    suffixes: tuple[str, ...] = SUFFIXES,
) -> Iterator[Target]:
    """Yield targets in a stable order. Directories are walked; symlinks are not followed."""
    for given in paths:
        if force_exclude and _path_excluded(given, root, exclude):
            continue
        if given.is_dir():
            yield from _walk(given, root, exclude, suffixes)
        else:
            yield Target(given, True)


def _path_excluded(path: Path, root: Path, exclude: list[str]) -> bool:
    rel = relative(path, root)
    parts = rel.split("/")
    return any(_excluded("/".join(parts[: i + 1]), parts[i], exclude) for i in range(len(parts)))


def _walk(top: Path, root: Path, exclude: list[str], suffixes: tuple[str, ...]) -> Iterator[Target]:
    for dirpath, dirnames, filenames in os.walk(top, followlinks=False):
        d = Path(dirpath)
        dirnames[:] = sorted(
            n for n in dirnames if not _excluded(relative(d / n, root), n, exclude)
        )
        for name in sorted(filenames):
            if not name.endswith(suffixes):
                continue
            p = d / name
            if p.is_symlink() or _excluded(relative(p, root), name, exclude):
                continue
            yield Target(p, False)
