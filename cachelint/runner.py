"""Check many files: the stat index settles the unchanged ones without reading them, the result
cache those whose content it knows, worker processes (when there are enough) lint the rest, and
findings come in a deterministic order whatever the number of workers."""

from __future__ import annotations

import gc
import os
import time
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import NamedTuple

from cachelint.cache.folder import CacheFolder
from cachelint.cache.results import ResultCache, digest, file_digest
from cachelint.cache.stat_index import (
    CACHED,
    CLEAN,
    SKIPPED,
    Entry,
    FolderSummary,
    Listings,
    StatIndex,
    entry,
    folder_digest,
    index_path,
    unchanged,
)
from cachelint.config import Config
from cachelint.discovery import JSONL_SUFFIXES, Found, Target, display_path, is_folder
from cachelint.engine import Engine, Options, uninteresting
from cachelint.findings import Finding
from cachelint.reading import read_regular

# Below this many files, starting workers costs more than it saves.
PARALLEL_MIN_FILES = 64
_CHUNK = 16


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    files_skipped: int = 0
    cache_hits: int = 0
    internal_errors: list[str] = field(default_factory=list)  # "path: Type: message"


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


class Outcome(NamedTuple):
    """What a run makes of one file."""

    findings: list[Finding] | None  # None: skipped unparsed
    cached: bool = False  # settled by the stat index or the result cache
    error: str | None = None  # "path: Type: message" of an internal error


_SKIP = Outcome(None)
_CLEAN = Outcome([], True)  # findings lists are never changed in place
_BY_KIND = {SKIPPED: _SKIP, CLEAN: _CLEAN}


class _Worker:
    """One engine (and cache handle) per process, checking targets one by one."""

    def __init__(self, engine: Engine, store: CacheFolder | None) -> None:
        self.engine = engine
        self.cache = ResultCache(store, engine.settings_key()) if store else None
        self.summarised: set[str] = set()  # folders settled by their summary

    def check(self, target: Target) -> tuple[Outcome, Entry | None]:
        """The outcome for a file and its stat index entry (None when nothing worth recording
        was learned)."""
        checked = self.check_or_defer(target)
        assert checked is not None  # linted when not known otherwise
        return checked

    def check_or_defer(
        self, target: Target, lint: bool = True
    ) -> tuple[Outcome, Entry | None] | None:
        """As `check`; with `lint` False, None when the file would have to be linted."""
        taken = time.time_ns()  # before the stat, which comes before the read
        try:
            st = os.stat(target.os_path)
        except OSError:
            st = None  # lint_target reports it
        data = None
        quiet = None  # whether the walk would skip the file unparsed (None: not known)
        if (
            st is not None
            and not target.path.name.endswith(JSONL_SUFFIXES)  # logs are streamed, never loaded
            and st.st_size <= self.engine.config.max_file_size
        ):
            try:
                data = read_regular(target.os_path, self.engine.config.max_file_size, st)
            except OSError:
                pass  # lint_target reports it
            else:
                quiet = uninteresting(target.path.name, data)
                if quiet and not target.explicit:
                    return _SKIP, self._entry(target, st, taken, SKIPPED, "", quiet)
        content = None
        if self.cache is not None:
            content = digest(data) if data is not None else file_digest(target.path)
            cached = self.cache.get(target.display, content) if content else None
            if cached is not None:
                kind = CACHED if cached.findings or cached.has_dependencies else CLEAN
                entry = self._entry(target, st, taken, kind, content or "", quiet)
                return Outcome(cached.findings, True), entry
        if not lint:
            return None
        result = self.engine.lint_target(target, data)
        found, deps = result.findings, result.dependencies
        error = f"{target.display}: {result.error}" if result.error else None
        record = None
        if content is not None and found is None:  # a log skipped while streaming it
            record = self._entry(target, st, taken, SKIPPED, "", True)
        elif content is not None and result.cacheable:
            assert self.cache is not None and found is not None  # content: the cache is on
            self.cache.put(target.display, content, found, deps)
            kind = CACHED if found or deps else CLEAN
            record = self._entry(target, st, taken, kind, content, quiet)
        return Outcome(found, False, error), record

    def settle(
        self,
        files: list[Found],
        index: StatIndex,
        groups: list[tuple[str, int, int]],
    ) -> list[Outcome | None]:
        """The outcome of each file that the stat index settles without linting (None for the
        others): first the walked folders (`groups`, from `discovery.find`) by their summary,
        then file by file. A file whose signature is unchanged is not even read: on a warm run
        over a large tree, this is most of the work, so it builds no target for such files. A
        file whose signature changed is read and its content looked up in the result cache.
        (A forked child stat-ing half of the files was measured on two CPUs: its copy-on-write
        faults cost what it saved.)"""
        outcomes: list[Outcome | None] = [None] * len(files)
        if index.folders:
            self._settle_folders(files, index, groups, outcomes)
        rest = [i for i, o in enumerate(outcomes) if o is None]
        if rest:
            settled = self._settle([files[i] for i in rest], index)
            for i, outcome in zip(rest, settled, strict=True):
                outcomes[i] = outcome
        return outcomes

    def _settle_folders(
        self,
        files: list[Found],
        index: StatIndex,
        groups: list[tuple[str, int, int]],
        outcomes: list[Outcome | None],
    ) -> None:
        """Fill in the outcomes of the walked folders whose files still match their summary."""
        folders = index.folders
        matched = _matching_folders(files, groups, folders)
        for (folder, start, end), ok in zip(groups, matched, strict=True):
            if ok:
                outcomes[start:end] = map(_BY_KIND.__getitem__, folders[folder].outcomes)
                self.summarised.add(folder)

    def _settle(self, files: list[Found], index: StatIndex) -> list[Outcome | None]:
        outcomes: list[Outcome | None] = []
        entries = index.load([f.display for f in files])  # the shards holding them
        append, get, stat = outcomes.append, entries.get, os.stat
        for found in files:
            e = get(found.display)
            outcome = None
            if e is not None and not (found.explicit and e.outcome == SKIPPED):
                try:
                    st = stat(found.path)
                except OSError:
                    st = None
                if st is None:
                    pass  # checking it reports the error
                elif not unchanged(e, st):
                    outcome = self._verify(Target(*found), index)
                elif e.outcome == SKIPPED:
                    outcome = _SKIP
                elif e.outcome == CLEAN:
                    outcome = _CLEAN
                elif self.cache is not None:
                    cached = self.cache.get(found.display, e.content)
                    outcome = None if cached is None else Outcome(cached.findings, True)
            append(outcome)
        return outcomes

    def _verify(self, target: Target, index: StatIndex) -> Outcome | None:
        """The outcome of a file whose signature changed, when its content is known."""
        verified = self.check_or_defer(target, lint=False)
        if verified is None:
            return None
        outcome, e = verified
        if e is not None:
            index.record(target.display, e)
        return outcome

    def _entry(
        self,
        target: Target,
        st: os.stat_result | None,
        taken: int,
        outcome: str,
        content: str,
        quiet: bool | None,
    ) -> Entry | None:
        """The index entry, which tells what the walk does with the file: a file named on the
        command line is always checked, so its findings stand for the walk only when the walk
        would not skip it."""
        if self.cache is None or st is None:
            return None
        if target.explicit and outcome != SKIPPED:
            if quiet is None:
                return None  # a log, streamed: what the walk would do with it is not known
            if quiet:
                outcome, content = SKIPPED, ""
        return entry(st, taken, outcome, content)


def _matching_folders(
    files: list[Found], groups: list[tuple[str, int, int]], folders: dict[str, FolderSummary]
) -> list[bool]:
    """For each folder, whether its files still give the digest of its summary."""
    out = []
    stat, path, shown = os.stat, attrgetter("path"), attrgetter("display")
    for folder, start, end in groups:
        summary = folders.get(folder)
        ok = False
        if (
            summary is not None
            and type(summary.outcomes) is str
            and len(summary.outcomes) == end - start
            and set(summary.outcomes) <= _BY_KIND.keys()
        ):
            group = files[start:end]
            try:  # the Signature of each file (this loop is most of a warm run)
                stats = map(stat, map(path, group))
                signatures = [(s.st_size, s.st_mtime_ns, s.st_ino, s.st_ctime_ns) for s in stats]
            except OSError:
                signatures = []
            ok = (
                bool(signatures)
                and folder_digest(list(map(shown, group)), signatures) == summary.digest
            )
        out.append(ok)
    return out


_WORKER: _Worker | None = None


def _tune_gc() -> None:
    """Parsing builds many short-lived, acyclic objects: collect young objects less often, and
    leave the objects made by imports and setup out of every later full collection."""
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def _init_worker(config: Config, options: Options, store: CacheFolder | None) -> None:
    global _WORKER
    _WORKER = _Worker(Engine(config, options), store)
    _tune_gc()


def _check_chunk(targets: list[Target]) -> list[tuple[Outcome, Entry | None]]:
    """The outcomes and entries of `targets`."""
    assert _WORKER is not None
    return [_WORKER.check(t) for t in targets]


def run(
    engine: Engine,
    paths: list[Path],
    *,
    jobs: int = 1,
    store: CacheFolder | None = None,
    skip_dirs: tuple[Path, ...] = (),
) -> RunResult:
    """Check paths; files inside `skip_dirs` (folders read as request logs) are left out."""
    _tune_gc()  # the walk, the index and the checks allocate many objects, few of them cyclic
    if engine.counts_tokens:
        # exact counts come from a service: not cached, and errors stay in this process
        jobs, store = 1, None
    worker = _Worker(engine, store)
    index = listings = None
    tops = [display_path(p) for p in paths if is_folder(p)]
    folder = None
    if store is not None and worker.cache is not None:
        folder = index_path(worker.cache.dir, Path.cwd(), engine.config.root)
        listings = Listings(store, folder / "listings.summary") if tops else None
    groups: list[tuple[str, int, int]] = []  # (folder, start, end) of the walked files
    files = engine.files(paths, listings, groups, store.root if store else None)
    if skip_dirs:
        skip = [d.resolve() for d in skip_dirs]
        files = [
            f for f in files if not any(Path(f.path).resolve().is_relative_to(d) for d in skip)
        ]
        groups = []  # positions moved: no folder summaries in such a run
    if folder is not None and store is not None:
        # a walk reads the folder summaries, then the shards of the folders that changed (and
        # forgets what it no longer finds there); named files (as pre-commit passes them) only
        # the shards that hold them
        index = StatIndex(store, folder, None if tops else [f.display for f in files])
    outcomes: list[Outcome | None] = (
        worker.settle(files, index, groups) if index is not None else [None] * len(files)
    )
    rest = [i for i, o in enumerate(outcomes) if o is None]
    targets = [Target(*files[i]) for i in rest]
    if jobs > 1 and len(targets) >= PARALLEL_MIN_FILES:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        chunks = [targets[i : i + _CHUNK] for i in range(0, len(targets), _CHUNK)]
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ProcessPoolExecutor(
            jobs,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(engine.config, engine.options, store),
        ) as pool:
            checked = []
            for chunk in pool.map(_check_chunk, chunks):
                checked += chunk
    else:
        checked = [worker.check(t) for t in targets]
    for i, t, (outcome, e) in zip(rest, targets, checked, strict=True):
        outcomes[i] = outcome
        if index is not None and e is not None:
            index.record(t.display, e)
    if index is not None:
        if tops:
            for shown, start, end in groups:
                if shown not in worker.summarised:
                    index.summarise(shown, [f.display for f in files[start:end]])
        index.save({f.display for f in files} if index.shards_read else set(), tops)
        if listings is not None:
            listings.save()
    result = RunResult()
    # most outcomes of a warm run are one of these two (counted at C speed, by value)
    result.files_skipped = outcomes.count(_SKIP)
    result.files_checked = result.cache_hits = outcomes.count(_CLEAN)
    for found, hit, error in (o for o in outcomes if o is not None and o not in (_SKIP, _CLEAN)):
        if error is not None:
            result.internal_errors.append(error)
        if found is None:
            result.files_skipped += 1
            continue
        result.files_checked += 1
        result.cache_hits += hit
        result.findings.extend(found)
    result.findings += engine.walk_findings  # folders not listed: the run cannot pass
    result.findings.sort(key=Finding.sort_key)
    return result
