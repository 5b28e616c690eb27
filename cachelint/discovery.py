"""Find the files to check under the given paths, honouring excludes."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PAYLOAD_SUFFIXES = (".json", ".jsonl", ".ndjson")
PYTHON_SUFFIXES = (".py", ".pyi")
SUFFIXES = PAYLOAD_SUFFIXES + PYTHON_SUFFIXES


@dataclass(frozen=True, slots=True)
class Target:
    path: Path
    explicit: bool  # named on the command line (always checked, unless --force-exclude)
    display: str = ""  # the path as reported (relative to the working directory when inside it)
    rel: str = ""  # relative to the config root, for excludes and per-file-ignores


class Excluder:
    """Exclude globs compiled once: bare names match any path component, globs with a slash
    match the path relative to the config root (and everything under it)."""

    def __init__(self, patterns: list[str]) -> None:
        names, paths = [], []
        for pat in patterns:
            pat = pat.rstrip("/")
            if "/" in pat:
                pat = pat.removeprefix("./")
                paths += [fnmatch.translate(pat), fnmatch.translate(pat + "/*")]
            else:
                names.append(fnmatch.translate(pat))
        self._name = re.compile("|".join(names)) if names else None
        self._path = re.compile("|".join(paths)) if paths else None

    def __call__(self, rel: str, name: str) -> bool:
        return bool(
            (self._name is not None and self._name.match(name))
            or (self._path is not None and self._path.match(rel))
        )


def relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def display_path(path: Path) -> str:
    """The path as users see it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()


def discover(
    paths: list[Path],
    root: Path,
    exclude: list[str],
    force_exclude: bool,
    suffixes: tuple[str, ...] = SUFFIXES,
) -> Iterator[Target]:
    """Yield targets in a stable order. Directories are walked; symlinks are not followed."""
    excluded = Excluder(exclude)
    for given in paths:
        if force_exclude and _path_excluded(given, root, excluded):
            continue
        if given.is_dir():
            yield from _walk(given, root, excluded, suffixes)
        else:
            yield Target(given, True, display_path(given), relative(given, root))


def _path_excluded(path: Path, root: Path, excluded: Excluder | list[str]) -> bool:
    if not isinstance(excluded, Excluder):
        excluded = Excluder(excluded)
    parts = relative(path, root).split("/")
    return any(excluded("/".join(parts[: i + 1]), parts[i]) for i in range(len(parts)))


def _join(base: str, name: str) -> str:
    return name if base in ("", ".") else f"{base}/{name}"


def _walk(top: Path, root: Path, excluded: Excluder, suffixes: tuple[str, ...]) -> Iterator[Target]:
    # Paths are joined as strings from the top: resolving each file costs more than reading it.
    stack = [(str(top), display_path(top), relative(top, root))]
    while stack:
        directory, shown, rel = stack.pop()
        try:
            with os.scandir(directory) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for e in entries:
            erel = _join(rel, e.name)
            if e.is_dir(follow_symlinks=False):
                if not excluded(erel, e.name):
                    subdirs.append((e.path, _join(shown, e.name), erel))
            elif e.name.endswith(suffixes) and not e.is_symlink() and not excluded(erel, e.name):
                yield Target(Path(e.path), False, _join(shown, e.name), erel)
        stack.extend(reversed(subdirs))
