"""Fixes of Python source: planned on ast nodes while checking (`plan`), made into text edits
with libcst only when a fix is applied or its edits are shown (`realize`, `rewrites`).

Importing this package does not import libcst.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from cachelint.findings import Finding
from cachelint.fixes import Fix


def made(text: str, fixes: list[Fix]) -> list[Fix | None]:
    """Each fix with its node rewrites made into text edits, or None where that cannot be done
    (the node is not where ast put it, or the result would not parse)."""
    if not any(f.pending for f in fixes):
        return list(fixes)
    from cachelint.fix_python.realize import realize

    return realize(text, fixes)


def realized(findings: list[Finding], read: Callable[[str], str | None]) -> list[Finding]:
    """The findings with their Python fixes as text edits (for reports that show edits);
    `read` gives a file's text by its shown path, or None (the fixes are then dropped)."""
    out = list(findings)
    pending: dict[str, list[int]] = {}
    for i, f in enumerate(out):
        if f.fix is not None and f.fix.pending:
            pending.setdefault(f.path, []).append(i)
    for path, at in pending.items():
        text = read(path)
        done = made(text, [out[i].fix for i in at]) if text is not None else [None] * len(at)  # type: ignore[misc]
        for i, fix in zip(at, done, strict=True):
            out[i] = replace(out[i], fix=fix)
    return out
