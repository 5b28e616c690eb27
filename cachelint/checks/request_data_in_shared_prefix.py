"""CL302 request-data-in-shared-prefix: per-request values in tools or system (Python source)."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks.volatile import covering, prefix_blocks
from cachelint.prompt import Block, Prompt
from cachelint.rule_api import Context, Issue, request_check

_SHARED = ("tools", "system")


def _interpolated(b: Block) -> bool:
    """Known text around the value: a template filled per request, not a pass-through."""
    return any(isinstance(s, str) and s.strip() for s in b.content)


@request_check("CL302")
def request_data(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    seen: set[int] = set()
    for p in prefix_blocks(prompt):
        b = p.block
        if b.section not in _SHARED or not _interpolated(b):
            continue
        for h in b.holes():
            if h.origin != "request" or id(h) in seen:
                continue
            seen.add(id(h))
            yield Issue(
                "CL302",
                h.anchor,
                f"per-request data ({h.description}) is part of the {b.section} prefix that the "
                f"breakpoint caches: requests with different values never share that entry, "
                f"so every user or session pays for its own cache write",
                notes=[("breakpoint whose prefix includes it", covering(p).anchor)],
            )
