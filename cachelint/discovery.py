"""Find the files to check under the given paths, honouring excludes."""

from __future__ import annotations

import fnmatch
import os
import re
import stat
from collections.abc import Callable, Iterator
from functools import partial
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

if TYPE_CHECKING:
    from cachelint.gitignore import GitIgnore

JSONL_SUFFIXES = (".jsonl", ".ndjson")
PAYLOAD_SUFFIXES = (".json", *JSONL_SUFFIXES)
PYTHON_SUFFIXES = (".py", ".pyi")
SUFFIXES = PAYLOAD_SUFFIXES + PYTHON_SUFFIXES
_NAME = attrgetter("name")


class Target:
    """A file to check. The `Path` is built on first use: a warm run over a large tree only needs
    the string, and building 20,000 `Path` objects costs more than stat-ing the files."""

    __slots__ = ("_path", "display", "explicit", "rel")

    def __init__(self, path: Path | str, explicit: bool, display: str = "", rel: str = "") -> None:
        self._path = path
        self.explicit = explicit  # named on the command line (always checked, unless excluded)
        self.display = display  # the path as reported (relative to the working directory)
        self.rel = rel  # relative to the config root, for excludes and per-file-ignores

    @property
    def path(self) -> Path:
        if isinstance(self._path, str):
            self._path = Path(self._path)
        return self._path

    @property
    def os_path(self) -> str | Path:
        """The path for `os` functions, without building a `Path`."""
        return self._path

    def __repr__(self) -> str:
        return f"Target({str(self._path)!r}, explicit={self.explicit}, display={self.display!r})"


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
                names.append(pat)
        self._names = names
        self._name = _any(names)
        self._path = re.compile("|".join(paths)) if paths else None

    def file_names(self, suffixes: tuple[str, ...]) -> re.Pattern | None:
        """The bare-name patterns that can match a file name ending in one of `suffixes`: a
        plain name must end in one, a glob must not end in a character that none ends with
        (".git", "build", "*.egg-info" never match a file walked), so that the walk need not
        try every pattern on every file."""
        ends = {s[-1] for s in suffixes}

        def can_match(p: str) -> bool:
            if not any(c in p for c in "*?["):
                return p.endswith(suffixes)
            return p[-1] in "*?]" or p[-1] in ends

        return _any([p for p in self._names if can_match(p)])

    def __call__(self, rel: str, name: str) -> bool:
        return bool(
            (self._name is not None and self._name.match(name))
            or (self._path is not None and self._path.match(rel))
        )


def _any(globs: list[str]) -> re.Pattern | None:
    return re.compile("|".join(map(fnmatch.translate, globs))) if globs else None


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


class Found(NamedTuple):
    """What a Target holds, before it is built. A warm run settles most files from these alone,
    and building objects for 20,000 files costs more than stat-ing them."""

    path: Path | str
    explicit: bool
    display: str
    rel: str


# Found from a tuple of its fields: a C call, where Found(...) costs the walk a Python call a file
_found = partial(tuple.__new__, Found)


# A folder or file the walk could not look into: (display path, path relative to the config
# root, why). The walk goes on; the caller reports it, so that what was not checked shows.
Problem = tuple[str, str, str]


def find(
    paths: list[Path],
    root: Path,
    exclude: list[str],
    force_exclude: bool,
    suffixes: tuple[str, ...] = SUFFIXES,
    listings: Listings | None = None,
    folders: list[tuple[str, int, int]] | None = None,
    cache_dir: Path | None = None,
    problems: list[Problem] | None = None,
    gitignore: bool = False,
) -> list[Found]:
    """The files to check in a stable order, each once (by the first path that leads to it).
    With `gitignore`, a walk leaves out what git ignores (`gitignore.py`).
    Directories are walked; symlinks are not followed. `folders` receives (folder, start, end)
    for the walked files of each folder: they are listed together, and `found[start:end]` are
    they. `problems` receives the folders that could not be listed and the entries that could
    not be stat-ed. The result cache folder `cache_dir` is never walked, whatever the excludes
    say (the run writes to it)."""
    excluded = Excluder(exclude)
    found: list[Found] = []
    try:
        cache = os.stat(cache_dir) if cache_dir is not None else None
    except OSError:
        cache = None  # not made yet: no walk before this one listed it
    tops: list[tuple[int, Path]] = []  # where each given path's files start in `found`
    for given in paths:
        if force_exclude and _path_excluded(given, root, excluded):
            continue
        tops.append((len(found), given))
        if is_folder(given):
            ignore = _git_ignore(given) if gitignore else None
            _walk(
                given, root, excluded, suffixes, found, listings, folders, cache, problems, ignore
            )
        else:
            found.append(Found(given, True, display_path(given), relative(given, root)))
    if len(tops) > 1 and _drop_repeats(found, tops) and folders is not None:
        folders.clear()  # positions moved: no folder summaries in such a run
    return found


def _git_ignore(top: Path) -> GitIgnore | None:
    """What git ignores in the work tree holding `top`, when there is one and its index reads."""
    from cachelint.gitignore import GitIgnore, repository

    repo = repository(top)
    ignore = GitIgnore(repo) if repo is not None else None
    return ignore if ignore is not None and ignore.usable else None


def is_folder(path: Path) -> bool:
    """Whether `path` is a directory (through symlinks); False when it cannot be stat-ed (reading
    it as a file then says why)."""
    return _is_kind(path, stat.S_ISDIR)


def is_file(path: Path) -> bool:
    """Whether `path` is a regular file (through symlinks); False when it cannot be stat-ed."""
    return _is_kind(path, stat.S_ISREG)


def _is_kind(path: Path, test: Callable[[int], bool]) -> bool:
    try:
        return test(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _real(path: Path | str) -> str:
    try:
        return os.path.realpath(path)
    except (OSError, ValueError, RuntimeError):
        return os.path.abspath(path)


def _drop_repeats(found: list[Found], tops: list[tuple[int, Path]]) -> bool:
    """Keep each file once, where it was first found, whichever given paths (a folder and a file
    in it, the same file named twice, two symlinks to it) led to it; a copy named on the command
    line makes the kept one explicit. The walk follows no symlink, so a walked file's real path
    is its top's, followed by the rest of its path. True when `found` changed."""
    keys: list[str] = []
    for i, (start, top) in enumerate(tops):
        end = tops[i + 1][0] if i + 1 < len(tops) else len(found)
        real = _real(top)
        cut = len(str(top))
        keys += [
            real + str(f.path)[cut:] if not f.explicit else _real(f.path) for f in found[start:end]
        ]
    first: dict[str, int] = {}
    kept: list[Found] = []
    for key, f in zip(keys, found, strict=True):
        at = first.setdefault(key, len(kept))
        if at == len(kept):
            kept.append(f)
        elif f.explicit and not kept[at].explicit:
            kept[at] = kept[at]._replace(explicit=True)
    changed = kept != found
    found[:] = kept
    return changed


def discover(
    paths: list[Path],
    root: Path,
    exclude: list[str],
    force_exclude: bool,
    suffixes: tuple[str, ...] = SUFFIXES,
    problems: list[Problem] | None = None,
) -> Iterator[Target]:
    """`find`, as targets."""
    found = find(paths, root, exclude, force_exclude, suffixes, problems=problems)
    return (Target(*f) for f in found)


def _path_excluded(path: Path, root: Path, excluded: Excluder | list[str]) -> bool:
    if not isinstance(excluded, Excluder):
        excluded = Excluder(excluded)
    parts = relative(path, root).split("/")
    return any(excluded("/".join(parts[: i + 1]), parts[i]) for i in range(len(parts)))


def _walk(
    top: Path,
    root: Path,
    excluded: Excluder,
    suffixes: tuple[str, ...],
    found: list[Found],
    listings: Listings | None = None,
    folders: list[tuple[str, int, int]] | None = None,
    cache: os.stat_result | None = None,
    problems: list[Problem] | None = None,
    ignore: GitIgnore | None = None,
) -> None:
    # Paths are joined as strings from the top, in one loop without calls or generators per
    # entry: on a warm run over a large tree, the walk is a third of the time.
    add = found.append
    by_name = excluded._name.match if excluded._name is not None else None
    file_names = excluded.file_names(suffixes)
    by_file_name = file_names.match if file_names is not None else None
    by_path = excluded._path.match if excluded._path is not None else None
    stack = [(str(top), display_path(top), relative(top, root))]
    while stack:
        directory, shown, rel = stack.pop()
        rel_prefix = "" if rel in ("", ".") else rel + "/"
        shown_prefix = "" if shown in ("", ".") else shown + "/"
        start = len(found)
        known = listings.lookup(directory) if listings is not None else None
        if known is not None:  # the folder's entries are as the last walk found them
            at = directory if directory.endswith(os.sep) else directory + os.sep
            for name in known[0]:
                add(_found((at + name, False, shown_prefix + name, rel_prefix + name)))
            subdirs = [(at + n, shown_prefix + n, rel_prefix + n) for n in known[1]]
        else:
            try:
                with os.scandir(directory) as it:
                    entries = sorted(it, key=_NAME)
            except OSError as err:
                if problems is not None:
                    problems.append((shown or ".", rel, f"cannot list folder: {_why(err)}"))
                continue
            subdirs, kept, kept_dirs = [], [], []
            unseen = False  # an entry not stat-ed: the listing is not kept, so it shows again
            for e in entries:
                name = e.name
                try:  # the listing gives the entry types; a stat only where a filesystem does not
                    if e.is_dir(follow_symlinks=False):
                        erel = rel_prefix + name
                        if cache is not None and e.inode() == cache.st_ino and _same(e, cache):
                            continue
                        if not ((by_name and by_name(name)) or (by_path and by_path(erel))):
                            subdirs.append((e.path, shown_prefix + name, erel))
                            kept_dirs.append(name)
                    elif name.endswith(suffixes) and not e.is_symlink():
                        erel = rel_prefix + name
                        if not (
                            (by_file_name and by_file_name(name)) or (by_path and by_path(erel))
                        ):
                            add(_found((e.path, False, shown_prefix + name, erel)))
                            kept.append(name)
                except OSError as err:
                    unseen = True
                    erel = rel_prefix + name
                    if problems is not None and not (
                        (by_name and by_name(name)) or (by_path and by_path(erel))
                    ):
                        problems.append((shown_prefix + name, erel, f"cannot stat: {_why(err)}"))
            if listings is not None and not unseen:
                listings.store(directory, kept, kept_dirs)
        if ignore is not None:  # after the listing is kept: a .gitignore can change alone
            subdirs = _not_ignored(ignore, directory, found, start, subdirs)
        if folders is not None and len(found) > start:
            folders.append((shown_prefix[:-1], start, len(found)))
        stack.extend(reversed(subdirs))


def _not_ignored(
    ignore: GitIgnore, directory: str, found: list[Found], start: int, subdirs: list
) -> list:
    """Drop from `found[start:]` the files of `directory` that git ignores; the subfolders it
    does not ignore."""
    names = [os.path.basename(f.path) for f in found[start:]]
    kept = set(ignore.keep(directory, names, False))
    if len(kept) < len(names):
        found[start:] = [f for f, n in zip(found[start:], names, strict=True) if n in kept]
    dir_names = [os.path.basename(d[0]) for d in subdirs]
    kept_dirs = set(ignore.keep(directory, dir_names, True))
    return [d for d, n in zip(subdirs, dir_names, strict=True) if n in kept_dirs]


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def _same(entry: os.DirEntry, st: os.stat_result) -> bool:
    try:
        return os.path.samestat(entry.stat(follow_symlinks=False), st)
    except OSError:
        return False


class Listings(Protocol):
    """Remembered folder listings (cache.stat_index.Listings): what a walk kept of a folder whose
    entries have not changed since."""

    def lookup(self, directory: str) -> tuple[list[str], list[str]] | None:
        """(file names, subfolder names) kept in `directory`, when it is unchanged."""

    def store(self, directory: str, files: list[str], subdirs: list[str]) -> None:
        """What the walk kept in `directory`, just listed after `lookup` missed."""
