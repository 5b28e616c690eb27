"""SARIF: valid against the official 2.1.0 schema, rules described from the catalog, locations
relative to the repository root, fingerprints stable when lines move."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote

import pytest

from cachelint.catalog import catalog
from cachelint.findings import Finding
from cachelint.formatters.neutral import shown
from cachelint.formatters.sarif import help_markdown

from conftest import lint, run_cli
from format_fixtures import (
    FINDINGS,
    OUTSIDE,
    SCHEMA_PATH,
    check_document,
    enter_project,
    load_validator,
    render,
    run_on_rule_examples,
)
from payloads import anthropic_request, long_line


@pytest.fixture(scope="module")
def validator():
    found = load_validator()
    if found is None:
        pytest.skip(f"the official SARIF schema is not at {SCHEMA_PATH}")
    return found


def test_fixture_findings_validate(validator, tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    run = check_document(json.loads(render("sarif")), validator)
    results = run["results"]
    assert [r["ruleId"] for r in results] == [f.code for f in FINDINGS]
    assert [r["message"]["text"] for r in results] == [shown(f.message) for f in FINDINGS]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in results]
    for f, uri in zip(FINDINGS, uris, strict=True):
        if f.path == OUTSIDE:
            assert uri == {"uri": Path(OUTSIDE).as_uri()}
        else:
            assert uri["uriBaseId"] == "%SRCROOT%"
            assert unquote(uri["uri"]) == f.path
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["CL201"] == "note" and levels["CL301"] == "warning" and levels["CL000"] == "error"


def test_rules_come_from_the_catalog(tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    (run,) = json.loads(render("sarif"))["runs"]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    for code, info in catalog().items():
        r = rules[code]
        assert r["name"] == info.name
        assert r["shortDescription"]["text"] == info.summary
        what = " ".join(info.sections["What it does"].split())
        assert what.startswith(r["fullDescription"]["text"]) and r["fullDescription"]["text"]
        assert r["help"]["markdown"] == help_markdown(info)
        assert r["help"]["text"] == info.fix, "the page once, in markdown; the fix as text"
        assert "How to fix" in r["help"]["markdown"]
        assert "expect:" not in r["help"]["markdown"], "test markers leak into the help"
        level = {"error": "error", "warning": "warning", "info": "note"}[info.severity.value]
        assert r["defaultConfiguration"]["level"] == level
    # a plugin's code is described too, from its finding
    assert rules["XY999"]["name"] == "plugin-rule"


def test_help_keeps_the_examples_without_test_scaffolding():
    info = catalog()["CL101"]
    md = help_markdown(info)
    assert "```json bad" in info.page and "```json bad" not in md
    assert md.count("```json") == info.page.count("```json")
    assert '"cache_control": {"type": "ephemeral"}' in md


def test_related_locations_for_notes(tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    (run,) = json.loads(render("sarif"))["runs"]
    (plugin,) = [r for r in run["results"] if r["ruleId"] == "XY999"]
    (related,) = plugin["relatedLocations"]
    assert related["message"]["text"] == "the earlier marker"
    assert related["physicalLocation"]["region"]["startColumn"] == 3


def _fingerprints(findings) -> list[str]:
    (run,) = json.loads(render("sarif", findings))["runs"]
    return [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]


def test_fingerprints_survive_moved_lines_and_count_repeats(tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    before = _fingerprints(FINDINGS)
    moved = [
        replace(f, span=replace(f.span, line=f.span.line + 7, end_line=f.span.end_line + 7))
        for f in FINDINGS
    ]
    assert _fingerprints(moved) == before
    assert len(set(before)) == len(before)
    # the two CL101 findings sit on lines with the same content (other indentation)
    first, second = (fp for f, fp in zip(FINDINGS, before, strict=True) if f.code == "CL101")
    assert first.split(":")[0] == second.split(":")[0]
    assert (first.split(":")[1], second.split(":")[1]) == ("1", "2")
    # another rule on the same line, or the same line in another file, is another alert
    other_rule = replace(FINDINGS[2], code="CL103")
    other_file = replace(FINDINGS[2], path="requests/other.json")
    hashes = {fp.split(":")[0] for fp in _fingerprints([FINDINGS[2], other_rule, other_file])}
    assert len(hashes) == 3
    # changed content is a new alert
    edited = replace(FINDINGS[2], snippet='"cache_control": {"type": "ephemeral", "ttl": "1h"}')
    assert _fingerprints([edited]) != _fingerprints([FINDINGS[2]])


def test_long_lines_validate_and_keep_the_fingerprints_of_the_whole_line(
    validator, tmp_path, monkeypatch
):
    """Findings hold an excerpt of a long line (a JSONL request); the alerts they make are those
    the whole line makes."""
    project = enter_project(tmp_path, monkeypatch)
    lines = [json.dumps(anthropic_request()), long_line()]
    (project / "log.jsonl").write_text("\n".join(lines) + "\n")
    r = run_cli("check", "log.jsonl", "--format", "sarif", "--no-cache", cwd=project)
    run = check_document(json.loads(r.stdout), validator)
    found = sorted(lint("\n".join(lines) + "\n", "log.jsonl"), key=Finding.sort_key)
    assert {f.code for f in found} >= {"CL301"} and all(f.snippet_start > 1 for f in found)
    whole = [replace(f, snippet=lines[f.span.line - 1], snippet_start=1) for f in found]
    cli = [r["partialFingerprints"]["primaryLocationLineHash"] for r in run["results"]]
    assert _fingerprints(found) == _fingerprints(whole) == cli


def test_uris_are_relative_to_the_repository_root(tmp_path, monkeypatch):
    project = enter_project(tmp_path, monkeypatch)
    (project / "sub").mkdir()
    monkeypatch.chdir(project / "sub")
    (run,) = json.loads(render("sarif", [replace(FINDINGS[2], path="x y.json")]))["runs"]
    loc = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert loc == {"uri": "sub/x%20y.json", "uriBaseId": "%SRCROOT%"}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.as_uri() + "/"
    assert run["invocations"][0]["workingDirectory"]["uri"] == (project / "sub").as_uri() + "/"


def test_real_cli_on_the_rule_examples(validator, tmp_path):
    (tmp_path / ".git").mkdir()
    out, truth = run_on_rule_examples(tmp_path, "sarif")
    run = check_document(json.loads(out), validator)  # fixes included: schema-valid
    fixes = [r["fixes"][0] for r in run["results"] if "fixes" in r]
    assert len(fixes) == sum("fix" in f for f in truth) > 0
    edits = [f["fix"]["edits"][0] for f in truth if "fix" in f]
    for fix, edit in zip(fixes, edits, strict=True):
        (replacement,) = fix["artifactChanges"][0]["replacements"][:1]
        assert replacement["insertedContent"]["text"] == edit["content"]
        assert replacement["deletedRegion"]["startLine"] == edit["location"]["line"]
    expected = [(f["code"], f["path"], f["line"], f["column"], f["message"]) for f in truth]
    got = []
    for r in run["results"]:
        loc = r["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        start = (loc["region"]["startLine"], loc["region"]["startColumn"])
        uri = unquote(loc["artifactLocation"]["uri"])
        got.append((r["ruleId"], uri, *start, r["message"]["text"]))
    assert got == expected


def test_each_rule_page_is_in_the_report_once(tmp_path, monkeypatch):
    """Rules are described once, in tool.driver.rules; results only point at them."""
    enter_project(tmp_path, monkeypatch)
    text = render("sarif")
    for info in catalog().values():
        why = " ".join(info.sections["Why is this bad?"].split()[:12])
        assert text.count(why) <= 1
