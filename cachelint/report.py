"""Turn a check's Issue into a Finding: catalog metadata plus a resolved location."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachelint.catalog import catalog
from cachelint.checks import Issue
from cachelint.findings import Finding, Severity, Span

FILE_START = Span(1, 1, 1, 2)
Resolver = Callable[[Any], tuple[Span, str | None]]


def first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].replace("\n", " ") if text else ""


def finding(issue: Issue, path: str, resolve: Resolver) -> Finding:
    info = catalog()[issue.code]
    span, snippet = resolve(issue.anchor)
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
    )


def unparsable(
    path: str, message: str, span: Span = FILE_START, snippet: str | None = None
) -> Finding:
    info = catalog()["CL000"]
    return Finding(
        "CL000", info.name, Severity.ERROR, path, span, message, first_paragraph(info.fix), snippet
    )
