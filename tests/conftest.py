"""Shared helpers: an engine built the way the CLI builds it, and the CLI as a subprocess."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cachelint.cache_folder import CacheFolder
from cachelint.cache_key import user_secret
from cachelint.config import Config
from cachelint.engine import Engine, Options

ROOT = Path(__file__).resolve().parent.parent
# Hypothesis keeps its files in a folder of this run, not in the repository (read when it loads).
os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", tempfile.mkdtemp(prefix="cachelint-hyp-"))
atexit.register(shutil.rmtree, os.environ["HYPOTHESIS_STORAGE_DIRECTORY"], True)
# Python source analysis degrades to "unknown" on code it cannot follow; in tests, fail instead.
os.environ.setdefault("CACHELINT_DEBUG", "1")


def make_engine(model: str | None = None, platform: str | None = None, **config) -> Engine:
    cfg = Config(root=ROOT, platform=platform, **config)
    return Engine(cfg, Options(model=model))


def lint(source: str | bytes, filename: str = "payload.json", **kw):
    data = source.encode() if isinstance(source, str) else source
    return make_engine(**kw).lint_bytes(data, filename)


def run_cli(
    *args: str, cwd: Path | None = None, stdin: bytes | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if cwd is None and "CACHELINT_CACHE_DIR" not in full_env:
        # a run in the repository itself keeps its cache out of it (tests keep to themselves)
        home = full_env.get("XDG_CACHE_HOME") or tempfile.gettempdir()
        full_env["CACHELINT_CACHE_DIR"] = os.path.join(home, "repo-runs")
    return subprocess.run(
        [sys.executable, "-m", "cachelint", *args],
        cwd=cwd or ROOT,
        input=stdin,
        capture_output=True,
        env=full_env,
        timeout=120,
    )


def write_files(root: Path, files: dict[str, str | bytes | dict]) -> Path:
    """Files under `root` by relative path: text, bytes, or a dict written as JSON."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, dict):
            content = json.dumps(content)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


def sealed(cache: Path) -> CacheFolder:
    """The cache folder at `cache` (made if absent), as cachelint run by this user sees it: its
    `read` and `write` open and seal files as a run does."""
    secret = user_secret([])
    assert secret is not None
    return CacheFolder.open(cache, secret, named=True)


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session", autouse=True)
def _user_cache_home(tmp_path_factory):
    """The secret that seals cache files (cache_key.py) lives in a temporary home of the test
    run, never in the home of the user running the tests; CLI subprocesses inherit it."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))


def pytest_configure(config):
    """Hypothesis keeps no example database in the repository (nor anywhere)."""
    try:
        from hypothesis import settings
    except ImportError:  # pragma: no cover
        return
    settings.register_profile("cachelint", database=None)
    settings.load_profile("cachelint")


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    """A package index on disk: this checkout's wheel and the wheels it and its build need
    (local_install.py), for installs without the network."""
    from local_install import build, fill

    house = tmp_path_factory.mktemp("wheelhouse")
    build(house)
    fill(house)
    return house
