"""CL303 unstable-order: prefix content whose order varies between processes (Python source)."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks.volatile import covering, prefix_blocks
from cachelint.fixes import AnchoredEdit, Applicability, PlannedFix
from cachelint.prompt import Prompt
from cachelint.python.names import RACED_ORDER
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
                # sorted(registry) would not be the registry: no fix to offer there
                fix=None if RACED_ORDER in h.description else _sort(h),
            )


def _sort(h) -> PlannedFix:
    """Sorted, the order is the same in every process. Unsafe: the model sees the items in
    another order than before, and sorted() raises TypeError for items that do not compare."""
    return PlannedFix(
        "Wrap in sorted(...)", [AnchoredEdit(h.anchor, "sorted")], Applicability.UNSAFE
    )
