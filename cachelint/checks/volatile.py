"""CL301 volatile-before-breakpoint and CL304 breakpoint-on-volatile-block."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cachelint.fixes import AnchoredEdit, Applicability, PlannedFix
from cachelint.prompt import Block, Hole, Marker, Prompt
from cachelint.rule_api import Context, Issue, TextRange, request_check
from cachelint.volatility import Match, find_volatile

# In payloads only the shared sections are checked: a timestamp inside earlier conversation turns
# was written once and is replayed unchanged, so it does not break the cache.
_PAYLOAD_SECTIONS = ("tools", "system")
_MAX_DEPTH = 64
# Words beside a date-time (not a zone or an AM/PM) that make it more than a bare value.
_WORDS = re.compile(r"(?i)\b(?!(?:utc|gmt|z|am|pm)\b)[a-z]{2,}")


@dataclass(frozen=True, slots=True)
class Volatile:
    what: str
    anchor: Any


def _strings(value: Any, path: tuple) -> Iterator[tuple[str, tuple]]:
    stack = [(value, path, 0)]
    while stack:
        v, p, depth = stack.pop()
        if isinstance(v, str):
            yield v, p
        elif depth < _MAX_DEPTH and isinstance(v, dict):
            stack.extend(
                (x, p + (k,), depth + 1) for k, x in reversed(v.items()) if k != "cache_control"
            )
        elif depth < _MAX_DEPTH and isinstance(v, list):
            stack.extend((x, p + (i,), depth + 1) for i, x in reversed(list(enumerate(v))))


def volatile_parts(b: Block, prompt: Prompt) -> list[Volatile]:
    """Values in a block that change on every request: volatile holes (Python source), and
    volatile-looking text when the text is a rendered request (payloads), with evidence that it
    is per request (see `_per_request`)."""
    found = [Volatile(h.description, h.anchor) for h in b.holes() if h.origin == "volatile"]
    if prompt.rendered and b.raw is not None and b.section in _PAYLOAD_SECTIONS:
        for text, path in _strings(b.raw, b.anchor):
            for m in find_volatile(text):
                what = _per_request(m, text, path, b, prompt.clock)
                if what is not None:
                    found.append(Volatile(what, path + (TextRange(m.start, m.end),)))
    return found


def _per_request(m: Match, text: str, path: tuple, b: Block, clock: Any) -> str | None:
    """What `m` is, when something shows that it is the time (or id) of the request: a label in
    the text, a system block holding nothing else, or what the log says (`RequestClock`); None
    for a date-time that may be an example or a fixed fact."""
    if m.evident:
        return m.what
    if m.is_time and b.section == "system" and _alone(m, text, path, b):
        return f"{m.what} alone in a system block"
    why = clock.evidence(path, text, m) if clock is not None else None
    return f"{m.what} {why}" if why else None


def _alone(m: Match, text: str, path: tuple, b: Block) -> bool:
    """The block's text is the value and nothing else (a zone aside)."""
    if path != b.anchor and path[-1:] != ("text",):
        return False
    return not _WORDS.search(text[: m.start]) and not _WORDS.search(text[m.end :])


@dataclass(frozen=True, slots=True)
class PrefixBlock:
    """A block inside the cached prefix of some breakpoint."""

    block: Block
    later: tuple[int, Marker] | None  # the next breakpoint after the block
    own: Marker | None  # the breakpoint on the block itself


def prefix_blocks(prompt: Prompt) -> Iterator[PrefixBlock]:
    """The blocks up to the last breakpoint, each with the breakpoints that cover it."""
    marked = sorted(prompt.marked_blocks(), key=lambda t: t[0])
    if not marked:
        return
    n, k = len(marked), 0  # one pass: marked is in block order (long histories, many turns)
    for i, b in enumerate(prompt.blocks[: marked[-1][0] + 1]):
        while marked[k][0] < i:
            k += 1
        own = marked[k][1] if marked[k][0] == i else None
        after = k
        while after < n and marked[after][0] == i:
            after += 1
        yield PrefixBlock(b, marked[after] if after < n else None, own)


def covering(p: PrefixBlock) -> Marker:
    """The breakpoint whose prefix includes the block: its own, else the next one."""
    return p.own if p.own is not None else p.later[1]  # type: ignore[index]


@request_check("CL301", "CL304")
def volatile_prefix(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    for p in prefix_blocks(prompt):
        b, later, own = p.block, p.later, p.own
        parts = volatile_parts(b, prompt)
        if not parts:
            continue
        if later is not None:
            j, m = later
            for v in parts:
                yield Issue(
                    "CL301",
                    v.anchor,
                    f"{v.what} sits inside the cached prefix ({b.section}) before the breakpoint "
                    f"on {prompt.blocks[j].section}: it changes on every request, so that "
                    f"prefix never matches and the cache is written but never read",
                    notes=[("breakpoint whose prefix includes it", m.anchor)],
                    fix=_split(b, v, prompt, own),
                )
        elif own is not None and b.section in _PAYLOAD_SECTIONS:
            # a marked conversation turn holding a timestamp is appended and replayed verbatim
            v = parts[0]
            yield Issue(
                "CL304",
                own.anchor,
                f"the breakpoint sits on a {b.section} block holding {v.what}: the block "
                f"changes on every request, so the entry is written every time and never read",
                notes=[(v.what, v.anchor) for v in parts],
                fix=_split(b, v, prompt, own),
            )


def _split(b: Block, v: Volatile, prompt: Prompt, own: Marker | None) -> PlannedFix | None:
    """Python source: the block's text split before the changing part, the breakpoint on the
    stable part. A marked text block keeps its marker on the stable half (CL304); a string
    system gains one (CL301: its stable part gets an entry of its own). Unsafe: the request
    carries one more block, and one more breakpoint when the system was a string."""
    content = b.content
    if prompt.rendered or len(content) < 2 or not isinstance(content[0], str):
        return None
    hole = content[1]
    if not isinstance(hole, Hole) or hole.anchor is not v.anchor or not content[0].strip():
        return None
    stable = content[0]
    if b.section != "system":
        return None
    if own is not None and b.kind == "text" and isinstance(b.raw, dict):
        anchor, marker = b.anchor + ("text",), ""
    elif own is None and b.anchor == ("system",):
        if len(prompt.marked_blocks()) >= 4:
            return None  # no breakpoint left to add
        anchor, marker = b.anchor, '{"type": "ephemeral"}'
    else:
        return None
    shown = stable if len(stable) <= 40 else stable[:37] + "..."
    return PlannedFix(
        f"Split the system text: the breakpoint on {shown!r}, {v.what} in a block after it",
        [AnchoredEdit(anchor, "split", json.dumps([stable, marker]))],
        Applicability.UNSAFE,
    )
