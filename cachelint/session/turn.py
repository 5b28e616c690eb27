"""One step of a conversation, as the session rules see it, and what a rule returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue
from cachelint.session.compare import PRIORITY, Comparison, Entry
from cachelint.session.conversations import Continuation
from cachelint.session.estimate import PrefixEstimate
from cachelint.session.request_print import RequestPrint
from cachelint.tokens import Estimate

UNEXPLAINED = 1 << 62  # point of a miss with no cause found: loses to any explained miss


@dataclass(slots=True)
class Cause:
    """Why the new request misses cache entries the previous one wrote."""

    issue: Issue
    point: int  # print index from which the new request's prefix stops matching
    key: str  # identifies the cause, to recognise it when it recurs on the next request
    lost: int | None = None  # print index of the last previous entry it loses (usage check)

    @property
    def code(self) -> str:
        return self.issue.code

    def rank(self) -> tuple[int, int]:
        return self.point, PRIORITY.get(self.code, 9)


@dataclass
class Turn:
    prev: RequestPrint
    cur: RequestPrint
    prompt: Prompt  # the current request
    continuation: Continuation
    comparison: Comparison
    ctx: Context
    entries: list[Entry] = field(init=False)

    def __post_init__(self) -> None:
        self.entries = self.comparison.entries()

    @property
    def previous(self) -> str:
        if self.continuation.kind == "context":
            return "the last request with the same tools and system (another conversation)"
        return "the previous request of this conversation"

    @property
    def since(self) -> str:
        """Where the previous request is: 'line 12', or 'req-002.json' in a folder."""
        return location(self.prev.path, self.prev.line, self.cur.path)

    @cached_property
    def estimate(self) -> PrefixEstimate:
        return PrefixEstimate(self.prompt, self.cur, self.ctx)

    def tokens(self, start: int, end: int) -> Estimate:
        """Estimated tokens of the current request's blocks start..end (print indices)."""
        return self.estimate.tokens(start, end)

    def written(self, entry: Entry) -> bool:
        """Could the previous request write this entry (its prefix over its model's minimum)?
        Up to the entry the prefix is the current one, so the current text is estimated."""
        return self.estimate.written(entry.index, self.prev.model)

    def marker_anchor(self, index: int) -> Any:
        """Anchor of the current request's breakpoint on print block `index`."""
        target = self.cur.index[index]
        for i, m in self.prompt.marked_blocks():
            if i >= target:
                return m.anchor
        return self.prompt.anchor

    def readable_before(self, point: int) -> int:
        """First print index after the last previous entry still read below `point`."""
        hits = [e.index for e in self.entries if e.hit and e.index < point and self.written(e)]
        return max(hits) + 1 if hits else 0

    def lost_from(self, point: int) -> list[Entry]:
        """Previous entries at or after `point`, when the current request still caches there."""
        if not any(w >= point for w in self.cur.writes):
            return []
        return [e for e in self.entries if e.index >= point and self.written(e)]


def location(path: str, line: int, current_path: str) -> str:
    """'line 12' within the current file; 'req-002.json' or 'log.jsonl:12' in another."""
    if path == current_path:
        return f"line {line}"
    return path if line <= 1 else f"{path}:{line}"


def about(est: Estimate) -> str:
    return f"about {est.mid:,} tokens"
