"""GitHub workflow commands, read back the way the Actions runner reads them: `::` command, a
space, `key=value` properties split on commas, `::`, the data; then unescaped."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from cachelint.findings import Span
from cachelint.formatters.github import escape_data, escape_property
from cachelint.formatters.neutral import shown

from format_fixtures import (
    FINDINGS,
    enter_project,
    parse_command,
    render,
    run_on_rule_examples,
    unescape_data,
    unescape_property,
)


def parse(out: str) -> list[tuple[str, dict[str, str], str]]:
    lines = out.splitlines()
    assert all(line.startswith("::") for line in lines), "a finding spilled onto a second line"
    return [parse_command(line) for line in lines]


def test_escaping_round_trips():
    tricky = "100% sure, a:b\r\nc %0A %25 ::"
    assert unescape_data(escape_data(tricky)) == tricky
    assert unescape_property(escape_property(tricky)) == tricky
    assert "," not in escape_property(tricky) and ":" not in escape_property(tricky)
    assert "\n" not in escape_data(tricky) and "\r" not in escape_data(tricky)


def test_fixture_findings_read_back(tmp_path, monkeypatch):
    project = enter_project(tmp_path, monkeypatch)
    commands = parse(render("github"))
    assert len(commands) == len(FINDINGS)
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    for f, (command, props, message) in zip(FINDINGS, commands, strict=True):
        assert command == kinds[f.severity.value]
        assert Path(props["file"]) == project / f.path  # absolute paths stay as they are
        assert props["title"] == f"cachelint ({f.code})"
        assert int(props["line"]) == f.span.line
        prefix = f"{f.path}:{f.span.line}:{f.span.column}: {f.code} "
        assert message.startswith(prefix)
        assert message[len(prefix) :].startswith(shown(f.message))
        if f.help:
            assert message.endswith(f"\n  help: {f.help}")
        if f.span.end_line == f.span.line:
            columns = (int(props["col"]), int(props["endColumn"]))
            assert columns == (f.span.column, f.span.end_column)
        else:
            # the runner drops an annotation with columns across lines
            assert "col" not in props and "endColumn" not in props
            assert int(props["endLine"]) == f.span.end_line
    # a path with a comma and a colon survives as one property
    assert any(p["file"].endswith("logs/a,b:c.jsonl") for _, p, _ in commands)


@pytest.mark.parametrize(
    ("span", "end_line", "columns"),
    [
        (Span(3, 5, 3, 9), 3, (5, 9)),
        (Span(3, 5, 4, 9), 4, None),
        (Span(3, 5, 4, 1), 3, None),  # ends before line 4 starts: the last line is 3
        (Span(3, 5, 3, 5), 3, (5, 5)),  # empty: endColumn never below col
    ],
)
def test_lines_and_columns(span, end_line, columns, tmp_path, monkeypatch):
    enter_project(tmp_path, monkeypatch)
    ((_, props, _),) = parse(render("github", [replace(FINDINGS[2], span=span)]))
    assert int(props["endLine"]) == end_line >= int(props["line"])
    got = (int(props["col"]), int(props["endColumn"])) if "col" in props else None
    assert got == columns


def test_real_cli_on_the_rule_examples(tmp_path):
    out, truth = run_on_rule_examples(tmp_path, "github")
    commands = parse(out)
    assert len(commands) == len(truth), "every finding is printed, beyond the annotation caps"
    severities = {"error": "error", "warning": "warning", "info": "notice"}
    for f, (command, props, message) in zip(truth, commands, strict=True):
        assert command == severities[f["severity"]]
        assert Path(props["file"]) == tmp_path / f["path"]
        assert message.startswith(f"{f['path']}:{f['line']}:{f['column']}: {f['code']} ")
        assert f["message"] in message
