"""GitLab Code Quality, read as GitLab does: one JSON array (no BOM) of issues with description,
check_name, a unique fingerprint, a severity from its list, a relative path and a begin line."""

from __future__ import annotations

import json
from dataclasses import replace

from cachelint.formatters.neutral import shown

from format_fixtures import FINDINGS, OUTSIDE, enter_project, render, run_on_rule_examples

SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def load_report(out: str) -> list[dict]:
    assert not out.startswith("\ufeff")
    issues = json.loads(out)
    assert isinstance(issues, list)
    for issue in issues:
        for key in ("description", "check_name", "fingerprint"):
            assert isinstance(issue[key], str) and issue[key], key
        assert issue["severity"] in SEVERITIES
        path = issue["location"]["path"]
        assert isinstance(path, str) and path
        lines = issue["location"]["lines"]
        assert isinstance(lines["begin"], int) and lines["begin"] >= 1
        assert lines["end"] >= lines["begin"]
    fingerprints = [i["fingerprint"] for i in issues]
    assert len(set(fingerprints)) == len(fingerprints), "fingerprints must be unique"
    return issues


def test_fixture_findings(tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    issues = load_report(render("gitlab"))
    assert len(issues) == len(FINDINGS)
    severity = {"error": "major", "warning": "minor", "info": "info"}
    for f, issue in zip(FINDINGS, issues, strict=True):
        assert issue["description"] == f"{f.code}: {shown(f.message)}"
        assert issue["check_name"] == f.code
        assert issue["severity"] == severity[f.severity.value]
        assert issue["location"]["path"] == f.path  # relative already, or outside the project
        assert issue["location"]["lines"]["begin"] == f.span.line
    (multi,) = [i for i in issues if i["check_name"] == "CL201"]
    assert multi["location"]["lines"] == {"begin": 3, "end": 5}
    assert any(i["location"]["path"] == OUTSIDE for i in issues)


def _fingerprints(findings) -> list[str]:
    return [i["fingerprint"] for i in load_report(render("gitlab", findings))]


def test_fingerprints_ignore_line_numbers_and_are_salted_on_collision(tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    before = _fingerprints(FINDINGS)
    moved = [
        replace(f, span=replace(f.span, line=f.span.line + 3, end_line=f.span.end_line + 3))
        for f in FINDINGS
    ]
    assert _fingerprints(moved) == before
    # the two CL101 findings have the same rule, path and line content: one is salted
    twins = [FINDINGS[2], FINDINGS[4]]
    first, second = _fingerprints(twins)
    assert first != second
    assert _fingerprints(twins[:1]) == [first], "the first of equal findings keeps the plain hash"
    # many identical findings stay unique
    assert len(set(_fingerprints([FINDINGS[2]] * 50))) == 50


def test_paths_relative_to_ci_project_dir(tmp_path, monkeypatch):
    project = enter_project(tmp_path, monkeypatch)
    (project / "app").mkdir()
    monkeypatch.chdir(project / "app")
    (issue,) = load_report(render("gitlab", [replace(FINDINGS[2], path="req.json")]))
    assert issue["location"]["path"] == "app/req.json"  # the repository root
    monkeypatch.setenv("CI_PROJECT_DIR", str(project / "app"))
    (issue,) = load_report(render("gitlab", [replace(FINDINGS[2], path="req.json")]))
    assert issue["location"]["path"] == "req.json"


def test_real_cli_on_the_rule_examples(tmp_path):
    out, truth = run_on_rule_examples(tmp_path, "gitlab", env={"CI_PROJECT_DIR": str(tmp_path)})
    issues = load_report(out)
    locations = [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues]
    assert locations == [(f["path"], f["line"]) for f in truth]
    assert [i["check_name"] for i in issues] == [f["code"] for f in truth]
    assert [i["description"] for i in issues] == [f"{f['code']}: {f['message']}" for f in truth]
