"""The terminal format: location, message, the offending line with carets, and the fix."""

from __future__ import annotations

from cachelint.findings import Finding, Severity
from cachelint.formatters import Formatter, Summary
from cachelint.formatters.concise import summary_line
from cachelint.formatters.neutral import fix_label, shown_columns, shown_finding
from cachelint.snippet import excerpt

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


class TextFormatter(Formatter):
    name = "text"
    human = True

    def _c(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def handle(self, f: Finding) -> None:
        f = shown_finding(f)
        w = self.stream.write
        sev = self._c(_COLORS[f.severity], f"{f.severity.value}[{f.code}]")
        w(f"{self._c('1', f'{f.path}:{f.span.line}:{f.span.column}')}: {sev} {f.name}\n")
        w(f"  {f.message}\n")
        if f.snippet is not None:
            w(self._snippet(f))
        for msg, span in f.notes:
            w(f"  = note: {msg} at {f.path}:{span.line}:{span.column}\n")
        if f.help:
            w(f"  = help: {f.help}\n")
        if f.fix is not None:
            w(f"  = fix available: {fix_label(f.fix)}\n")
        w("\n")

    def _snippet(self, f: Finding) -> str:
        number = str(f.span.line)
        pad = " " * len(number)
        # a long line is shown as an excerpt around the column (findings hold one already);
        # columns count code points of the line; tabs are shown as 4 spaces
        raw, start = excerpt(f.snippet or "", f.span.column, f.snippet_start)
        line, at = shown_columns(raw, 4)
        col = at[min(max(0, f.span.column - start), len(raw))] + 1
        end = at[min(max(0, f.span.end_column - start), len(raw))] + 1
        width = (end - col) if f.span.end_line == f.span.line else 1
        width = max(1, min(width, max(1, len(line) - col + 1)))
        carets = self._c(_COLORS[f.severity], "^" * width)
        return f"  {pad} |\n  {number} | {line}\n  {pad} | {' ' * (col - 1)}{carets}\n"

    def finish(self, summary: Summary) -> None:
        if not self.quiet:
            self.stream.write(summary_line(summary) + "\n")
