"""CL000 unparsable-input: a file that cannot be read or parsed, or whose analysis stopped.
Reported by the sources themselves (and by the engine for files it cannot read)."""

from __future__ import annotations

from cachelint.catalog import catalog
from cachelint.findings import Finding, Severity, Span
from cachelint.resolve_issues import FILE_START, first_paragraph
from cachelint.rule_api import source_rule
from cachelint.snippet import excerpt


@source_rule("CL000")
def unparsable(
    path: str, message: str, span: Span = FILE_START, snippet: str | None = None
) -> Finding:
    """A CL000 finding; `snippet` is the source line at the span (cut if long)."""
    info = catalog()["CL000"]
    start = 1
    if snippet is not None:
        snippet, start = excerpt(snippet, span.column)
    fix = first_paragraph(info.fix)
    return Finding("CL000", info.name, Severity.ERROR, path, span, message, fix, snippet, [], start)
