"""CL303 unstable-order: prefix content whose order varies between processes (Python source)."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks.volatile import covering, prefix_blocks
from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue, request_check


@request_check("CL303")
def unstable_order(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    seen: set[int] = set()
    for p in prefix_blocks(prompt):
        for h in p.block.holes():
            if not h.unordered or id(h) in seen:
                continue
            seen.add(id(h))
            yield Issue(
                "CL303",
                h.anchor,
                f"the {p.block.section} prefix is built from {h.description}: another process "
                f"or machine produces another order, so the prefix differs and the cache misses",
                notes=[("breakpoint whose prefix includes it", covering(p).anchor)],
            )
