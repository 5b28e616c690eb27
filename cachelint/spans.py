"""Where a finding or an edit is in a file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """1-based lines and columns (code points); the end is exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int
