"""Replay: a re-run over an unchanged tree prints what the last run printed, before importing the
linter.

A warm run's checking is settled by the stat index (`stat_index.py`); what is left is fixed cost:
Python's start, the imports (click and the standard modules it and orjson pull in, about 100 ms)
and one stat per file. When every file and folder a `check` run walked has a signature that the
stat index trusts (taken when its last change was settled, so any later change shows), and the
run printed nothing on stderr, the run records its output and exit code with everything they
depended on:

- the key, kept as its digest only (values of the environment stay out of the cache folder):
  the command line, working directory, Python, cachelint version, the environment variables
  that can change the report, whether stdout and stderr are terminals;
- the signature of every file checked and every folder walked, kept as hashes of runs of them,
  as the stat index keeps a folder's (CPython's hash of a tuple of integers is the same in
  every process; loading 20,000 signatures would cost more than stat-ing the files);
- present or absent, each config file name that could apply (upward from the working
  directory), the `.git` markers that place the repository root for reports, the sources of
  cachelint and its rule pages, the helper modules that findings depended on (read again,
  before recording, to check that they are the content the findings came from) and the files
  an import tried before it found one (which must stay absent).

`main` (the console script) looks the record up with only `os`, `sys` and `marshal` loaded: when
every signature still matches, it writes the recorded output and exits with the recorded code.
Anything else, a change, a missing or corrupt record, any error, is a miss and the run goes on.

Records live in the result cache folder, so `cachelint clean` removes them and `--no-cache`
neither reads nor writes them. A record is looked up in the folder that --cache-dir or
CACHELINT_CACHE_DIR name, else in the default folder next to each config that could apply; a
`cache-dir` set in a config is not read here, and such runs are not replayed. A record found in
any folder is sound: its key and signatures decide, not its place.
"""

from __future__ import annotations

import marshal
import os
import sys
import time
from operator import attrgetter

from cachelint import __version__

TYPE_CHECKING = False  # importing typing would cost a replay several ms
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TextIO

FORMAT = 1
DEFAULT_DIR = ".cachelint_cache"  # the result cache folder, next to the config
RUNS = "runs"  # records, in <cache>/<version>/runs/
MAX_RECORDS = 16  # per cache folder; one per command line and environment, the oldest go first
CONFIG_NAMES = ("cachelint.toml", ".cachelint.toml", "pyproject.toml")
# Environment variables that can change a run's output: cachelint's own, those of the services it
# formats reports for (CI_PROJECT_DIR), color, locale and Python's I/O encoding.
ENV_PREFIXES = ("CACHELINT_", "PYTHON", "LC_")
ENV_NAMES = frozenset(
    {"CI_PROJECT_DIR", "LANG", "LANGUAGE", "NO_COLOR", "FORCE_COLOR", "TERM", "COLUMNS"}
)
# Read only by --count-tokens, whose runs are never recorded (and never kept: secrets).
COUNT_TOKENS_ENV = frozenset({"ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"})
FILES_PER_HASH = 2048  # a changed file stops the check at the end of its run of files

_FILE = attrgetter("st_size", "st_mtime_ns", "st_ino", "st_ctime_ns")  # stat_index.Signature
_FOLDER = attrgetter("st_mtime_ns", "st_ctime_ns", "st_ino")  # stat_index.Listings

_recorder: Recorder | None = None


def main() -> None:
    """The console script: replay when possible, else run the command line interface."""
    global _recorder
    argv = sys.argv[1:]
    if eligible(argv):
        code = replay(argv)
        if code is not None:
            sys.exit(code)
        try:
            _recorder = Recorder(argv)
        except OSError:  # no working directory, an unreadable package: no record, same run
            _recorder = None
    from cachelint.cli import main as cli

    cli()


def eligible(argv: list[str]) -> bool:
    """Whether a run of this command line can be replayed (decided again after the run)."""
    return bool(argv) and argv[0] == "check" and "-" not in argv and "--no-cache" not in argv


def recorder() -> Recorder | None:
    """The recorder of this run, when it was started from the console script."""
    return _recorder


def key(argv: list[str]) -> tuple:
    env = tuple(
        sorted(
            (k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIXES) or k in ENV_NAMES
        )
    )
    ttys = tuple(None if s is None else s.isatty() for s in (sys.stdout, sys.stderr))
    return (FORMAT, __version__, sys.version, sys.executable, os.getcwd(), tuple(argv), env, ttys)


def record_name(material: tuple) -> str:
    try:  # the blake2 module alone, as in result_cache
        from _blake2 import blake2b
    except ImportError:  # pragma: no cover (other interpreters)
        from hashlib import blake2b
    return blake2b(repr(material).encode(), digest_size=16).hexdigest()


def replay(argv: list[str]) -> int | None:
    """Write the recorded output of this command line and return its exit code, when a record
    of it is found and still holds; None otherwise (nothing is written then)."""
    if sys.stdout is None:  # closed: the run reports that
        return None
    try:
        record = _find(argv)
    except Exception:  # a replay is only a shortcut: anything unexpected runs the linter
        return None
    if record is None:
        return None
    try:
        sys.stdout.write(record[-2])
        sys.stdout.flush()
    except OSError:  # the reader went away (a closed pipe): the run's outcome stands
        pass
    return record[-1]


def _find(argv: list[str]) -> tuple | None:
    name = record_name(key(argv))
    for folder in cache_folders(argv):
        try:
            with open(os.path.join(folder, __version__, RUNS, name), "rb") as f:
                record = marshal.loads(f.read())
        except (OSError, ValueError, EOFError, TypeError):
            continue
        if _holds(record, name):
            return record
    return None


def _holds(record: object, name: str) -> bool:
    """Whether the record is of this key and every signature in it still holds: the few
    (configs, markers, sources, helpers) and the folders first, then the files run by run, so
    that a changed file stops the check early."""
    if type(record) is not tuple or len(record) != 12 or record[0] != FORMAT:
        return False
    _, recorded, files, file_sigs, folders, folder_sigs, others, other_sigs, marks, flags = record[
        :10
    ]
    if recorded != name or type(record[-2]) is not str or type(record[-1]) is not int:
        return False
    if list(map(signature, others)) != other_sigs or list(map(os.path.exists, marks)) != flags:
        return False
    try:
        if hash(tuple(map(_FOLDER, map(os.stat, folders)))) != folder_sigs:
            return False
        start = 0
        for end, sigs in file_sigs:
            if hash(tuple(map(_FILE, map(os.stat, files[start:end])))) != sigs:
                return False
            start = end
    except OSError:
        return False
    return start == len(files)


def signature(path: str) -> tuple | None:
    """(size, mtime, inode, ctime) of a file or folder, None when there is none."""
    try:
        return _FILE(os.stat(path))
    except OSError:
        return None


def _option(argv: list[str], name: str) -> str | None:
    """The value of the last `name VALUE` or `name=VALUE` on the command line (click's rule)."""
    value = None
    for i, arg in enumerate(argv):
        if arg == name and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith(name + "="):
            value = arg[len(name) + 1 :]
    return value


def cache_folders(argv: list[str]) -> list[str]:
    """Where the result cache of this command line may be: --cache-dir, CACHELINT_CACHE_DIR, or
    the default folder next to each config that could apply, nearest first, then next to the
    working directory (no config)."""
    named = _option(argv, "--cache-dir") or os.environ.get("CACHELINT_CACHE_DIR")
    if named:
        return [named]
    config = _option(argv, "--config")
    if config:
        return [os.path.join(os.path.dirname(os.path.abspath(config)), DEFAULT_DIR)]
    roots = []
    for d in _upward(os.getcwd()):
        if any(os.path.isfile(os.path.join(d, n)) for n in CONFIG_NAMES[:2]):
            roots.append(d)
            break
        pyproject = os.path.join(d, "pyproject.toml")
        try:
            with open(pyproject, "rb") as f:
                if b"cachelint" in f.read():
                    roots.append(d)
        except OSError:  # none here (contextlib.suppress would cost the replay its import)
            pass
    roots.append(os.getcwd())
    return [os.path.join(r, DEFAULT_DIR) for r in roots]


def _upward(start: str) -> list[str]:
    out = [start]
    while (parent := os.path.dirname(out[-1])) != out[-1]:
        out.append(parent)
    return out


def _settled(st: os.stat_result, taken_ns: int) -> bool:
    from cachelint.stat_index import settled

    return settled(st.st_mtime_ns, taken_ns) and settled(st.st_ctime_ns, taken_ns)


class Inputs:
    """What a run's report depended on: the files (and their settled signatures), the walked
    folders (and theirs), and the helper modules (and the content digests it used)."""

    __slots__ = ("dependencies", "files", "folder_sigs", "folders", "signatures")

    def __init__(
        self,
        files: list[str],
        signatures: list[tuple],
        folders: list[str],
        folder_sigs: list[tuple],
        dependencies: dict[str, str | None],
    ) -> None:
        self.files, self.signatures = files, signatures
        self.folders, self.folder_sigs = folders, folder_sigs
        self.dependencies = dependencies


class Recorder:
    """Takes, before the run reads anything, the signatures of the config candidates and of
    cachelint itself; records the run at its end when it qualifies."""

    def __init__(self, argv: list[str]) -> None:
        self.taken = time.time_ns()
        self.argv = argv
        self.name = record_name(key(argv))  # taken now: the run may change the environment
        self.parts: list[str] = []  # what the report on stdout wrote
        cwd = os.getcwd()
        ancestors = _upward(cwd)
        paths = [os.path.join(d, n) for d in ancestors for n in CONFIG_NAMES]
        config = _option(argv, "--config")
        if config:
            paths.append(os.path.abspath(config))
        paths += _own_sources()
        self.others = paths
        self.marks = [os.path.join(d, ".git") for d in ancestors]
        self.ok = True
        self.other_sigs: list[tuple | None] = []
        for p in paths:
            try:
                st = os.stat(p)
            except OSError:
                self.other_sigs.append(None)
                continue
            self.ok = self.ok and _settled(st, self.taken)
            self.other_sigs.append(_FILE(st))
        self.flags = list(map(os.path.exists, self.marks))

    def named(self, paths: list[str]) -> None:
        """The paths named on the command line. Each is shown, excluded and matched to
        per-file ignores by the path it resolves to; a symlink on the way could later lead
        elsewhere with every recorded signature the same, so such runs are not recorded."""
        if any(os.path.realpath(p) != os.path.abspath(p) for p in paths):
            self.ok = False

    def stream(self, stream: TextIO) -> TextIO:
        """The report stream, with what is written to it kept for the record."""
        return _Tee(stream, self.parts)  # type: ignore[return-value]

    def finish(self, cache_dir: Path, inputs: Inputs | None, code: int) -> None:
        """Record the run, when it qualifies, in the result cache folder `cache_dir` (a
        record that cannot be written only costs the next run its shortcut). Not when the
        replay would not look there (a `cache-dir` set in a config)."""
        if not self.ok or inputs is None or code not in (0, 1):
            return
        if os.path.abspath(cache_dir) not in map(os.path.abspath, cache_folders(self.argv)):
            return
        import contextlib

        with contextlib.suppress(OSError, ValueError):
            self._write(cache_dir, inputs, code)

    def _write(self, cache_dir: Path, inputs: Inputs, code: int) -> None:
        others, other_sigs = list(self.others), list(self.other_sigs)
        for path, used in sorted(inputs.dependencies.items()):
            held, sig = _unchanged_content(path, used)
            if not held:
                return
            others.append(path)
            other_sigs.append(sig)
        sigs, step = inputs.signatures, FILES_PER_HASH
        record = (
            FORMAT,
            self.name,
            inputs.files,
            [
                (min(i + step, len(sigs)), hash(tuple(sigs[i : i + step])))
                for i in range(0, len(sigs), step)
            ],
            inputs.folders,
            hash(tuple(inputs.folder_sigs)),
            others,
            other_sigs,
            self.marks,
            self.flags,
            "".join(self.parts),
            code,
        )
        from cachelint.result_cache import atomic_write

        runs = cache_dir / __version__ / RUNS
        name = self.name
        atomic_write(runs / name, marshal.dumps(record), cache_dir)
        _prune(str(runs), keep=name)


def _unchanged_content(path: str, used: str | None) -> tuple[bool, tuple | None]:
    """Whether a helper module (or a file an import tried) is still as the findings used it:
    the content of the digest `used`, or absent when `used` is None; with its signature then
    (settled), or None for an absent file."""
    from cachelint.result_cache import file_digest

    if used is None:
        return signature(path) is None, None
    try:
        before = os.stat(path)
        now = file_digest(path)
        after = os.stat(path)
    except OSError:
        return False, None
    if now != used or _FILE(before) != _FILE(after) or not _settled(before, time.time_ns()):
        return False, None
    return True, _FILE(before)


def _prune(runs: str, keep: str) -> None:
    """Keep the MAX_RECORDS newest records (each command line and environment has its own)."""
    import contextlib

    try:
        with os.scandir(runs) as it:
            found = [(e.stat().st_mtime_ns, e.path) for e in it if e.name != keep and e.is_file()]
    except OSError:
        return
    found.sort(reverse=True)
    for _, path in found[MAX_RECORDS - 1 :]:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _own_sources() -> list[str]:
    """The folders and source files of the cachelint package and its rule pages: a record made
    by other code (an upgrade, an edit of a checkout) does not hold."""
    from cachelint.rule_pages import rules_dir

    package = os.path.dirname(os.path.abspath(__file__))
    out = []
    for top in (package, str(rules_dir())):
        for d, subdirs, files in os.walk(top):
            subdirs[:] = sorted(s for s in subdirs if s != "__pycache__")
            out.append(d)
            out += [os.path.join(d, f) for f in sorted(files)]
    return out


class _Tee:
    def __init__(self, stream: TextIO, parts: list[str]) -> None:
        self._stream, self._parts = stream, parts

    def write(self, text: str) -> int:
        self._parts.append(text)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> object:  # flush, isatty, encoding: the stream's
        return getattr(self._stream, name)
