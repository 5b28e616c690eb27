"""CL101 too-many-breakpoints and CL102 ttl-order."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks import Context, Issue, request_check
from cachelint.fixes import AnchoredEdit, Applicability, PlannedFix
from cachelint.prompt import Marker, Prompt

VALID_TTLS = ("5m", "1h")
MAX_BREAKPOINTS = 4  # "You can define up to 4 cache breakpoints" (A, FAQ); AWS: 4 for Claude


def describe(m: Marker) -> str:
    if m.placement == "automatic":
        return "the top-level automatic marker"
    if m.key == "cachePoint":
        return "a cachePoint"
    return "a cache_control marker"


def ttl_anchor(m: Marker):
    return m.anchor + ("ttl",) if isinstance(m.value, dict) and "ttl" in m.value else m.anchor


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


def _set_ttl(m: Marker, ttl: str) -> PlannedFix | None:
    if not isinstance(m.anchor, tuple) or not isinstance(m.value, dict) or "ttl" not in m.value:
        return None
    return PlannedFix(
        f"Set this ttl to '{ttl}'",
        [AnchoredEdit(m.anchor + ("ttl",), "value", f'"{ttl}"')],
        Applicability.UNSAFE,
    )


@request_check("CL102")
def ttl_order(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    first_short: Marker | None = None
    for m in prompt.breakpoints():
        ttl = m.ttl
        when = getattr(ttl, "when", "")  # a TTL picked at run time (Python source)
        if ttl == "1h" and first_short is not None:
            cond = f"when {when} is true, " if when else ""
            yield Issue(
                "CL102",
                ttl_anchor(m),
                f"{cond}a ttl='1h' breakpoint comes after a 5-minute breakpoint: the API "
                f"rejects it (1h entries must come before 5m ones; blocks are processed in the "
                f"order tools, system, messages){_auto_note(m)}",
                notes=[("the earlier 5-minute breakpoint", first_short.anchor)],
                fix=_set_ttl(m, "5m"),
            )
        elif ttl == "5m" and first_short is None and not when:
            first_short = m
        elif ttl not in VALID_TTLS and not prompt.rendered and first_short is not None:
            yield _run_time_ttl(m, first_short)
    auto = prompt.automatic
    if auto is not None and auto.ttl in ("5m", "1h"):
        last = prompt.last_cacheable_index()
        explicit = prompt.blocks[last].marker if last is not None else None
        if explicit is not None and explicit.ttl in ("5m", "1h") and explicit.ttl != auto.ttl:
            yield Issue(
                "CL102",
                ttl_anchor(auto),
                f"the top-level cache_control (ttl='{auto.ttl}') lands on the last block, which "
                f"already has ttl='{explicit.ttl}': the API returns 400 for a different TTL",
                notes=[("the explicit marker on the last block", explicit.anchor)],
                fix=_set_ttl(auto, explicit.ttl),
            )


def _run_time_ttl(m: Marker, short: Marker) -> Issue:
    """A TTL only known at run time (a setting, a parameter) after a marker that is surely a
    5-minute one: with the setting at '1h' the request is rejected."""
    value = m.value.get("ttl") if isinstance(m.value, dict) else None
    shown = value.shows() if hasattr(value, "shows") else getattr(value, "description", "")
    what = f" (`{shown}`)" if shown else ""
    return Issue(
        "CL102",
        ttl_anchor(m),
        f"for some settings this code can be given, a ttl='1h' breakpoint comes after a "
        f"5-minute one: this TTL is chosen at run time{what}, while an earlier breakpoint "
        f"keeps the 5-minute TTL; when it is '1h' the API rejects the request (1h entries "
        f"must come before 5m ones, in the order tools, system, messages)",
        help="Use the same TTL for every breakpoint of the request (one setting for all), or "
        "give the run-time TTL only to the earliest breakpoints.",
        notes=[("the earlier 5-minute breakpoint", short.anchor)],
        run_time=True,
    )


def _auto_note(m: Marker) -> str:
    if m.placement == "automatic":
        return " (the top-level marker applies to the last block, after every explicit marker)"
    return ""
