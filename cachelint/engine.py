"""Run a check: find files, read them safely, lint, filter by selection and ignores, sort."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from cachelint.config import Config
from cachelint.discovery import (
    JSONL_SUFFIXES,
    PYTHON_SUFFIXES,
    SUFFIXES,
    Found,
    Listings,
    Problem,
    Target,
    discover,
    display_path,
    find,
    is_file,
    relative,
)
from cachelint.findings import Finding
from cachelint.python.prefilter import worth_parsing
from cachelint.reading import open_regular, read_error, read_regular
from cachelint.selection import PerFileIgnores, Selection, is_ignored

# The rules, payload, session and count_tokens modules are imported on first use: a warm run
# served by the result cache needs none of them.
if TYPE_CHECKING:
    from cachelint.count_tokens import TokenCounter
    from cachelint.python.project import Project
    from cachelint.rule_api import Context

# A walked file that never mentions caching cannot hold a cache defect: skip it unparsed. JSON
# may spell any letter as an escape (`"\u0063ache_control"`): those of ASCII characters are
# decoded before looking again, so that a walk and a named file agree.
_CANDIDATE = re.compile(rb"[cC][aA][cC][hH][eE]")
_ASCII_ESCAPE = re.compile(rb"\\u00([0-7][0-9a-fA-F])")


class FileResult(NamedTuple):
    """What checking one file gave."""

    findings: list[Finding] | None  # None: skipped without parsing
    dependencies: tuple[str, ...] = ()  # other files whose content the findings depend on
    cacheable: bool = True  # False for a partial result (the analysis stopped early)
    error: str | None = None  # "Type: message" of an unexpected exception (a bug in cachelint)


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
        self.config = config
        self.selection = Selection(
            options.select if options.select is not None else config.select,
            [*config.extend_select, *options.extend_select],
            [*config.ignore, *options.ignore],
        )
        self.per_file = PerFileIgnores(config.per_file_ignores)
        self.counts_tokens = options.count_tokens or config.count_tokens
        if self.counts_tokens:
            _api_key()  # a usage error before any file is read
        self.force_exclude = options.force_exclude
        self.options = options
        self._project: Project | None = None  # created on first use
        self.walk_findings: list[Finding] = []  # of the last `files`

    @cached_property
    def context(self) -> Context:
        """What the rules need (rule registry, model table, estimator), loaded on first use."""
        from cachelint.checks import load_all
        from cachelint.models import ModelTable
        from cachelint.rule_api import Context
        from cachelint.tokens import Estimator

        load_all()
        models = ModelTable(self.config.models)
        return Context(
            models=models,
            estimator=Estimator(models.estimator),
            default_model=self.options.model or self.config.default_model,
            platform=self.config.platform,
            counter=_counter() if self.counts_tokens else None,
            conversation_key=self.config.conversation_key,
        )

    def _lint_python(self, data: bytes, display: str, path: Path | None, selected) -> FileResult:
        # the Python analysis is imported on first use: payload-only and warm runs never pay for it
        from cachelint.python.project import Project
        from cachelint.python.source import lint_python

        if self._project is None:
            self._project = Project(self.config.root)  # helper modules parsed once per run
        project = self._project
        found = lint_python(
            data,
            display,
            path,
            self.context,
            selected,
            project,
            self.config.volatile_names,
            self.config.python_timeout,
        )
        own = {path, project.real(path)} if path is not None else set()
        return FileResult(
            found,
            tuple(sorted(str(p) for p in project.touched - own)),
            project.stopped is None and project.error is None,
            project.error,
        )

    def _selector(self, display: str, rel: str = "") -> Callable[[str], bool]:
        if not self.per_file.rules:
            return self.selection
        ignored = self.per_file.ignored(rel or relative(Path(display), self.config.root))
        if not ignored:
            return self.selection
        return lambda code: self.selection(code) and not is_ignored(code, ignored)

    def lint_bytes(self, data: bytes, display: str, kind: str | None = None) -> list[Finding]:
        """Findings for bytes shown as `display`, read as the file name `kind` says (default:
        `display`; stdin is shown as "-" whatever it holds)."""
        from cachelint.payload.source import lint_json, lint_jsonl

        selected = self._selector(display)
        if len(data) > self.config.max_file_size:  # held whole, even a log
            limit = self.config.max_file_size
            return _cl000(selected, display, f"input is over the max-file-size limit of {limit:,}")
        kind = kind or display
        if kind.endswith(JSONL_SUFFIXES):
            return lint_jsonl(io.BytesIO(data), display, self.context, selected)
        if kind.endswith(PYTHON_SUFFIXES):
            path = Path(display)
            python = self._lint_python(data, display, path if is_file(path) else None, selected)
            return python.findings or []
        return lint_json(data, display, self.context, selected)

    def skippable(self, target: Target, data: bytes) -> bool:
        """A walked file whose bytes show it cannot concern caching: not worth parsing."""
        return not target.explicit and uninteresting(target.path.name, data)

    def lint_target(self, target: Target, data: bytes | None = None) -> FileResult:
        """Check one file (its bytes, when already read). A bug in cachelint becomes a CL000
        for this file (and the result's `error`), so the run goes on."""
        display = target.display or display_path(target.path)
        selected = self._selector(display, target.rel)
        try:
            return self._lint_target(target, display, selected, data)
        except Exception as e:
            if os.environ.get("CACHELINT_DEBUG"):
                raise
            error = f"{type(e).__name__}: {e}"
            why = f"internal error while checking this file ({error}); please report it"
            return FileResult(_cl000(selected, display, why), cacheable=False, error=error)

    def _lint_target(
        self, target: Target, display: str, selected, data: bytes | None
    ) -> FileResult:
        if data is not None:
            return self._lint_data(target, display, data, selected)
        try:
            if display.endswith(JSONL_SUFFIXES):  # streamed: only a line is held at a time
                from cachelint.payload.source import lint_jsonl

                with open_regular(target.os_path) as f:
                    if not target.explicit and not _candidate_stream(f):
                        return _SKIPPED
                    f.seek(0)
                    limit = self.config.max_file_size
                    return FileResult(lint_jsonl(f, display, self.context, selected, limit))
            data = read_regular(target.os_path, self.config.max_file_size)
        except OSError as e:
            return FileResult(_cl000(selected, display, read_error(e)))
        return self._lint_data(target, display, data, selected)

    def _lint_data(self, target: Target, display: str, data: bytes, selected) -> FileResult:
        if self.skippable(target, data):
            return _SKIPPED
        if display.endswith(PYTHON_SUFFIXES):
            return self._lint_python(data, display, target.path, selected)
        from cachelint.payload.source import lint_json

        found = lint_json(data, display, self.context, selected)
        if not target.explicit and _other_json(found, data):
            return _SKIPPED
        return FileResult(found)

    def files(
        self,
        paths: list[Path],
        listings: Listings | None = None,
        folders: list[tuple[str, int, int]] | None = None,
        cache_dir: Path | None = None,
    ) -> list[Found]:
        """The files to check under `paths` (see `discovery.find`); `walk_findings` the CL000
        findings of the folders and entries the walk could not look into."""
        config = self.config
        problems: list[Problem] = []
        found = find(
            paths,
            config.root,
            config.exclude,
            self.force_exclude,
            SUFFIXES,
            listings,
            folders,
            cache_dir,
            problems,
            gitignore=config.respect_gitignore,
        )
        self.walk_findings = self._problem_findings(problems)
        return found

    def _problem_findings(self, problems: list[Problem]) -> list[Finding]:
        return [
            f
            for shown, rel, msg in problems
            for f in _cl000(self._selector(shown, rel), shown, msg)
        ]

    def settings_key(self) -> str:
        """Everything besides file content that changes findings, for the result cache: also
        where the run stands, since reported paths are relative to the working directory, and
        per-file ignores and followed imports to the config root."""
        settings = f"{self.config.settings_key()}\0{sorted(self.selection.codes)}\0{self.options}"
        return f"{Path.cwd()}\0{self.config.root}\0{settings}"

    def run_log_dir(self, directory: Path) -> tuple[list[Finding], int]:
        """The .json files of a folder read as one request log (session rules across files):
        (findings, files checked). Never cached per file: findings depend on the other files."""
        from cachelint.session.folder import lint_log_folder, natural_key

        problems: list[Problem] = []
        targets = discover(
            [directory], self.config.root, self.config.exclude, False, (".json",), problems
        )
        files = sorted(targets, key=lambda t: natural_key(t.path.relative_to(directory).as_posix()))
        found = lint_log_folder(
            [(t.path, t.display) for t in files],
            self.context,
            self._selector,
            self.config.max_file_size,
        )
        found += self._problem_findings(problems)
        return sorted(found, key=Finding.sort_key), len(files)


_SKIPPED = FileResult(None)


class CounterUnavailable(Exception):
    """--count-tokens without an API key (a usage error)."""


def _api_key() -> str:
    key = os.environ.get("ANTHROPIC_API_KEY")
    if not key:
        raise CounterUnavailable("--count-tokens needs ANTHROPIC_API_KEY in the environment")
    return key


def _counter() -> TokenCounter:
    from cachelint.count_tokens import DEFAULT_BASE_URL, TokenCounter

    return TokenCounter(_api_key(), os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL)


def _cl000(selected: Callable[[str], bool], display: str, msg: str) -> list[Finding]:
    from cachelint.checks.unparsable_input import unparsable

    return [unparsable(display, msg)] if selected("CL000") else []


def uninteresting(name: str, data: bytes) -> bool:
    """Bytes that cannot concern caching: a walked file like this is skipped unparsed."""
    if name.endswith(PYTHON_SUFFIXES):
        return not worth_parsing(data)
    return not _json_candidate(data)


# a key only a request payload or a log of them has
_REQUEST_KEY = re.compile(rb'"(messages|system|tools|cache_control|cachePoint|request|body)"\s*:')


def _other_json(found: list[Finding], data: bytes) -> bool:
    """A walked file that is not JSON (JSON with comments, a template) and shows none of a
    request's keys: some other tool's file that mentions caching, not a payload to report."""
    return (
        len(found) == 1
        and found[0].code == "CL000"
        and found[0].message.startswith("invalid JSON")
        and _REQUEST_KEY.search(data) is None
    )


def _json_candidate(data: bytes) -> bool:
    if _CANDIDATE.search(data):
        return True
    return b"\\u" in data and _CANDIDATE.search(_ASCII_ESCAPE.sub(_unescaped, data)) is not None


def _unescaped(m: re.Match[bytes]) -> bytes:
    return bytes([int(m[1], 16)])


def _candidate_stream(f, chunk: int = 1 << 20) -> bool:
    tail = b""
    while block := f.read(chunk):
        if _json_candidate(tail + block):
            return True
        tail = block[-32:]  # "cache" with every letter escaped is 30 bytes
    return False
