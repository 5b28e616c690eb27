"""Source positions of reported nodes.

CPython's `ast` records on every expression and statement where it starts and ends; columns are
offsets in UTF-8 bytes, turned here into 1-based character columns (only for lines that are not
ASCII does that take more than an addition).
"""

from __future__ import annotations

import re

from cachelint.findings import Span

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's line breaks (not form feeds or U+2028)
FILE_START = Span(1, 1, 1, 2)


class Positions:
    """Spans of nodes in one module's text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.text)
        return self._lines

    def span(self, node: object) -> Span:
        line = getattr(node, "lineno", None)
        if line is None:  # a node without a place of its own (the module, a comprehension)
            return FILE_START
        end_line = getattr(node, "end_lineno", None) or line
        start = self._column(line, node.col_offset)  # type: ignore[attr-defined]
        end_col = getattr(node, "end_col_offset", None)
        end = self._column(end_line, end_col) if end_col is not None else start + 1
        return Span(line, start + 1, end_line, end + 1)

    def _column(self, line: int, offset: int) -> int:
        text = self.line_text(line)
        if text is None or text.isascii():
            return offset
        return len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore"))

    def line_text(self, line: int) -> str | None:
        lines = self.lines
        return lines[line - 1] if 0 < line <= len(lines) else None
