"""Findings as LSP diagnostics: severity, rule code and page, message and help, notes."""

from __future__ import annotations

from functools import cache

from lsprotocol import types

from cachelint.findings import Finding, Severity
from cachelint.formatters.neutral import shown_finding
from cachelint.lsp.positions import PositionMap
from cachelint.rule_pages import rules_dir

SOURCE = "cachelint"
SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


@cache
def rule_page(code: str, name: str) -> types.CodeDescription | None:
    """A link to the rule's page (`CL101-too-many-breakpoints.md`) where cachelint is installed:
    the page `cachelint rule CODE` shows."""
    page = rules_dir() / f"{code}-{name}.md"
    return types.CodeDescription(href=page.resolve().as_uri()) if page.is_file() else None


def diagnostic(finding: Finding, positions: PositionMap, uri: str) -> types.Diagnostic:
    """The diagnostic of a finding in the document at `uri`; its text as the reports show it
    (control characters escaped), the help on a line of its own, each note a related location."""
    f = shown_finding(finding)
    related = [
        types.DiagnosticRelatedInformation(types.Location(uri, positions.range(span)), message)
        for message, span in f.notes
    ]
    return types.Diagnostic(
        range=positions.range(f.span),
        severity=SEVERITY[f.severity],
        code=f.code,
        code_description=rule_page(f.code, f.name),
        source=SOURCE,
        message=f"{f.message}\nhelp: {f.help}" if f.help else f.message,
        related_information=related or None,
    )
