"""The rule registry is derived from the checks: every rules/ page has a check and every check's
code a page, or the run fails loudly; `scripts/add_rule.py` writes both halves of a new rule, and
the README's rules table is generated from the pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cachelint import rule_api, rule_pages
from cachelint.checks import load_all

from conftest import ROOT

PAGE = (ROOT / "rules" / "CL105-unbounded-breakpoints.md").read_text(encoding="utf-8")


def test_the_registered_codes_are_the_codes_of_the_pages():
    load_all()
    assert rule_api.registered_codes() == set(rule_pages.codes())


def test_a_page_without_a_check_or_a_check_without_a_page_fails_loudly():
    load_all()
    with pytest.raises(rule_api.RegistryError, match=r"rules/CL999-\*\.md has no check"):
        rule_api.verify([*rule_pages.codes(), "CL999"])
    with pytest.raises(rule_api.RegistryError, match="CL105 is reported by a check but has no"):
        rule_api.verify(c for c in rule_pages.codes() if c != "CL105")


def _checkout(tmp_path: Path) -> Path:
    """A copy of the package, its pages, scripts and README, to change without touching ours."""
    root = tmp_path / "checkout"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("cachelint", "rules", "scripts"):
        shutil.copytree(ROOT / folder, root / folder, ignore=ignore)
    shutil.copy(ROOT / "README.md", root / "README.md")
    return root


def _python(root: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(root), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, *args], cwd=cwd or root, env=env, capture_output=True, text=True
    )


def test_a_run_with_a_page_whose_check_is_missing_says_so(tmp_path):
    root = _checkout(tmp_path)
    page = PAGE.replace('code = "CL105"', 'code = "CL999"').replace(
        'name = "unbounded-breakpoints"', 'name = "orphan-page"'
    )
    (root / "rules" / "CL999-orphan-page.md").write_text(page, encoding="utf-8")
    (tmp_path / "r.json").write_bytes((ROOT / "examples" / "clean_request.json").read_bytes())
    r = _python(root, "-m", "cachelint", "check", str(tmp_path / "r.json"), "--no-cache")
    assert r.returncode != 0
    assert "rules/CL999-*.md has no check" in r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_add_rule_writes_a_registered_check_and_a_page(tmp_path):
    root = _checkout(tmp_path)
    script = str(root / "scripts" / "add_rule.py")
    r = _python(root, script, "CL305", "tools-at-random", "--summary", 'Tools "picked" at random')
    assert r.returncode == 0, r.stderr
    module = root / "cachelint" / "checks" / "tools_at_random.py"
    page = root / "rules" / "CL305-tools-at-random.md"
    assert module.is_file() and page.is_file()
    assert "| CL305 | tools-at-random | warning |" in (root / "README.md").read_text()
    # the new code is registered and selectable, the page is served, the examples parse
    probe = (
        "from cachelint.checks import load_all; from cachelint import rule_api;"
        "from cachelint.catalog import rule; load_all();"
        "assert 'CL305' in rule_api.registered_codes();"
        "info = rule('CL305'); print(info.summary, sorted(e.kind for e in info.examples))"
    )
    r = _python(root, "-c", probe)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "Tools \"picked\" at random ['bad', 'good']"
    r = _python(root, "-m", "cachelint", "rule", "CL305")
    assert r.returncode == 0 and "What it does" in r.stdout
    r = _python(root, "-m", "ruff", "check", "--isolated", str(module))
    assert r.returncode == 0, r.stdout
    # a code or a name taken is refused
    again = _python(root, script, "CL305", "other-name", "--summary", "x")
    assert again.returncode != 0 and "already defines CL305" in again.stderr
    again = _python(root, script, "CL306", "tools-at-random", "--summary", "x")
    assert again.returncode != 0 and "already defines tools-at-random" in again.stderr
    bad = _python(root, script, "305", "x", "--summary", "x")
    assert bad.returncode != 0 and "not a rule code" in bad.stderr


def test_the_readme_rules_table_is_generated_from_the_pages(tmp_path):
    r = _python(ROOT, str(ROOT / "scripts" / "rules_table.py"), "--check")
    assert r.returncode == 0, r.stderr
    root = _checkout(tmp_path)
    readme = root / "README.md"
    readme.write_text(readme.read_text().replace("| CL202 | unknown-model |", "| CL202 | x |"))
    r = _python(root, str(root / "scripts" / "rules_table.py"), "--check", "--root", str(root))
    assert r.returncode == 1 and "stale" in r.stderr
    r = _python(root, str(root / "scripts" / "rules_table.py"), "--root", str(root))
    assert r.returncode == 0
    assert readme.read_text() == (ROOT / "README.md").read_text()
