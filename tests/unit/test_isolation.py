"""Tests keep to themselves: each runs in a folder of its own with a cache folder of its own,
and the run fails when it leaves files in the repository (conftest.py)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT, _tree_state, run_cli


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def test_a_test_runs_outside_the_repository_with_its_own_cache_folder():
    assert not _inside(Path.cwd(), ROOT)
    cache = Path(os.environ["CACHELINT_CACHE_DIR"])
    assert not _inside(cache, ROOT) and not _inside(cache, Path.cwd())


def test_a_run_in_the_repository_keeps_its_cache_in_the_tests_folder():
    r = run_cli("check", "examples/support_bot_request.json")
    assert r.returncode == 1, r.stderr
    assert any(Path(os.environ["CACHELINT_CACHE_DIR"]).iterdir())
    assert not (ROOT / ".cachelint_cache").exists()


@pytest.mark.project_cache
def test_a_project_cache_test_sees_the_default_cache_folder(tmp_path):
    assert "CACHELINT_CACHE_DIR" not in os.environ
    (tmp_path / "r.json").write_bytes((ROOT / "examples" / "support_bot_request.json").read_bytes())
    assert run_cli("check", ".", cwd=tmp_path).returncode == 1
    assert (tmp_path / ".cachelint_cache").is_dir()


def test_the_tree_check_sees_ignored_and_changed_files(tmp_path):
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / ".gitignore").write_text(".cachelint_cache/\n.venv/\n")
    (tmp_path / "request.json").write_text("{}")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    (tmp_path / ".venv").mkdir()  # the tools' own files do not count
    before = _tree_state(tmp_path)
    assert before == set()
    (tmp_path / ".cachelint_cache").mkdir()
    (tmp_path / ".cachelint_cache" / "x").write_text("x")
    (tmp_path / "request.json").write_text("[]")
    assert _tree_state(tmp_path) == {"!! .cachelint_cache/", " M request.json"}
