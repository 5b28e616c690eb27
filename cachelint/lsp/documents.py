"""Checking an open document: its unsaved text, with the project's config found upward from it,
by the engine `cachelint check` runs.

A document is checked as `cachelint check .` would check the file in its project: not when the
config's `exclude` leaves it out, nor when its text cannot concern caching (a walk skips such a
file unparsed, so an unrelated JSON or Python file being typed gets no diagnostics).
"""

from __future__ import annotations

import io
import os
import tokenize
from pathlib import Path

from cachelint.config import Config, ConfigError, find_config, load_file
from cachelint.discovery import PYTHON_SUFFIXES, SUFFIXES, _path_excluded
from cachelint.engine import Engine, Options, uninteresting
from cachelint.findings import Finding


def checked_kind(path: Path) -> bool:
    """Whether cachelint checks files named like `path` (.py, .pyi, .json, .jsonl, .ndjson)."""
    return path.name.endswith(SUFFIXES)


def encoded(text: str, name: str) -> bytes:
    """A document's text as the bytes it would be saved as: UTF-8, or for Python source the
    encoding its coding cookie declares (which cachelint decodes it by)."""
    data = text.encode("utf-8", "surrogatepass")
    if not name.endswith(PYTHON_SUFFIXES):
        return data
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        return data
    if encoding in ("utf-8", "utf-8-sig"):
        return data
    try:
        return text.encode(encoding)
    except (UnicodeError, LookupError):
        return data  # decoding it by the cookie fails: a CL000 says so


class Checker:
    """Configs by file, loaded again when the file changes; a fresh engine per check, so that
    helper modules a Python file imports are read as they are now."""

    def __init__(self) -> None:
        self._configs: dict[Path, tuple[tuple[int, int, int] | None, Config]] = {}

    def config(self, path: Path, default_root: Path) -> Config:
        """The nearest config upward from `path` (defaults, rooted at `default_root`, when there
        is none). A ConfigError says what is wrong with it, as `cachelint check` does."""
        found = find_config(path.parent)
        if found is None:
            return Config(root=default_root.resolve())
        try:
            st = os.stat(found)
            signature = (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            signature = None  # gone meanwhile: loading it says so
        known = self._configs.get(found)
        if known is not None and signature is not None and known[0] == signature:
            return known[1]
        config = load_file(found)
        config.count_tokens = False  # nothing is sent over the network while typing
        if config.default_model:
            from cachelint.models import ModelTable

            problem = ModelTable(config.models).unknown(config.default_model)
            if problem is not None:
                raise ConfigError(f"default-model in {config.source}: {problem}")
        self._configs[found] = (signature, config)
        return config

    def findings(self, path: Path, text: str, default_root: Path) -> list[Finding] | None:
        """The findings of `text` as the content of `path`; None when the file is not checked
        (excluded, or it cannot concern caching)."""
        config = self.config(path, default_root)
        if _path_excluded(path, config.root, config.exclude):
            return None
        data = encoded(text, path.name)
        if uninteresting(path.name, data):
            return None
        found = Engine(config, Options()).lint_bytes(data, str(path))
        return sorted(found, key=Finding.sort_key)
