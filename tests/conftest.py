"""Shared helpers: an engine built the way the CLI builds it, and the CLI as a subprocess."""

from __future__ import annotations

import atexit
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cachelint.cache.folder import CacheFolder
from cachelint.cache.key import user_secret
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
    """The CLI as a subprocess, in the repository unless `cwd` says otherwise; its cache folder is
    the test's (`_own_folders`), so a run in the repository leaves nothing there."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
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
    """The secret that seals cache files (cache/key.py) lives in a temporary home of the test
    run, never in the home of the user running the tests; CLI subprocesses inherit it."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))


@pytest.fixture(autouse=True)
def _own_folders(request, tmp_path_factory, monkeypatch):
    """Every test keeps to itself: it runs in a working directory of its own, and its runs (in
    process or CLI subprocesses) use a cache folder of its own (CACHELINT_CACHE_DIR). A test
    marked `project_cache` checks the cache folder a run makes in the project it checks
    (`.cachelint_cache`, or the config's `cache-dir`), so the variable is unset for it; such a
    test checks a project under tmp_path, never the repository."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))
    if request.node.get_closest_marker("project_cache"):
        monkeypatch.delenv("CACHELINT_CACHE_DIR", raising=False)
    else:
        monkeypatch.setenv("CACHELINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


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


# -- the run leaves the repository as it found it ---------------------------------------------

# Files of the tools themselves, not of the tests: the environment, bytecode, the install's
# metadata (pytest's cache is off: `-p no:cacheprovider` in pyproject.toml).
_TOOL_FILES = re.compile(r"(^|/)(\.venv|__pycache__|[^/]*\.egg-info)/$")
_tree_before: set[str] | None = None


def _tree_state(root: Path = ROOT) -> set[str] | None:
    """What `git status` shows of the repository, ignored files included (a stray
    `.cachelint_cache/` is ignored by git, yet no test may write it); None outside a git
    checkout (an unpacked sdist)."""
    try:
        r = subprocess.run(
            ["git", "status", "--porcelain", "--ignored"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return {line for line in r.stdout.splitlines() if not _TOOL_FILES.search(line[3:])}


def pytest_sessionstart(session):
    global _tree_before
    _tree_before = _tree_state()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when it added or changed files in the repository."""
    after = _tree_state()
    if _tree_before is None or after is None:
        return
    added = sorted(after - _tree_before)
    if added:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", "the test run left files in the repository", red=True)
            for line in added:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
