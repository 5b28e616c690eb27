"""Run a check: find files, read them safely, lint, filter by selection and ignores, sort."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cachelint.checks import Context, load_all
from cachelint.config import Config
from cachelint.count_tokens import DEFAULT_BASE_URL, TokenCounter
from cachelint.discovery import Target, discover, relative
from cachelint.findings import Finding
from cachelint.models import ModelTable
from cachelint.payload.source import JSONL_SUFFIXES, lint_json, lint_jsonl
from cachelint.report import unparsable
from cachelint.selection import PerFileIgnores, Selection, is_ignored
from cachelint.session.folder import lint_log_folder, natural_key
from cachelint.tokens import Estimator

# A walked file that never mentions caching cannot hold a cache defect: skip it unparsed.
_CANDIDATE = re.compile(rb"[cC][aA][cC][hH][eE]")


@dataclass
class RunResult:
    findings: list[Finding] = field(default_factory=list)
    files_checked: int = 0
    files_skipped: int = 0


@dataclass
class Options:
    select: list[str] | None = None
    extend_select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    model: str | None = None
    force_exclude: bool = False
    count_tokens: bool = False


class Engine:
    def __init__(self, config: Config, options: Options) -> None:
        load_all()
        self.config = config
        self.selection = Selection(
            options.select if options.select is not None else config.select,
            [*config.extend_select, *options.extend_select],
            [*config.ignore, *options.ignore],
        )
        self.per_file = PerFileIgnores(config.per_file_ignores)
        models = ModelTable(config.models)
        self.context = Context(
            models=models,
            estimator=Estimator(models.estimator),
            default_model=options.model or config.default_model,
            platform=config.platform,
            counter=_counter() if options.count_tokens or config.count_tokens else None,
            conversation_key=config.conversation_key,
        )
        self.force_exclude = options.force_exclude

    def _selector(self, display: str) -> Callable[[str], bool]:
        ignored = self.per_file.ignored(relative(Path(display), self.config.root))
        if not ignored:
            return self.selection
        return lambda code: self.selection(code) and not is_ignored(code, ignored)

    def lint_bytes(self, data: bytes, display: str) -> list[Finding]:
        selected = self._selector(display)
        if display.endswith(JSONL_SUFFIXES):
            return lint_jsonl(io.BytesIO(data), display, self.context, selected)
        return lint_json(data, display, self.context, selected)

    def lint_target(self, target: Target) -> list[Finding] | None:
        """Findings for one file, or None when it was skipped without parsing."""
        display = _display(target.path)
        selected = self._selector(display)
        try:
            size = target.path.stat().st_size
            if size > self.config.max_file_size and not display.endswith(JSONL_SUFFIXES):
                return _cl000(
                    selected,
                    display,
                    f"file is {size:,} bytes, over the "
                    f"max-file-size limit of {self.config.max_file_size:,}",
                )
            if display.endswith(JSONL_SUFFIXES):
                with open(target.path, "rb") as f:
                    if not target.explicit and not _candidate_stream(f):
                        return None
                    f.seek(0)
                    return lint_jsonl(f, display, self.context, selected, self.config.max_file_size)
            data = target.path.read_bytes()
        except OSError as e:
            return _cl000(selected, display, f"cannot read file: {e.strerror or e}")
        if not target.explicit and not _CANDIDATE.search(data):
            return None
        return lint_json(data, display, self.context, selected)

    def run(self, paths: list[Path], log_dirs: list[Path] = ()) -> RunResult:
        """Lint paths; files inside `log_dirs` are left to `run_log_dir`."""
        result = RunResult()
        skip = [d.resolve() for d in log_dirs]
        for target in discover(paths, self.config.root, self.config.exclude, self.force_exclude):
            if skip and any(target.path.resolve().is_relative_to(d) for d in skip):
                continue
            found = self.lint_target(target)
            if found is None:
                result.files_skipped += 1
                continue
            result.files_checked += 1
            result.findings.extend(found)
        result.findings.sort(key=Finding.sort_key)
        return result

    def run_log_dir(self, directory: Path) -> RunResult:
        """The .json files of a folder read as one request log (session rules across files)."""
        targets = discover(
            [directory], self.config.root, self.config.exclude, False, suffixes=(".json",)
        )
        files = sorted(
            ((t.path, _display(t.path)) for t in targets),
            key=lambda f: natural_key(f[0].relative_to(directory).as_posix()),
        )
        found = lint_log_folder(files, self.context, self._selector, self.config.max_file_size)
        return RunResult(sorted(found, key=Finding.sort_key), files_checked=len(files))


class CounterUnavailable(Exception):
    """--count-tokens without an API key (a usage error)."""


def _counter() -> TokenCounter:
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise CounterUnavailable("--count-tokens needs ANTHROPIC_API_KEY in the environment")
    return TokenCounter(key, os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL)


def _cl000(selected: Callable[[str], bool], display: str, msg: str) -> list[Finding]:
    return [unparsable(display, msg)] if selected("CL000") else []


def _candidate_stream(f, chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := f.read(chunk):
        if _CANDIDATE.search(tail + block):
            return True
        tail = block[-4:]
    return False


def _display(path: Path) -> str:
    """The path as users see it: relative to the working directory when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError):
        return path.as_posix()
