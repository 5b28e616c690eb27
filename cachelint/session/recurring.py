"""Request-rule findings in a log: one per cause and conversation, with the count of its requests.

A request rule sees one request at a time, so a defect a client repeats on every call (a
timestamp in the system prompt, a misspelled marker, a prefix too short to cache) would be
reported on every line. In a log it is reported once per conversation, at the first request that
has it, and its message counts the requests of the conversation that have it too.

A cause is the rule, the place in the request and the kind of problem, never the exact text:

- the kind is the message with its numbers and quoted values masked (token counts grow with the
  conversation, the defect does not), so "an ISO date-time" and "a request id" in one block
  stay two causes;
- in tools and system the place is the block path (`system[1].text`), and the n-th finding of a
  kind there is matched with the n-th of another request, so two timestamps stay two causes;
- in the conversation a message's index moves on as the history grows, so the place is the
  message's role and the path inside it (`content[0].cache_control`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from cachelint.findings import Finding
from cachelint.payload.chat import SYSTEM_ROLES
from cachelint.prompt import Block, Prompt
from cachelint.resolve_issues import Resolver, edit_resolver, finding
from cachelint.rule_api import Issue, TextRange
from cachelint.session.excerpt import Sketch
from cachelint.session.turn import location

# what varies between requests with the same defect: numbers ("about 1,024 tokens") and quoted
# values ('10:00:07'); an apostrophe ("the model's") opens no quote
_VALUES = re.compile(r"(?<!\w)'[^'\n]*'|(?<!\w)\"[^\"\n]*\"|\d+")
_MAX_VALUES = 8  # reported values a drift may be explained by (bounds the pattern's backtracking)


@dataclass(slots=True)
class Causes:
    """The causes found so far in one conversation."""

    requests: int = 0
    tallies: dict[tuple, Tally] = field(default_factory=dict)


@dataclass(slots=True)
class Tally:
    """One cause: the findings at its first request, and the requests that have it."""

    causes: Causes
    first: int  # the request of the conversation (1-based) that has it first
    findings: list[Finding] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)  # their messages without the count
    count: int = 1
    last: tuple[str, int] = ("", 0)  # path and line of the last request that has it

    def message_suffix(self, path: str) -> str:
        total = self.causes.requests
        share = f"all {total}" if self.count == total else f"{self.count} of the {total}"
        where = location(*self.last, path)
        return f" (in {share} requests of this conversation, the last at {where})"


def _relative(anchor: Any, root: tuple) -> tuple:
    path = tuple(anchor) if isinstance(anchor, tuple | list) else ()
    if path and isinstance(path[-1], TextRange):
        path = path[:-1]
    return path[len(root) :] if path[: len(root)] == root else path


def _place(path: tuple, req: dict) -> tuple[tuple, bool]:
    """(place, whether it moves with the conversation) of a path relative to the request."""
    if len(path) >= 2 and path[0] == "messages" and isinstance(path[1], int):
        messages = req.get("messages")
        msg = messages[path[1]] if isinstance(messages, list) and path[1] < len(messages) else None
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in SYSTEM_ROLES:  # system messages of chat requests keep their index
            return ("messages", role if isinstance(role, str) else None, *path[2:]), True
    return path, False


def keyed(issues: Iterable[Issue], prompt: Prompt, req: dict) -> Iterator[tuple[Issue, tuple]]:
    """Each issue with the key of its cause."""
    root = tuple(prompt.anchor) if isinstance(prompt.anchor, tuple | list) else ()
    nth: Counter[tuple] = Counter()
    for issue in issues:
        place, moving = _place(_relative(issue.anchor, root), req)
        key: tuple = (issue.code, place, _VALUES.sub("#", issue.message))
        if not moving:
            nth[key] += 1
            key += (nth[key],)
        yield issue, key


class Recurring:
    """Request-rule findings of a log, counted per conversation (`finish` writes the counts)."""

    def __init__(self) -> None:
        self._tallies: list[Tally] = []

    def add(
        self,
        causes: Causes | None,
        issues: list[Issue],
        prompt: Prompt,
        req: dict,
        *,
        path: str,
        line: int,
        resolve: Resolver,
    ) -> list[Finding]:
        """Findings for the issues of one request; `causes` is its conversation's, None when
        the request cannot be continued (it has no messages)."""
        if causes is None:
            return [finding(i, path, resolve, edit_resolver(resolve)) for i in issues]
        causes.requests += 1
        out: list[Finding] = []
        counted: set[tuple] = set()
        for issue, key in keyed(issues, prompt, req):
            tally = causes.tallies.get(key)
            if tally is None:
                tally = causes.tallies[key] = Tally(causes, causes.requests, last=(path, line))
                self._tallies.append(tally)
            if tally.first == causes.requests:
                f = finding(issue, path, resolve, edit_resolver(resolve))
                tally.findings.append(f)
                tally.bases.append(f.message)
                out.append(f)
            elif key not in counted:
                counted.add(key)
                tally.count += 1
                tally.last = (path, line)
        return out

    def finish(self) -> None:
        """Write into each finding of a recurring cause how many requests have it."""
        for tally in self._tallies:
            if tally.count > 1:
                for f, base in zip(tally.findings, tally.bases, strict=True):
                    f.message = base + tally.message_suffix(f.path)


def _value_at(raw: Any, path: tuple) -> Any:
    for step in path:
        if isinstance(raw, dict) and isinstance(step, str):
            raw = raw.get(step)
        elif isinstance(raw, list) and isinstance(step, int) and 0 <= step < len(raw):
            raw = raw[step]
        else:
            return None
    return raw


def reported_values(block: Block, issues: Iterable[Issue]) -> set[str]:
    """The texts inside `block` that the issues (and their notes) point at, such as the
    timestamps CL301 reports."""
    base = tuple(block.anchor) if isinstance(block.anchor, tuple | list) else None
    out: set[str] = set()
    if base is None:
        return out
    for issue in issues:
        for anchor in (issue.anchor, *(a for _, a in issue.notes)):
            if not isinstance(anchor, tuple) or not anchor or not isinstance(anchor[-1], TextRange):
                continue
            if anchor[: len(base)] != base:
                continue
            text = _value_at(block.raw, anchor[len(base) : -1])
            if isinstance(text, str) and anchor[-1].end > anchor[-1].start:
                out.add(text[anchor[-1].start : anchor[-1].end])
    return out


def drift_explained(block: Block, old: Sketch, issues: Iterable[Issue]) -> bool:
    """Does the block differ from its old text only inside values the issues report?

    Then a drift of the block between two requests is the cause those issues already name. The
    old text must be known whole (blocks over the sketch limit are not compared)."""
    values = reported_values(block, issues)
    if not values or not old.complete:
        return False
    new = block.known_text()
    spans: list[tuple[int, int]] = []
    for v in values:
        spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(v), new))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    if not merged or len(merged) > _MAX_VALUES:
        return False
    parts, pos = [], 0
    for s, e in merged:
        parts.append(re.escape(new[pos:s]))
        parts.append(f".{{0,{2 * (e - s) + 16}}}?")  # the old value: another time, another id
        pos = e
    parts.append(re.escape(new[pos:]))
    return re.fullmatch("".join(parts), old.head, re.S) is not None
