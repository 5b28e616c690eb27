"""JUnit XML, parsed with xml.etree as CI test-report readers do: a suite per file, a failing case
per finding, counts that add up, messages that survive escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from cachelint.findings import Finding, Severity, Span
from cachelint.formatters import Summary
from cachelint.formatters.neutral import shown

from format_fixtures import FINDINGS, SUMMARY, render, run_on_rule_examples


def parse(out: str) -> ET.Element:
    assert out.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    root = ET.fromstring(out.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert sum(int(s.get("tests")) for s in suites) >= int(root.get("tests"))
    assert sum(int(s.get("failures")) for s in suites) == int(root.get("failures"))
    for s in suites:
        cases = s.findall("testcase")
        assert len(cases) == int(s.get("tests"))
        assert len([c for c in cases if c.find("failure") is not None]) == int(s.get("failures"))
    return root


def test_fixture_findings():
    root = parse(render("junit"))
    assert root.get("name") == "cachelint"
    assert root.get("tests") == root.get("failures") == str(len(FINDINGS))
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {f.path for f in FINDINGS}
    bot = suites["requests/support bot.json"]
    assert [c.get("name") for c in bot] == ["org.cachelint.CL101", "org.cachelint.CL301"] + [
        "org.cachelint.CL101"
    ]
    assert {c.get("classname") for c in bot} == {"requests/support bot"}
    by_code = {c.get("name").rsplit(".", 1)[1]: c for s in suites.values() for c in s}
    for f in FINDINGS:
        case = by_code[f.code]
        if f.code == "CL101":
            continue  # two of them, checked above
        assert (case.get("line"), case.get("column")) == (str(f.span.line), str(f.span.column))
        failure = case.find("failure")
        assert failure.get("message") == shown(f.message)
        assert failure.get("type") == f.severity.value
        assert failure.text == f"line {f.span.line}, col {f.span.column}, {shown(f.message)}"


def test_attributes_keep_quotes_and_markup_and_show_line_breaks_escaped():
    message = "a \"quoted\" <tag> & 'apostrophe', 100%: done\r\nnext\tline"
    f = Finding("CL101", "n", Severity.ERROR, "a&b<c>.json", Span(1, 1, 1, 2), message, "h")
    root = parse(render("junit", [f], SUMMARY))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "a&b<c>.json"
    failure = suite.find("testcase/failure")
    assert failure.get("message") == message.replace("\r\n", "\\r\\n").replace("\t", "\\t")
    assert failure.text.endswith("done\\r\\nnext\\tline")


def test_characters_xml_cannot_carry_are_shown_not_dropped():
    message = "bad \x00\x01\x1f\ufffe \ud800"
    f = Finding("CL000", "n", Severity.ERROR, "x.json", Span(1, 1, 1, 2), message, "")
    failure = parse(render("junit", [f], SUMMARY)).find("testsuite/testcase/failure")
    assert failure.get("message") == "bad \\x00\\x01\\x1f\\ufffe \\ud800"


def test_no_findings_is_one_passing_case():
    root = parse(render("junit", [], Summary("0", 4, 0, 0, 0)))
    assert (root.get("tests"), root.get("failures")) == ("1", "0")
    inner = sum(int(s.get("tests")) for s in root.findall("testsuite"))
    assert int(root.get("tests")) == inner, "the totals agree with the suites"
    ((case,),) = [list(s) for s in root.findall("testsuite")]
    assert case.get("name") == "No errors found" and case.find("failure") is None


def test_real_cli_on_the_rule_examples(tmp_path):
    out, truth = run_on_rule_examples(tmp_path, "junit")
    root = parse(out)
    assert int(root.get("failures")) == len(truth)
    got = [
        (s.get("name"), c.get("name"), c.get("line"), c.find("failure").get("message"))
        for s in root.findall("testsuite")
        for c in s.findall("testcase")
    ]
    assert got == [
        (f["path"], f"org.cachelint.{f['code']}", str(f["line"]), f["message"]) for f in truth
    ]
