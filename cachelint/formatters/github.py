"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

`::error file=F,line=L,endLine=E,col=C,endColumn=D,title=cachelint (CODE)::path:L:C: CODE message`,
escaped as actions/toolkit's command.ts does. The runner drops an annotation that has columns
across several lines, so columns are given for single-line findings only. Every finding is
printed even though the runner shows only the first few as annotations: the log keeps the rest.
"""

from __future__ import annotations

from cachelint.findings import Finding, Severity
from cachelint.formatters import Formatter
from cachelint.formatters.locations import absolute, last_line
from cachelint.formatters.neutral import shown, shown_finding

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(f: Finding) -> str:
    span = f.span
    file = shown(str(absolute(f.path)))
    f = shown_finding(f)
    props = {"file": file, "line": str(span.line), "endLine": str(last_line(span))}
    if span.end_line == span.line:
        props["col"] = str(span.column)
        props["endColumn"] = str(max(span.column, span.end_column))
    props["title"] = f"cachelint ({f.code})"
    message = f"{f.path}:{span.line}:{span.column}: {f.code} {f.message}"
    if f.help:
        message += f"\n  help: {f.help}"
    joined = ",".join(f"{k}={escape_property(v)}" for k, v in props.items())
    return f"::{COMMAND[f.severity]} {joined}::{escape_data(message)}"


class GithubFormatter(Formatter):
    name = "github"

    def handle(self, finding: Finding) -> None:
        self.stream.write(workflow_command(finding) + "\n")
