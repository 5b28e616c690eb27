"""Every example in every rules/ page runs: bad ones are flagged at their marked lines, good ones
produce nothing for the page's rule (Fixit's VALID/INVALID, generated from the docs)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cachelint.catalog import catalog
from cachelint.rule_pages import codes

from conftest import lint

SUFFIX = {"json": "example.json", "jsonl": "example.jsonl", "python": "example.py"}


def _cases():
    for code, info in catalog().items():
        counts = {"bad": 0, "good": 0}
        for ex in info.examples:
            counts[ex.kind] += 1
            yield pytest.param(code, ex, id=f"{code}-{ex.language}-{ex.kind}-{counts[ex.kind]}")


def _run(ex):
    extend = ex.options.get("extend-select")  # opt-in rules (CL001) are named to run
    return lint(
        ex.source,
        ex.options.get("filename", SUFFIX[ex.language]),
        model=ex.options.get("model"),
        platform=ex.options.get("platform"),
        extend_select=extend.split(",") if extend else [],
    )


@pytest.mark.parametrize(("code", "ex"), list(_cases()))
def test_example(code, ex):
    findings = _run(ex)
    got = sorted({(f.span.line, f.code) for f in findings})
    if ex.kind == "good":
        own = [f for f in findings if f.code == code]
        assert not own, f"good example flagged: {[(f.span.line, f.message) for f in own]}"
        return
    assert ex.expected, "a bad example must mark where it is flagged (// expect: CODE)"
    for line, expected_code in ex.expected:
        assert (line, expected_code) in got, f"expected {expected_code} at line {line}, got {got}"
    marked = {line for line, c in ex.expected if c == code}
    stray = [
        (f.span.line, f.message) for f in findings if f.code == code and f.span.line not in marked
    ]
    assert not stray, f"{code} reported at unmarked lines: {stray}"


def test_every_page_has_bad_and_good_examples():
    for code, info in catalog().items():
        kinds = {ex.kind for ex in info.examples}
        assert kinds == {"bad", "good"}, f"{code} needs bad and good examples"
        for section in ("What it does", "Why is this bad?", "How to fix"):
            assert info.sections.get(section), f"{code} lacks a '{section}' section"


def test_each_page_is_named_after_its_code():
    """Selecting rules reads the codes from the page names only."""
    assert codes() == tuple(sorted(catalog()))
    for code, info in catalog().items():
        assert info.path.name.startswith(f"{code}-"), info.path.name


def _fixable_examples():
    for code, info in catalog().items():
        for n, ex in enumerate(info.examples, 1):
            if ex.fixed is not None:
                yield pytest.param(ex, id=f"{code}-{n}")


@pytest.mark.parametrize("ex", list(_fixable_examples()))
def test_fixing_a_bad_example_gives_its_fixed_example(ex):
    """--fix --unsafe-fixes on the bad example gives the fixed one, which parses, and fixing
    it again changes nothing."""
    from cachelint.apply_fixes import FixPolicy, fix_bytes, parses

    name = ex.options.get("filename", SUFFIX[ex.language])
    policy = FixPolicy.of(["ALL"], [], unsafe=True)

    def lint_bytes(data: bytes):
        return _run(replace(ex, source=data.decode()))

    done = fix_bytes(ex.source.encode(), name, lint_bytes, policy)
    assert done.fixed.decode() == ex.fixed
    assert parses(done.fixed, name)
    assert fix_bytes(done.fixed, name, lint_bytes, policy).fixed_count == 0


def test_each_fixable_rule_shows_a_fixed_example():
    for code in ("CL101", "CL102", "CL103"):
        assert any(ex.fixed for ex in catalog()[code].examples), code
    for code in ("CL101", "CL102", "CL103", "CL301", "CL303", "CL304", "CL501"):  # libcst
        assert any(ex.fixed and ex.language == "python" for ex in catalog()[code].examples), code
