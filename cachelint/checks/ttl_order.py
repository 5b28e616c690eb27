"""CL102 ttl-order: a 1-hour breakpoint after a 5-minute one, or a top-level TTL that differs
from the last block's."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.fixes import AnchoredEdit, Applicability, PlannedFix
from cachelint.prompt import Marker, Prompt
from cachelint.rule_api import Context, Issue, request_check

VALID_TTLS = ("5m", "1h")


def describe(m: Marker) -> str:
    if m.placement == "automatic":
        return "the top-level automatic marker"
    if m.key == "cachePoint":
        return "a cachePoint"
    return "a cache_control marker"


def ttl_anchor(m: Marker):
    return m.anchor + ("ttl",) if isinstance(m.value, dict) and "ttl" in m.value else m.anchor


def _set_ttl(m: Marker, ttl: str) -> PlannedFix | None:
    if not isinstance(m.anchor, tuple) or not isinstance(m.value, dict) or "ttl" not in m.value:
        return None
    return PlannedFix(
        f"Set this ttl to '{ttl}'",
        [AnchoredEdit(m.anchor + ("ttl",), "value", f'"{ttl}"')],
        Applicability.UNSAFE,
    )


@request_check("CL102", marker_values=True)
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
    shows = getattr(value, "shows", None)
    shown = shows() if shows is not None else getattr(value, "description", "")
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
