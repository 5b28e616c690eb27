"""`--force-exclude`: config excludes also apply to paths named on the command line, which is how
pre-commit passes files. Without it, a named path is always checked."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from format_fixtures import BAD


@pytest.fixture
def project(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cachelint]\nextend-exclude = ["generated", "data/snapshots/*.json"]\n',
        encoding="utf-8",
    )
    _payloads(
        tmp_path,
        "generated/req.json",
        "generated/deep/req.jsonl",
        "data/snapshots/req.json",
        "data/req.json",
        ".venv/lib/req.json",
        "app/req.json",
    )
    return tmp_path


def _payloads(root, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(BAD, encoding="utf-8")


def checked(project, *args: str, cwd=None) -> set[str]:
    proc = run_cli("check", "--format", "json", *args, cwd=cwd or project)
    assert proc.returncode in (0, 1), proc.stderr.decode()
    return {f["path"] for f in json.loads(proc.stdout)["findings"]}


@pytest.mark.parametrize(
    "path",
    ["generated/req.json", "generated/deep/req.jsonl", "data/snapshots/req.json",
     ".venv/lib/req.json", "generated", "generated/deep"],
)  # fmt: skip
def test_named_excluded_paths(project, path):
    assert checked(project, path), "named paths are checked without --force-exclude"
    assert checked(project, "--force-exclude", path) == set()


def test_included_files_next_to_excluded_ones(project):
    paths = ["generated/req.json", "data/req.json", "app/req.json", "data/snapshots/req.json"]
    assert checked(project, "--force-exclude", *paths) == {"data/req.json", "app/req.json"}


def test_patterns_are_relative_to_the_config_not_the_working_directory(project):
    assert checked(project, "--force-exclude", "req.json", cwd=project / "generated") == set()
    assert checked(project, "--force-exclude", "req.json", cwd=project / "app") == {"req.json"}


def test_walking_skips_excluded_folders_either_way(project):
    assert checked(project, ".") == {"data/req.json", "app/req.json"}
    assert checked(project, "--force-exclude", ".") == {"data/req.json", "app/req.json"}


def test_walking_skips_files_excluded_by_name(tmp_path):
    """Bare-name patterns match file names too (the walk tries on files only the patterns
    that can match a payload or Python file name)."""
    (tmp_path / "cachelint.toml").write_text(
        'extend-exclude = ["old_*.json", "frozen.jsonl", "[xy]req.json", "keep*", "req.jsonl?"]\n',
        encoding="utf-8",
    )
    _payloads(
        tmp_path,
        "old_req.json",
        "app/old_x.json",
        "frozen.jsonl",
        "xreq.json",
        "keep/req.json",
        "keeper.json",
        "app/req.json",
        "req.json",
    )
    assert checked(tmp_path, ".") == {"req.json", "app/req.json"}
