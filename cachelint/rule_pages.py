"""Where the rule pages are and which codes they define, without parsing them (`catalog.py`
parses them; a warm run only needs the codes, to select rules)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


def rules_dir() -> Path:
    """Installed wheels carry the pages in `cachelint/_rules`; a checkout has them in `rules/`."""
    here = Path(__file__).resolve().parent
    packaged = here / "_rules"
    return packaged if packaged.is_dir() else here.parent / "rules"


@cache
def codes() -> tuple[str, ...]:
    """The rule codes, from the page names (`CL101-too-many-breakpoints.md`)."""
    return tuple(sorted(p.name.partition("-")[0] for p in rules_dir().glob("CL*.md")))


@cache
def names() -> dict[str, str]:
    """Rule names and their codes, from the page names (`volatile-before-breakpoint`: CL301)."""
    out = {}
    for p in rules_dir().glob("CL*.md"):
        code, _, name = p.stem.partition("-")
        out[name] = code
    return out
