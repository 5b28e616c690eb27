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
        data=_fix_data(finding, positions),
    )


def _fix_data(finding: Finding, positions: PositionMap) -> dict | None:
    """The finding's fix as the diagnostic carries it to a code action request: its title,
    whether it is safe, and its edits as LSP text edits (JSON, as the client sends it back)."""
    fix = finding.fix
    if fix is None:
        return None
    edits = []
    for e in fix.text_edits:
        r = positions.range(e.span)
        edits.append(
            {
                "range": {
                    "start": {"line": r.start.line, "character": r.start.character},
                    "end": {"line": r.end.line, "character": r.end.character},
                },
                "newText": e.content,
            }
        )
    return {"fix": {"title": fix.title, "safe": fix.safe, "edits": edits}}


def code_actions(uri: str, diagnostics: list[types.Diagnostic]) -> list[types.CodeAction]:
    """A quick fix for each diagnostic of cachelint that carries a fix; an unsafe one (it may
    change what is sent) says so and is never the preferred action."""
    actions = []
    for d in diagnostics:
        data = d.data if isinstance(d.data, dict) else None
        fix = data.get("fix") if data and d.source == SOURCE else None
        if not isinstance(fix, dict):
            continue
        edits = [
            types.TextEdit(
                range=types.Range(
                    types.Position(**e["range"]["start"]), types.Position(**e["range"]["end"])
                ),
                new_text=e["newText"],
            )
            for e in fix.get("edits", [])
        ]
        title = f"{fix['title']} ({d.code})" + ("" if fix.get("safe") else " (unsafe)")
        actions.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                edit=types.WorkspaceEdit(changes={uri: edits}),
                is_preferred=bool(fix.get("safe")),
            )
        )
    return actions
