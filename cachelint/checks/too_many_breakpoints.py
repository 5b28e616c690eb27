"""CL101 too-many-breakpoints: more than 4 cache breakpoints in a request."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.fixes import AnchoredEdit, Applicability, PlannedFix
from cachelint.prompt import Marker, Prompt
from cachelint.rule_api import Context, Issue, request_check

MAX_BREAKPOINTS = 4  # "You can define up to 4 cache breakpoints" (A, FAQ); AWS: 4 for Claude


@request_check("CL101")
def too_many(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    bps = prompt.breakpoints()
    if len(bps) <= MAX_BREAKPOINTS:
        return
    extra = bps[MAX_BREAKPOINTS]
    auto = " (the top-level automatic marker takes one of the 4 slots)" if prompt.automatic else ""
    yield Issue(
        "CL101",
        extra.anchor,
        f"found {len(bps)} cache breakpoints, at most {MAX_BREAKPOINTS} are allowed{auto}: "
        f"the API rejects the request with 'A maximum of 4 blocks with cache_control may be "
        f"provided. Found {len(bps)}.'",
        notes=[("breakpoint", m.anchor) for m in bps[:MAX_BREAKPOINTS]],
        fix=_drop_earliest(bps),
    )


def _drop_earliest(bps: list[Marker]) -> PlannedFix | None:
    """Remove the earliest explicit markers until 4 are left: the later ones cache more."""
    surplus = len(bps) - MAX_BREAKPOINTS
    dropped = [m for m in bps if m.placement != "automatic"][:surplus]
    if len(dropped) < surplus or not all(isinstance(m.anchor, tuple) for m in dropped):
        return None
    where = ", ".join(pointer(m.anchor) for m in dropped)
    return PlannedFix(
        f"Remove the {surplus} earliest marker{'s' if surplus > 1 else ''}: {where}",
        [AnchoredEdit(_removed(m), "member") for m in dropped],
        Applicability.UNSAFE,
        kept=[m.anchor for m in bps if m not in dropped and m.placement != "automatic"],
    )


def _removed(m: Marker) -> tuple:
    """What removing a marker removes: a cachePoint block is a list item, else the member."""
    if m.placement == "cache-point" and isinstance(m.anchor[-1], str) and len(m.anchor) > 1:
        return m.anchor[:-1]
    return m.anchor


def pointer(anchor: tuple) -> str:
    """A JSON pointer for a path of keys and indexes."""
    return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in anchor)
