"""Check many files: result cache lookups, worker processes when there are enough files, and
findings in a deterministic order whatever the number of workers."""

from __future__ import annotations

import gc
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from cachelint.config import Config
from cachelint.discovery import Target
from cachelint.engine import Engine, Options
from cachelint.findings import Finding
from cachelint.payload.source import JSONL_SUFFIXES
from cachelint.result_cache import ResultCache, digest, file_digest

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


# (findings, or None when skipped unparsed; whether they came from the cache; internal error)
_Outcome = tuple[list[Finding] | None, bool, str | None]


class _Worker:
    """One engine (and cache handle) per process, checking targets one by one."""

    def __init__(self, engine: Engine, cache_dir: Path | None) -> None:
        self.engine = engine
        self.cache = ResultCache(cache_dir, engine.fingerprint()) if cache_dir else None

    def check(self, target: Target) -> _Outcome:
        """(findings, or None when skipped unparsed; whether it came from the cache; an
        internal error message)."""
        data = None
        if not target.path.name.endswith(JSONL_SUFFIXES):  # logs are streamed, never loaded
            try:
                if target.path.stat().st_size <= self.engine.config.max_file_size:
                    data = target.path.read_bytes()
            except OSError:
                pass  # lint_target reports it
            else:
                if self.engine.skippable(target, data):
                    return None, False, None
        content = None
        if self.cache is not None:
            content = digest(data) if data is not None else file_digest(target.path)
            cached = self.cache.get(target.display, content) if content else None
            if cached is not None:
                return cached, True, None
        found = self.engine.lint_target(target, data)
        error = f"{target.display}: {self.engine.last_error}" if self.engine.last_error else None
        if content is not None and found is not None and self.engine.last_cacheable:
            self.cache.put(target.display, content, found, tuple(self.engine.last_dependencies))
        return found, False, error


_WORKER: _Worker | None = None


def _tune_gc() -> None:
    """Parsing builds many short-lived, acyclic objects: collect young objects less often, and
    leave the objects made by imports and setup out of every later full collection."""
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def _init_worker(config: Config, options: Options, cache_dir: Path | None) -> None:
    global _WORKER
    _WORKER = _Worker(Engine(config, options), cache_dir)
    _tune_gc()


def _check_chunk(targets: list[Target]) -> list[_Outcome]:
    assert _WORKER is not None
    return [_WORKER.check(t) for t in targets]


def run(
    engine: Engine,
    paths: list[Path],
    *,
    jobs: int = 1,
    cache_dir: Path | None = None,
    skip_dirs: tuple[Path, ...] = (),
) -> RunResult:
    """Check paths; files inside `skip_dirs` (folders read as request logs) are left out."""
    targets = engine.targets(paths)
    if skip_dirs:
        skip = [d.resolve() for d in skip_dirs]
        targets = [t for t in targets if not any(t.path.resolve().is_relative_to(d) for d in skip)]
    if engine.context.counter is not None:
        # exact counts come from a service: not cached, and errors stay in this process
        jobs, cache_dir = 1, None
    if jobs > 1 and len(targets) >= PARALLEL_MIN_FILES:
        chunks = [targets[i : i + _CHUNK] for i in range(0, len(targets), _CHUNK)]
        ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
        with ProcessPoolExecutor(
            jobs,
            mp_context=ctx,
            initializer=_init_worker,
            initargs=(engine.config, engine.options, cache_dir),
        ) as pool:
            outcomes = [o for chunk in pool.map(_check_chunk, chunks) for o in chunk]
    else:
        worker = _Worker(engine, cache_dir)
        _tune_gc()
        outcomes = [worker.check(t) for t in targets]
    result = RunResult()
    for found, hit, error in outcomes:
        if error is not None:
            result.internal_errors.append(error)
        if found is None:
            result.files_skipped += 1
            continue
        result.files_checked += 1
        result.cache_hits += hit
        result.findings.extend(found)
    result.findings.sort(key=Finding.sort_key)
    return result
