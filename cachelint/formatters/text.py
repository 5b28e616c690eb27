"""The terminal format: location, message, the offending line with carets, and the fix."""

from __future__ import annotations

from cachelint.findings import Finding, Severity
from cachelint.formatters import Formatter, Summary
from cachelint.formatters.concise import _count

_COLORS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


class TextFormatter(Formatter):
    name = "text"
    human = True

    def _c(self, code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def handle(self, f: Finding) -> None:
        w = self.stream.write
        sev = self._c(_COLORS[f.severity], f"{f.severity.value}[{f.code}]")
        w(f"{self._c('1', f'{f.path}:{f.span.line}:{f.span.column}')}: {sev} {f.name}\n")
        for line in f.message.splitlines() or [""]:
            w(f"  {line}\n")
        if f.snippet is not None:
            w(self._snippet(f))
        for msg, span in f.notes:
            w(f"  = note: {msg} at {f.path}:{span.line}:{span.column}\n")
        if f.help:
            w(f"  = help: {f.help}\n")
        w("\n")

    def _snippet(self, f: Finding) -> str:
        number = str(f.span.line)
        pad = " " * len(number)
        raw = f.snippet or ""
        # columns count code points of the raw line; tabs are shown as 4 spaces
        line = raw.expandtabs(4)
        column = len(raw[: f.span.column - 1].expandtabs(4)) + 1
        end = len(raw[: f.span.end_column - 1].expandtabs(4)) + 1
        if len(line) > 200:  # minified JSON: show a window around the column
            start = max(0, column - 60)
            line = ("…" if start else "") + line[start : start + 160] + "…"
            col = column - start + (1 if start else 0)
        else:
            col = column
        width = (end - column) if f.span.end_line == f.span.line else 1
        width = max(1, min(width, max(1, len(line) - col + 1)))
        carets = self._c(_COLORS[f.severity], "^" * width)
        return f"  {pad} |\n  {number} | {line}\n  {pad} | {' ' * (col - 1)}{carets}\n"

    def finish(self, summary: Summary) -> None:
        if self.quiet:
            return
        if summary.total:
            self.stream.write(
                f"Found {_count(summary)} in {summary.files_checked} "
                f"file{'s' if summary.files_checked != 1 else ''} checked.\n"
            )
        else:
            self.stream.write(
                f"All checks passed ({summary.files_checked} "
                f"file{'s' if summary.files_checked != 1 else ''} checked).\n"
            )
