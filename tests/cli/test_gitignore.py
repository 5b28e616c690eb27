"""respect-gitignore: what git ignores is left out of a walk, as git decides it, and a tracked file
is always checked."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cachelint.gitignore import GitIgnore, _tracked

from conftest import ROOT, run_cli

BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@pytest.fixture
def repo(tmp_path) -> Path:
    r = tmp_path / "repo"
    r.mkdir()
    _git(r, "init", "-q", ".")
    files = {
        "app/req.json": BAD,
        "generated/gen.json": BAD,
        "logs/run.jsonl": BAD.replace(b"\n", b"") + b"\n",
        "logs/keep.jsonl": BAD.replace(b"\n", b"") + b"\n",
        "vendor/forced.json": BAD,
        "deep/a/b/c/x.json": BAD,
        "deep/a/b/local.json": BAD,
    }
    for name, data in files.items():
        (r / name).parent.mkdir(parents=True, exist_ok=True)
        (r / name).write_bytes(data)
    (r / ".gitignore").write_text("generated/\n*.jsonl\n!keep.jsonl\nvendor/\n")
    (r / "deep" / "a" / ".gitignore").write_text("b/c/\n")
    (r / "deep" / "a" / "b" / ".gitignore").write_text("local.json\n")
    _git(r, "add", ".")
    _git(r, "add", "-f", "vendor/forced.json")  # tracked, though ignored
    _git(r, "commit", "-qm", "x")
    (r / "vendor" / "untracked.json").write_bytes(BAD)
    return r


@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_tracked_paths_and_ignores_agree_with_git(repo, version):
    _git(repo, "update-index", "--index-version", version)
    _tracked.cache_clear()
    g = GitIgnore(repo)
    assert g.tracked == set(_git(repo, "ls-files").split())
    every = [p for p in repo.rglob("*") if ".git" not in p.relative_to(repo).parts]
    for p in every:
        rel = p.relative_to(repo).as_posix()
        r = subprocess.run(["git", "check-ignore", "-q", "--", rel], cwd=repo)
        by_git = r.returncode == 0 and rel not in g.tracked
        assert g.ignored(p, p.is_dir()) == by_git, rel


def test_a_walk_leaves_out_what_git_ignores_but_never_a_tracked_file(repo):
    def paths(*args: str) -> set[str]:
        r = run_cli("check", ".", "--no-cache", "--format", "json", *args, cwd=repo)
        assert r.returncode == 1, r.stderr
        import json

        return {f["path"] for f in json.loads(r.stdout)["findings"]}

    walked = paths()
    assert walked == {"app/req.json", "logs/keep.jsonl", "vendor/forced.json"}
    everything = paths("--no-respect-gitignore")
    assert everything >= walked | {"generated/gen.json", "logs/run.jsonl", "deep/a/b/local.json"}
    (repo / "cachelint.toml").write_text("respect-gitignore = false\n")
    assert paths() == everything
    assert paths("--respect-gitignore") == walked
    # a file named on the command line is checked, ignored or not (as ruff does)
    r = run_cli("check", "generated/gen.json", "--no-cache", cwd=repo)
    assert r.returncode == 1


def test_an_unreadable_index_leaves_nothing_out(repo):
    (repo / ".git" / "index").write_bytes(b"DIRC\x00\x00\x00\x09garbage")
    _tracked.cache_clear()
    assert not GitIgnore(repo).usable
    r = run_cli("check", ".", "--no-cache", "--format", "concise", cwd=repo)
    assert b"generated/gen.json" in r.stdout


def test_the_cache_follows_a_changed_gitignore(repo, tmp_path):
    import json
    import time

    cache = tmp_path / "cache"

    def paths() -> set[str]:
        r = run_cli("check", ".", "--cache-dir", str(cache), "--format", "json", cwd=repo)
        assert r.returncode == 1, r.stderr
        return {f["path"] for f in json.loads(r.stdout)["findings"]}

    time.sleep(0.2)  # signatures older than the racy margin: listings and summaries are kept
    first = paths()
    assert paths() == first and "generated/gen.json" not in first
    (repo / ".gitignore").write_text("*.jsonl\n!keep.jsonl\nvendor/\n")
    assert "generated/gen.json" in paths()
