"""The pre-commit hook, run by the real pre-commit: a user repository whose configuration is the
README's pre-commit recipe refers to a git copy of this checkout, pre-commit installs cachelint
from it into its own environment (its dependencies and hatchling from a wheelhouse on disk
instead of the package index: tests/local_install.py), then the hook fails on a bad payload and
passes on a good one.

pre-commit clones hook repositories at a commit, so the checkout is copied and committed first: the
test works the same on a clean CI checkout and in a working tree with uncommitted changes.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, write_files
from format_fixtures import BAD, GOOD
from local_install import committed_checkout, git, git_env, pip_env
from readme import blocks, section, substituted

pytestmark = pytest.mark.slow  # installs the package into pre-commit environments

if importlib.util.find_spec("pre_commit") is None:
    pytest.skip("pre-commit is not installed (pip install -e '.[test]')", allow_module_level=True)


@pytest.fixture(scope="module")
def env(tmp_path_factory, wheelhouse) -> dict:
    return {
        **git_env(tmp_path_factory.mktemp("home"), pip_env(wheelhouse)),
        "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
        "PRE_COMMIT_COLOR": "never",
    }


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, env) -> tuple[Path, str]:
    repo = tmp_path_factory.mktemp("hook-repo") / "cachelint"
    return repo, committed_checkout(repo, env)


@pytest.fixture(scope="module")
def user_repo(tmp_path_factory, env, hook_repo) -> Path:
    repo = tmp_path_factory.mktemp("user-repo")
    path, rev = hook_repo
    (recipe,) = blocks(section("pre-commit"), "yaml")  # the README's, as written
    files = {
        ".pre-commit-config.yaml": substituted(recipe, path, rev),
        "pyproject.toml": '[tool.cachelint]\nextend-exclude = ["generated"]\n',
        "payloads/bad.json": BAD,
        "payloads/good.json": GOOD,
        "logs/bad.jsonl": GOOD + BAD,
        "logs/good.ndjson": GOOD + GOOD,
        "generated/bad.json": BAD,
        "notes.txt": "cache_control everywhere\n",
    }
    write_files(repo, files)
    git(repo, "init", "-q", env=env)
    git(repo, "add", "-A", env=env)
    git(repo, "commit", "-q", "--no-gpg-sign", "-m", "payloads", env=env)
    proc = _pre_commit(repo, env, "install-hooks")  # pip-installs cachelint from the hook repo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return repo


def _pre_commit(repo: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def run_hook(repo: Path, env: dict, *files: str) -> subprocess.CompletedProcess:
    return _pre_commit(repo, env, "run", "cachelint", "--files", *files)


def test_manifest_is_valid(env):
    proc = _pre_commit(ROOT, env, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_fails_on_a_bad_payload(user_repo, env):
    proc = run_hook(user_repo, env, "payloads/bad.json", "payloads/good.json")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Failed" in proc.stdout
    assert "payloads/bad.json:1:" in proc.stdout and "CL103" in proc.stdout
    assert "payloads/good.json" not in proc.stdout.split("- exit code")[-1]


def test_passes_on_a_good_payload(user_repo, env):
    proc = run_hook(user_repo, env, "payloads/good.json", "logs/good.ndjson")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout
    assert not git(user_repo, "status", "--porcelain", env=env), "the hook changed files"


def test_jsonl_logs_are_checked(user_repo, env):
    proc = run_hook(user_repo, env, "logs/bad.jsonl")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "logs/bad.jsonl:2:" in proc.stdout


def test_config_excludes_apply_to_files_pre_commit_passes(user_repo, env):
    proc = run_hook(user_repo, env, "generated/bad.json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Passed" in proc.stdout


def test_other_files_are_not_passed(user_repo, env):
    proc = run_hook(user_repo, env, "notes.txt")
    assert proc.returncode == 0 and "no files to check" in proc.stdout


MISSPELT_PY = (
    'CACHE = {"type": "ephemeral", "ttl": "5min"}  # the marker of every block\n\n\n'
    'def block(text):\n    return {"type": "text", "text": text, "cache_control": CACHE}\n'
)


def test_the_fixing_recipe_fixes_and_fails_the_commit(tmp_path, env, hook_repo):
    """README's `args: [--fix]`: the file is fixed, pre-commit fails the run because the hook
    changed it, and passes once the fix is staged."""
    path, rev = hook_repo
    (recipe,) = blocks(section("pre-commit with fixes"), "yaml")
    config = substituted(recipe, path, rev)
    write_files(tmp_path, {".pre-commit-config.yaml": config, "app.py": MISSPELT_PY})
    git(tmp_path, "init", "-q", env=env)
    git(tmp_path, "add", "-A", env=env)
    git(tmp_path, "commit", "-q", "--no-gpg-sign", "-m", "app", env=env)
    proc = run_hook(tmp_path, env, "app.py")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "files were modified by this hook" in proc.stdout
    assert (tmp_path / "app.py").read_text() == MISSPELT_PY.replace('"5min"', '"5m"')
    git(tmp_path, "add", "-A", env=env)
    proc = run_hook(tmp_path, env, "app.py")
    assert proc.returncode == 0, proc.stdout + proc.stderr
