"""CL001 unused-suppression: a suppression comment that suppressed nothing (Python source).
`cachelint.python.suppression` finds the comments and which of them went unused."""

from __future__ import annotations

from cachelint.findings import Span
from cachelint.rule_api import Issue, source_rule

CODE = "CL001"


@source_rule(CODE)
def unused_suppression(line: int, column: int, end_column: int, message: str) -> Issue:
    """The issue of an unused comment, anchored at its span in the file."""
    return Issue(CODE, Span(line, column, line, end_column), message)
