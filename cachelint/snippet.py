"""The source line shown with a finding. A long line (minified JSON, a JSONL log's request) is
kept as a window around the finding, so that findings stay small in memory, in the result cache
and in reports whatever the length of the line."""

from __future__ import annotations

ELLIPSIS = "…"
BEFORE = 60  # characters kept before the finding's column
# Characters kept in all. Besides the BEFORE ones, at least the 160 from the column on, which
# formatters/fingerprints.py hashes for a long line, and the ellipsis after them.
WIDTH = 240


def excerpt(line: str, column: int, start: int = 1) -> tuple[str, int]:
    """`line`, whose first character is at column `start` (1-based), cut to WIDTH characters
    around `column`, and the column of its first character. An ellipsis marks each cut end, in
    place of the character it hides, so character i of the excerpt is still at column start + i.
    A line no longer than WIDTH is returned whole: cutting an excerpt again changes nothing."""
    text, first = excerpt_in(line, 0, len(line), column - start + 1)
    return text, start + first - 1


def excerpt_in(text: str, line_start: int, line_end: int, column: int) -> tuple[str, int]:
    """`excerpt(text[line_start:line_end], column)`, without copying the whole of a long line.
    `line_end` may stop short of a long line's end, WIDTH characters after the column or more:
    the excerpt is the same."""
    n = line_end - line_start
    if n <= WIDTH:
        return text[line_start:line_end], 1
    at = min(max(0, column - 1), n - 1)
    lo = max(0, min(at - BEFORE, n - WIDTH))
    hi = lo + WIDTH
    cut = text[line_start + lo : line_start + hi]
    if lo:
        cut = ELLIPSIS + cut[1:]
    if hi < n:
        cut = cut[:-1] + ELLIPSIS
    return cut, 1 + lo
