"""The finding record every source produces and every formatter consumes."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from cachelint.spans import Span

if TYPE_CHECKING:
    from cachelint.fixes import Fix


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    path: str
    span: Span
    message: str
    help: str
    snippet: str | None = None  # the source line at span.line (or an excerpt), for the text format
    notes: list[tuple[str, Span]] = field(default_factory=list)  # secondary locations
    # the column of the snippet's first character: a long line is kept as an excerpt around
    # span.column (cachelint.snippet), with an ellipsis in place of each cut end's character
    snippet_start: int = 1
    fix: Fix | None = None  # edits that would resolve it (cachelint.fixes)

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.code, self.message)

    def to_dict(self) -> dict:
        d: dict[str, object] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "message": self.message,
            "help": self.help,
        }
        if self.notes:
            d["notes"] = [{"message": m, "line": s.line, "column": s.column} for m, s in self.notes]
        if self.fix is not None:
            d["fix"] = self.fix.to_dict()
        return d

    def to_record(self) -> list:
        """Compact, complete form for the result cache (see `from_record`)."""
        s = self.span
        notes = [[m, [n.line, n.column, n.end_line, n.end_column]] for m, n in self.notes]
        return [
            self.code,
            self.name,
            self.severity.value,
            self.path,
            [s.line, s.column, s.end_line, s.end_column],
            self.message,
            self.help,
            self.snippet,
            notes,
            self.snippet_start,
            self.fix.to_record() if self.fix is not None else None,
        ]

    @classmethod
    def from_record(cls, r: list) -> Finding:
        code, name, sev, path, span, message, help_, snippet, notes, snippet_start = r[:10]
        fix = None
        if len(r) > 10 and r[10] is not None:  # records written before fixes have none
            from cachelint.fixes import Fix

            fix = Fix.from_record(r[10])
        return cls(
            code,
            name,
            Severity(sev),
            path,
            Span(*span),
            message,
            help_,
            snippet,
            [(m, Span(*n)) for m, n in notes],
            snippet_start,
            fix,
        )
