"""cachelint positions as LSP positions.

A finding's span counts lines as the linter did (payloads break lines at `\\n` only, Python also
at `\\r\\n` and `\\r`) and columns in code points, from 1. LSP counts lines broken at `\\n`,
`\\r\\n` and `\\r` (never at U+2028 or a form feed) and characters in the code units the client
and server agreed on (UTF-16 unless the client offers another), from 0.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable

from lsprotocol import types

from cachelint.findings import Span

_LSP_BREAK = re.compile(r"\r\n|\r|\n")  # also Python's line breaks
_JSON_BREAK = re.compile(r"\n")


def _utf8(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


UNITS: dict[str, Callable[[str], int]] = {"utf-8": _utf8, "utf-16": _utf16, "utf-32": len}


def _lines(text: str, breaks: re.Pattern[str]) -> tuple[list[int], list[int]]:
    """The offsets where each line starts, and where its text ends (before its line break)."""
    starts, ends = [0], []
    for m in breaks.finditer(text):
        ends.append(m.start())
        starts.append(m.end())
    ends.append(len(text))
    return starts, ends


class PositionMap:
    """Converts the spans of findings on `text` into LSP ranges."""

    def __init__(self, text: str, python: bool, encoding: str = "utf-16") -> None:
        self.text = text
        self.units = UNITS.get(encoding, _utf16)
        self.lsp = _lines(text, _LSP_BREAK)
        self.linted = self.lsp if python else _lines(text, _JSON_BREAK)

    def position(self, line: int, column: int) -> types.Position:
        starts, ends = self.linted
        if line > len(starts):
            offset = len(self.text)
        else:
            i = max(line, 1) - 1
            offset = min(starts[i] + max(column, 1) - 1, ends[i])
        starts, ends = self.lsp
        i = bisect_right(starts, offset) - 1
        return types.Position(i, self.units(self.text[starts[i] : min(offset, ends[i])]))

    def range(self, span: Span) -> types.Range:
        return types.Range(
            self.position(span.line, span.column), self.position(span.end_line, span.end_column)
        )
