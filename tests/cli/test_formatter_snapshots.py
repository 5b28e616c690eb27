"""Every built-in format rendered from the shared fixture findings, compared with its snapshot in
tests/snapshots/. Review a change, then regenerate: CACHELINT_UPDATE_SNAPSHOTS=1 pytest."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from cachelint.formatters import BUILTIN, Summary

from conftest import ROOT
from format_fixtures import MACHINE_FORMATS, enter_project, render, reported

SNAPSHOTS = ROOT / "tests" / "snapshots"
SUFFIX = {"json": "json", "sarif": "json", "gitlab": "json", "junit": "xml"}


def _normalise(fmt: str, text: str, project: Path) -> str:
    text = text.replace(project.as_uri(), "file://<project>").replace(str(project), "<project>")
    if fmt != "sarif":
        return text
    # Rule descriptors come from the catalog, which grows with every rule: their content is checked
    # against the catalog in test_format_sarif.py. Here only what they describe is pinned.
    doc = json.loads(text)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result.pop("ruleIndex")]["id"] == result["ruleId"]
    run["tool"]["driver"]["rules"] = (
        "<the catalog's rules, then: "
        + ", ".join(r["id"] for r in rules if not r["id"].startswith("CL"))
        + ">"
    )
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("fmt", sorted(BUILTIN))
def test_snapshot(fmt, tmp_path, monkeypatch):
    project = enter_project(tmp_path, monkeypatch)
    got = _normalise(fmt, render(fmt), project)
    snap = SNAPSHOTS / f"{fmt}.{SUFFIX.get(fmt, 'txt')}"
    if os.environ.get("CACHELINT_UPDATE_SNAPSHOTS"):
        snap.write_text(got, encoding="utf-8", newline="\n")
    assert snap.exists(), f"no snapshot {snap.name}: run with CACHELINT_UPDATE_SNAPSHOTS=1"
    assert got == snap.read_text(encoding="utf-8"), f"{fmt} output differs from {snap.name}"


@pytest.mark.parametrize("fmt", sorted(BUILTIN))
def test_no_findings(fmt, tmp_path, monkeypatch):
    """An empty run still gives a well-formed report: CI uploads and parses it either way."""
    enter_project(tmp_path, monkeypatch)
    out = render(fmt, [], Summary("0.0.0-test", 3, 0, 0, 0))
    if fmt in MACHINE_FORMATS:
        assert reported(fmt, out) == []
    else:
        assert out in ("", "All checks passed (3 files checked).\n")
