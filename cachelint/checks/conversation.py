"""Session rules: CL401 prefix-drift, CL303 unstable-order across requests, CL403 cache-key-change,
CL404 history-rewritten, CL402 lookback-exceeded.

Each rule looks at one step of a conversation (the previous request and the current one) and
returns the cause of the cache entries the current request cannot read. The analyzer keeps the
earliest cause of each step, since everything after it is lost anyway, checks it against the
usage the response reported, and reports a cause that recurs on the following requests once.
"""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.findings import Severity
from cachelint.rule_api import Context, Issue, session_check
from cachelint.session.compare import LOOKBACK, Change
from cachelint.session.turn import UNEXPLAINED, Cause, Turn, about


def _cause(turn: Turn, change: Change) -> Cause | None:
    lost = turn.lost_from(change.point)
    if not lost:
        return None  # no entry of the previous request covers the change
    start = turn.readable_before(change.point)
    last = max(e.index for e in lost)
    cost = turn.tokens(start, last)
    n = len(lost)
    entries = "the cache entry" if n == 1 else f"the {n} cache entries"
    message = (
        f"{change.what}, since {turn.previous} ({turn.since}): "
        f"this invalidates {change.layers}, so {entries} it wrote from there on cannot be "
        f"read and {about(cost)} are written again"
    )
    return Cause(Issue(change.code, change.anchor, message), change.point, change.key, last)


@session_check("CL401", "CL303")
def prefix_drift(turn: Turn, ctx: Context) -> Iterator[Cause]:
    """The first tools or system block that differs from the previous request."""
    for change in turn.comparison.changes:
        if change.code in ("CL401", "CL303") and change.layer in ("tools", "system"):
            cause = _cause(turn, change)
            if cause is not None:
                yield cause


@session_check("CL403")
def cache_key_change(turn: Turn, ctx: Context) -> Iterator[Cause]:
    """Model, tool_choice, thinking, speed, web search/citations toggles, images."""
    for change in turn.comparison.changes:
        if change.code == "CL403":
            cause = _cause(turn, change)
            if cause is not None:
                yield cause


@session_check("CL404", "CL303")
def history_rewritten(turn: Turn, ctx: Context) -> Iterator[Cause]:
    """An earlier message edited, removed or re-serialized (the history is not append-only)."""
    if turn.continuation.kind in ("append", "context"):
        return  # nothing was rewritten (context: another conversation's history)
    for change in turn.comparison.changes:
        if change.code in ("CL404", "CL303") and change.layer == "messages":
            cause = _cause(turn, change)
            if cause is not None:
                yield cause


@session_check("CL402")
def lookback_exceeded(turn: Turn, ctx: Context) -> Iterator[Cause]:
    """The previous request's last entry is further back than the lookback window."""
    readable = [e for e in turn.entries if e.readable]
    if not readable:
        return
    last = readable[-1]  # when it was not written (under the minimum), no earlier one was
    if last.hit or last.distance is None or last.distance < LOOKBACK or not turn.written(last):
        return
    after = [r for r in turn.cur.writes if r >= last.index]
    start = turn.readable_before(last.index)
    cost = turn.tokens(start, last.index)
    label = turn.prev.blocks[last.index].label
    message = (
        f"this breakpoint is {last.distance} positions after the previous request's last "
        f"cache write ({label}, {turn.since}): the lookback checks only {LOOKBACK}, so that "
        f"entry is not found and {about(cost)} are written again"
    )
    issue = Issue("CL402", turn.marker_anchor(after[0]), message)
    yield Cause(issue, last.index, "CL402", last.index)


@session_check("CL401")
def unexplained_miss(turn: Turn, ctx: Context) -> Iterator[Cause]:
    """Usage shows the cache written again although nothing in the request changed."""
    prev, cur = turn.prev.usage, turn.cur.usage
    if prev is None or cur is None or not prev.cached or not cur.write or not turn.cur.writes:
        return
    if not turn.entries or not turn.entries[-1].hit or cur.read >= prev.cached:
        return
    last = turn.entries[-1].index
    message = (
        f"the prefix matches {turn.previous} ({turn.since}) up to its "
        f"last breakpoint, yet usage shows the cache written again: {cur.describe()}, where "
        f"{prev.cached:,} tokens were cached before. No change was found in the request body: "
        f"the entry may have expired (5-minute TTL), the requests may have run in parallel, "
        f"or something outside the body changed (beta headers, gateway routing, workspace)"
    )
    anchor = turn.marker_anchor(turn.cur.writes[-1])
    issue = Issue("CL401", anchor, message, severity=Severity.INFO)
    yield Cause(issue, UNEXPLAINED, "CL401 unexplained", last)
