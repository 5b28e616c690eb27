"""Editor integration: the shipped VS Code problem matcher applied to real concise output, and
stdin mode (`check - --stdin-filename NAME`) for editors that lint unsaved buffers."""

from __future__ import annotations

import json
import re

import pytest

from cachelint.formatters.neutral import shown

from conftest import ROOT, run_cli
from format_fixtures import BAD, FINDINGS, render, run_on_rule_examples

MATCHER_FILE = ROOT / "editors" / "vscode-problem-matcher.json"
GROUPS = ("file", "line", "column", "severity", "message", "code")


def js_regex(source: str) -> re.Pattern:
    """A VS Code (JavaScript) regexp as Python `re`: named groups are spelled differently, and
    `\\d`/`\\w` are ASCII-only in JavaScript."""
    return re.compile(re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", source), re.ASCII)


@pytest.fixture(scope="module")
def matcher():
    (m,) = json.loads(MATCHER_FILE.read_text(encoding="utf-8"))["problemMatcher"]
    assert m["owner"] and isinstance(m["pattern"], list)  # the shape ::add-matcher:: needs too
    (pattern,) = m["pattern"]
    regex = js_regex(pattern["regexp"])
    indexes = [pattern[g] for g in GROUPS]
    assert len(set(indexes)) == len(GROUPS) and max(indexes) <= regex.groups
    return regex, pattern


def apply(matcher, line: str) -> dict | None:
    regex, pattern = matcher
    m = regex.match(line)
    return {g: m.group(pattern[g]) for g in GROUPS} if m else None


def _expected(path, line, column, severity, message, code) -> dict:
    return {
        "file": path,
        "line": str(line),
        "column": str(column),
        "severity": "error" if severity == "error" else "warning",  # gcc-style: no info
        "message": shown(message),
        "code": code,
    }


def test_matcher_on_real_cli_output(matcher, tmp_path):
    out, truth = run_on_rule_examples(tmp_path, "concise")
    lines = out.splitlines()
    assert len(lines) == len(truth) + 1
    for line, f in zip(lines, truth, strict=False):
        got = apply(matcher, line)
        assert got == _expected(
            f["path"], f["line"], f["column"], f["severity"], f["message"], f["code"]
        ), line
    assert lines[-1].startswith("Found ") and apply(matcher, lines[-1]) is None


def test_matcher_on_awkward_paths_and_messages(matcher):
    lines = render("concise").splitlines()
    for line, f in zip(lines, FINDINGS, strict=False):
        got = apply(matcher, line)
        assert got == _expected(
            f.path, f.span.line, f.span.column, f.severity.value, f.message, f.code
        ), line


def test_matcher_leaves_other_output_alone(matcher):
    for line in (
        "All checks passed (3 files checked).",
        "cachelint: skipping notes.txt: not a payload file (.json, .jsonl, .ndjson)",
        "  = help: Keep at most 4 breakpoints.",
        "req.json:1:5: error[CL101] too-many-breakpoints",  # the text format's header
    ):
        assert apply(matcher, line) is None, line


def test_readme_shows_the_matcher():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "editors/vscode-problem-matcher.json" in readme
    (m,) = json.loads(MATCHER_FILE.read_text(encoding="utf-8"))["problemMatcher"]
    assert json.dumps(m["pattern"][0]["regexp"]) in readme


# stdin mode


def test_stdin_findings_carry_the_given_filename(tmp_path):
    proc = run_cli(
        "check", "-", "--stdin-filename", "requests/live.json", "--format", "json",
        cwd=tmp_path, stdin=BAD.encode(),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr.decode()
    findings = json.loads(proc.stdout)["findings"]
    assert findings and {f["path"] for f in findings} == {"requests/live.json"}
    assert "CL103" in {f["code"] for f in findings}
    assert not (tmp_path / "requests").exists(), "stdin mode never creates or writes the file"


def test_stdin_lints_the_buffer_not_the_file_on_disk(tmp_path, matcher):
    saved = tmp_path / "req.json"
    saved.write_text('{"model": "claude-sonnet-4-5", "messages": []}\n', encoding="utf-8")
    before = saved.read_bytes()
    proc = run_cli(
        "check", "-", "--stdin-filename", "req.json", "--format", "concise",
        cwd=tmp_path, stdin=BAD.encode(),
    )  # fmt: skip
    assert proc.returncode == 1
    first = apply(matcher, proc.stdout.decode().splitlines()[0])
    assert first is not None and first["file"] == "req.json"
    assert saved.read_bytes() == before


def test_stdin_filename_picks_jsonl(tmp_path):
    log = '{"model": "claude-sonnet-4-5", "messages": []}\n' + BAD
    proc = run_cli(
        "check", "-", "--stdin-filename", "logs/today.jsonl", "--format", "json",
        cwd=tmp_path, stdin=log.encode(),
    )  # fmt: skip
    findings = json.loads(proc.stdout)["findings"]
    assert findings and all(f["path"] == "logs/today.jsonl" and f["line"] == 2 for f in findings)


def test_stdin_filename_applies_config(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.cachelint]\nextend-exclude = ["generated"]\n'
        '[tool.cachelint.per-file-ignores]\n"legacy/*.json" = ["CL103"]\n',
        encoding="utf-8",
    )

    def codes(*args: str) -> set[str]:
        proc = run_cli("check", "-", "--format", "json", *args, cwd=tmp_path, stdin=BAD.encode())
        assert proc.returncode in (0, 1), proc.stderr.decode()
        return {f["code"] for f in json.loads(proc.stdout)["findings"]}

    assert "CL103" in codes("--stdin-filename", "app/req.json")
    assert "CL103" not in codes("--stdin-filename", "legacy/req.json")
    assert "CL103" in codes("--stdin-filename", "generated/req.json")
    assert codes("--stdin-filename", "generated/req.json", "--force-exclude") == set()
