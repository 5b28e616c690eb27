"""A cached result is only reused where it means the same: the same file, seen from the same
working directory (reported paths) and the same config root (per-file ignores, imports)."""

from __future__ import annotations

import json

from conftest import ROOT, run_cli
from payloads import APP_USING_HELPER as APP
from payloads import PROMPTS_HELPER as HELPER

BAD = (ROOT / "examples" / "support_bot_request.json").read_bytes()
IGNORE_X = '[per-file-ignores]\n"x/**" = ["ALL"]\n'


def _codes(*args, cwd, env=None) -> list[str]:
    r = run_cli("check", *args, "--format", "json", cwd=cwd, env=env)
    assert r.returncode in (0, 1), r.stderr
    return sorted(f["code"] for f in json.loads(r.stdout)["findings"])


def test_the_same_path_from_another_working_directory_is_another_file(tmp_path):
    """A monorepo whose config ignores everything in one package: `x/a.json` run from the other
    package is another file, and its findings never stand for the ignored one."""
    for pkg in ("p1", "p2"):
        (tmp_path / pkg / "x").mkdir(parents=True)
        (tmp_path / pkg / "x" / "a.json").write_bytes(BAD)
    (tmp_path / "cachelint.toml").write_text('[per-file-ignores]\n"p1/**" = ["ALL"]\n')
    assert _codes("x/a.json", cwd=tmp_path / "p2")  # control: the file has findings
    assert _codes("x/a.json", cwd=tmp_path / "p1") == []
    assert _codes("x/a.json", cwd=tmp_path / "p2")  # warm, both ways


def test_configs_alike_at_different_roots_do_not_share_results(tmp_path):
    """One cache folder, two configs with the same text: their per-file ignores resolve against
    different roots, so the same file is ignored under one and checked under the other."""
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "a.json").write_bytes(BAD)
    (tmp_path / "cachelint.toml").write_text(IGNORE_X)
    other = tmp_path / "x" / "cachelint.toml"
    other.write_text(IGNORE_X)
    cache = ["--cache-dir", str(tmp_path / "cache")]
    assert _codes("x/a.json", "--config", str(other), *cache, cwd=tmp_path)
    assert _codes("x/a.json", "--config", "cachelint.toml", *cache, cwd=tmp_path) == []
    assert _codes("x/a.json", "--config", str(other), *cache, cwd=tmp_path)


def test_checkouts_sharing_a_cache_folder_follow_their_own_helper_modules(tmp_path):
    """Two checkouts of a project (git worktrees) with one CACHELINT_CACHE_DIR: app.py is the
    same in both, the helper module it imports is not."""
    env = {"CACHELINT_CACHE_DIR": str(tmp_path / "cache")}
    for name, stamp in (("stable", "'2024'"), ("volatile", "datetime.now()")):
        tree = tmp_path / name
        tree.mkdir()
        (tree / "pyproject.toml").write_text("[tool.cachelint]\n")
        (tree / "prompts.py").write_text(HELPER.replace("datetime.now()", stamp))
        (tree / "app.py").write_text(APP)
    assert "CL301" not in _codes("app.py", cwd=tmp_path / "stable", env=env)
    assert "CL301" in _codes("app.py", cwd=tmp_path / "volatile", env=env)
    assert "CL301" not in _codes("app.py", cwd=tmp_path / "stable", env=env)
