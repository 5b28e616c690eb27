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
    if len(line) <= WIDTH:
        return line, start
    at = min(max(0, column - start), len(line) - 1)
    lo = max(0, min(at - BEFORE, len(line) - WIDTH))
    hi = lo + WIDTH
    text = line[lo:hi]
    if lo:
        text = ELLIPSIS + text[1:]
    if hi < len(line):
        text = text[:-1] + ELLIPSIS
    return text, start + lo
