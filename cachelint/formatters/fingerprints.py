"""Stable identities for findings, for CI services that track issues across runs.

A finding is identified by its rule, its file and the content it points at, never its line
number, so an edit elsewhere in the file does not close one alert and open another.
"""

from __future__ import annotations

import hashlib

from cachelint.findings import Finding

# Longer lines (minified JSON, one JSONL request per line) change whenever anything in the request
# does: only the text under the span identifies the finding there.
LONG_LINE = 160


def located_text(f: Finding) -> str:
    """The source line of the finding without any whitespace (so re-indenting keeps it), or the
    text under the span for a long line; empty when the source line is unknown."""
    if f.snippet is None:
        return ""
    line = f.snippet
    if len(line.strip()) > LONG_LINE:  # an excerpt of a long line is long too (snippet.WIDTH)
        start = max(0, f.span.column - f.snippet_start)
        end = f.span.end_column - f.snippet_start if f.span.end_line == f.span.line else len(line)
        line = line[start : max(start, min(end, start + LONG_LINE))]
    return "".join(line.split())


def content_hash(*parts: str) -> str:
    """16 hex digits of SHA-256 over the parts, the shape GitHub shows for line hashes."""
    data = "\0".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:16]
