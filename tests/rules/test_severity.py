"""One severity for one harm: a block that changes on every request and precedes or carries a
breakpoint means that cache entry is never read, whichever rule reports it."""

from __future__ import annotations

from cachelint.catalog import catalog
from cachelint.findings import Severity

from conftest import lint

VOLATILE_BEFORE = (
    '{"model": "claude-sonnet-4-5", "max_tokens": 5, "system": [{"type": "text", "text": '
    '"Current time: 2026-11-22T10:00:00Z"}, {"type": "text", "text": "Policies", '
    '"cache_control": {"type": "ephemeral"}}], "messages": [{"role": "user", "content": "Hi"}]}'
)
VOLATILE_MARKED = (
    '{"model": "claude-sonnet-4-5", "max_tokens": 5, "system": [{"type": "text", "text": '
    '"Policies"}, {"type": "text", "text": "Current time: 2026-11-22T10:00:00Z", '
    '"cache_control": {"type": "ephemeral"}}], "messages": [{"role": "user", "content": "Hi"}]}'
)


def test_a_changing_block_before_or_on_the_breakpoint_is_an_error_either_way():
    rules = catalog()
    assert rules["CL301"].severity is rules["CL304"].severity is Severity.ERROR
    for page in (rules["CL301"].page, rules["CL304"].page):
        assert "same severity" in page
    before = [f for f in lint(VOLATILE_BEFORE) if f.code in ("CL301", "CL304")]
    marked = [f for f in lint(VOLATILE_MARKED) if f.code in ("CL301", "CL304")]
    assert [f.code for f in before] == ["CL301"] and [f.code for f in marked] == ["CL304"]
    assert {f.severity for f in before + marked} == {Severity.ERROR}
