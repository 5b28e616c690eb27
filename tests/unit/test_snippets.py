"""Findings keep the source line they point at, and a long one (a JSONL log's request, minified
JSON) as an excerpt around the finding: small in memory, in the cache and in reports, with the
caret still under the right character."""

from __future__ import annotations

import json
import random
import re
from dataclasses import replace

import pytest

from cachelint.findings import Finding, Severity, Span
from cachelint.formatters.fingerprints import located_text
from cachelint.snippet import ELLIPSIS, WIDTH, excerpt

from conftest import lint, run_cli
from payloads import FILLER, STAMP, anthropic_request, long_line


def _check_excerpt(line: str, column: int, text: str, start: int) -> None:
    assert len(text) <= WIDTH
    assert start <= column < start + len(text), "the column is in the excerpt"
    for i, ch in enumerate(text):
        cut = (i == 0 and start > 1) or (i == len(text) - 1 and start - 1 + len(text) < len(line))
        assert ch == (ELLIPSIS if cut else line[start - 1 + i])


def test_excerpts_keep_every_character_at_its_column():
    rng = random.Random(7)
    for _ in range(2000):
        length = rng.choice([5, 239, 240, 241, 900])
        line = "".join(rng.choice('ab{}" :é😀') for _ in range(length))
        column = rng.randint(1, len(line))
        text, start = excerpt(line, column)
        _check_excerpt(line, column, text, start)
        assert excerpt(text, column, start) == (text, start), "cutting again changes nothing"
        if len(line) <= WIDTH:
            assert (text, start) == (line, 1)


def _finding(line: str, span: Span, start: int = 1) -> Finding:
    return Finding("CL301", "n", Severity.WARNING, "a.jsonl", span, "m", "h", line, [], start)


def test_fingerprints_of_an_excerpt_are_those_of_the_whole_line():
    """Code scanning tracks alerts by these: cutting lines must not reopen them."""
    rng = random.Random(3)
    for _ in range(1000):
        line = "".join(rng.choice("abc {}:,") for _ in range(rng.randint(170, 1200)))
        col = rng.randint(1, len(line))
        end_line, end = rng.choice([(1, rng.randint(col, len(line) + 1)), (2, rng.randint(1, 9))])
        span = Span(1, col, end_line, end)
        text, start = excerpt(line, col)
        assert located_text(_finding(text, span, start)) == located_text(_finding(line, span))


def test_a_long_jsonl_line_gives_a_short_snippet_at_the_finding():
    line = long_line()
    (found,) = [f for f in lint(line + "\n", "log.jsonl") if f.code == "CL301"]
    assert len(found.snippet) <= WIDTH
    _check_excerpt(line, found.span.column, found.snippet, found.snippet_start)
    at = found.span.column - found.snippet_start
    assert found.snippet[at : at + len(STAMP)] == STAMP


def test_a_long_invalid_line_gives_a_short_snippet_at_the_error():
    line = '{"model": "claude-sonnet-4-5", "system": "' + FILLER + '", oops, "x": "' + FILLER + '"}'
    (found,) = lint(line + "\n", "log.jsonl")
    assert found.code == "CL000" and len(found.snippet) <= WIDTH
    _check_excerpt(line, found.span.column, found.snippet, found.snippet_start)
    assert line[found.span.column - 1] == "o"


def test_findings_round_trip_through_the_cache_record():
    f = _finding("…xyz…", Span(3, 500, 3, 510), 498)
    f.notes = [("there", Span(1, 2, 1, 3))]
    assert Finding.from_record(json.loads(json.dumps(f.to_record()))) == f
    assert Finding.from_record(f.to_record()).snippet_start == 498


def _carets(report: str, lines: list[str]) -> list[tuple[str, str]]:
    """(code, character under the first caret) of each finding of a text report, checking that
    it is the character at the reported column of the source line."""
    out = []
    block = r"^\S+:(\d+):(\d+): \w+\[(CL\d+)\].*?\n  (\d+) \| ([^\n]*)\n +\| ( *)\^"
    blocks = re.findall(block, report, re.M | re.S)
    for line_no, column, code, shown_no, shown, pad in blocks:
        assert line_no == shown_no and len(shown) <= WIDTH
        under = shown[len(pad)]
        assert under == lines[int(line_no) - 1][int(column) - 1]
        out.append((code, under))
    return out


@pytest.fixture
def log(tmp_path):
    lines = [json.dumps(anthropic_request()), long_line()]
    (tmp_path / "log.jsonl").write_text("\n".join(lines) + "\n")
    return tmp_path, lines


def test_text_report_of_a_long_line_points_at_the_finding_cold_and_warm(log):
    tmp_path, lines = log
    reports = []
    for _ in range(2):  # cold, then from the result cache
        r = run_cli("check", "log.jsonl", cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        reports.append(r.stdout.decode())
    assert reports[0] == reports[1]
    carets = _carets(reports[0], lines)
    assert ("CL301", STAMP[0]) in carets and len(carets) == reports[0].count(" | ") // 2
    assert max(map(len, reports[0].splitlines())) < 2 * WIDTH
    entries = (tmp_path / ".cachelint_cache").rglob("*")
    cached = sum(p.stat().st_size for p in entries if p.is_file())
    assert cached < 50_000, "the cache holds excerpts, not megabyte lines"


def test_json_report_of_a_long_line_keeps_the_columns(log):
    tmp_path, lines = log
    r = run_cli("check", "log.jsonl", "--format", "json", "--no-cache", cwd=tmp_path)
    (found,) = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "CL301"]
    assert lines[found["line"] - 1][found["column"] - 1 :].startswith(STAMP)
    assert found["end_column"] - found["column"] == len(STAMP)


def test_a_plugin_finding_with_a_whole_long_line_is_shown_cut(log):
    """A finding made elsewhere with the whole line still prints an excerpt, caret in place."""
    from format_fixtures import render

    _, lines = log
    line = lines[1]
    col = line.index(STAMP) + 1
    f = _finding(line, Span(2, col, 2, col + len(STAMP)))
    out = render("text", [replace(f, code="CL301", path="log.jsonl")])
    assert _carets(out, lines) == [("CL301", STAMP[0])]


def test_a_long_python_line_gives_a_short_snippet_at_the_finding():
    filler = "Policy clause. " * 2000
    call = (
        'client.messages.create(model="claude-sonnet-4-5", max_tokens=10, system=[{"type": '
        f'"text", "text": "{filler}" + f"Now: {{datetime.now()}}", "cache_control": '
        '{"type": "ephemeral"}}], messages=[{"role": "user", "content": q}])'
    )
    source = (
        "import anthropic\nfrom datetime import datetime\nclient = anthropic.Anthropic()\n"
        f"def ask(q):\n    return {call}\n"
    )
    line = source.splitlines()[4]
    found = lint(source, "app.py")
    assert found and all(f.span.line == 5 for f in found)
    for f in found:
        _check_excerpt(line, f.span.column, f.snippet, f.snippet_start)
