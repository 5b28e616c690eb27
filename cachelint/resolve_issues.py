"""Turn a check's Issue into a Finding: catalog metadata plus a resolved location."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachelint.catalog import catalog
from cachelint.findings import Finding, Span
from cachelint.fixes import AnchoredEdit, Edit, Fix, PlannedFix
from cachelint.rule_api import Issue
from cachelint.snippet import excerpt

FILE_START = Span(1, 1, 1, 2)
# The span of an anchor, the source line there (or an excerpt of it), and the column of the
# snippet's first character.
Resolver = Callable[[Any], tuple[Span, str | None, int]]
# The span an anchored edit replaces (cachelint.fixes.AnchoredEdit), or None when it cannot be
# placed (the fix is then dropped).
EditResolver = Callable[[AnchoredEdit], Span | None]


def first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ") if text else ""


def finding(
    issue: Issue, path: str, resolve: Resolver, resolve_edit: EditResolver | None = None
) -> Finding:
    """The finding of an issue; `resolve` gives the span of an anchor and the source line there
    (kept whole when short, else cut around the span); `resolve_edit` places its fix's edits."""
    info = catalog()[issue.code]
    span, snippet, start = resolve(issue.anchor)
    if snippet is not None:
        snippet, start = excerpt(snippet, span.column, start)
    return Finding(
        code=issue.code,
        name=info.name,
        severity=issue.severity or info.severity,
        path=path,
        span=span,
        message=issue.message,
        help=issue.help or first_paragraph(info.fix),
        snippet=snippet,
        notes=[(msg, resolve(a)[0]) for msg, a in issue.notes],
        snippet_start=start,
        fix=resolved_fix(issue.fix, resolve_edit),
    )


def edit_resolver(resolve: Resolver) -> EditResolver | None:
    """The edit resolver of the document whose `resolve` this is (payload.source.JsonDoc)."""
    return getattr(getattr(resolve, "__self__", None), "edit_span", None)


def resolved_fix(planned: PlannedFix | None, resolve_edit: EditResolver | None) -> Fix | None:
    """The fix with its edits placed, or None when any edit cannot be placed."""
    if planned is None or resolve_edit is None or not planned.edits:
        return None
    edits = []
    for e in planned.edits:
        span = resolve_edit(e)
        if span is None:
            return None
        edits.append(Edit(span, e.content))
    return Fix(planned.title, planned.applicability, tuple(edits))
