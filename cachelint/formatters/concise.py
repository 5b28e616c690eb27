"""`path:line:col: severity: [*] message [CODE]` (`[*]`: fixable with --fix): matches the $gcc
problem matcher and Vim."""

from __future__ import annotations

from cachelint.findings import Finding, Severity
from cachelint.formatters import Formatter, Summary
from cachelint.formatters.neutral import shown_finding


def concise_line(f: Finding) -> str:
    f = shown_finding(f)
    # gcc-style matchers know only "error" and "warning": info is shown as a warning here
    sev = "error" if f.severity is Severity.ERROR else "warning"
    # `[*]`: `--fix` fixes it (ruff's mark, before the message: the code stays last for the
    # problem matchers, which take the mark as part of the message)
    mark = "[*] " if f.fix is not None and f.fix.safe else ""
    return f"{f.path}:{f.span.line}:{f.span.column}: {sev}: {mark}{f.message} [{f.code}]"


class ConciseFormatter(Formatter):
    name = "concise"
    human = True

    def handle(self, finding: Finding) -> None:
        self.stream.write(concise_line(finding) + "\n")

    def finish(self, summary: Summary) -> None:
        if not self.quiet:
            self.stream.write(summary_line(summary) + "\n")


def summary_line(s: Summary) -> str:
    """The last line of a report for people: what was found, in how many files."""
    files = f"{s.files_checked} file{'s' if s.files_checked != 1 else ''} checked"
    return f"Found {_count(s)} in {files}." if s.total else f"All checks passed ({files})."


def _count(s: Summary) -> str:
    parts = [
        f"{n} {w}{'s' if n != 1 else ''}"
        for n, w in ((s.errors, "error"), (s.warnings, "warning"), (s.infos, "info"))
        if n
    ]
    return f"{s.total} finding{'s' if s.total != 1 else ''} ({', '.join(parts)})"
