"""Group the requests of a log into conversations.

A request continues a conversation when its messages show it:

- append: the previous request's messages are a prefix of this one's (a retry with the same
  messages too, unless that is a single first message and no `conversation-key` says they
  belong together). This is the normal case and wins.
- edit: both share their first L messages, then differ, and this request goes on past the
  difference (at least one message after it), with evidence that the differing message is the
  old one changed rather than another conversation: a block of the old message is still there,
  its text is nearly the same, or a later old message reappears (a message removed or inserted).
  The first message itself counts as edited only when all later ones (two at least) carry on.
- truncate: the first messages were dropped (a sliding window): this request starts with a run of
  at least two messages that ends the previous request, and goes on past it.

Anything else starts a new conversation, and nothing is compared across conversations: two users
who share a system prompt, or a session that starts over after a compaction, are independent.
Tools and system are deliberately not used to link requests, since their drift is what the rules
look for. With `conversation-key`, only requests with the same key value can be linked.

Memory: per open conversation, the print of its last request and index entries for its messages;
the least recently used conversations are closed beyond `max_open`.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any, Literal

from cachelint.session.excerpt import common_prefix, common_suffix
from cachelint.session.request_print import BlockPrint, Draft, RequestPrint

MAX_OPEN = 1024  # beyond, the least recently continued conversation is closed
_CANDIDATES = 32  # conversations examined for the edit and truncate cases
_WEIGHTY = 16  # characters for a block to count as evidence on its own
_STRUCTURED = frozenset({"tool_use", "tool_result", "server_tool_use", "image", "document"})


@dataclass(slots=True)
class Continuation:
    kind: Literal["append", "edit", "truncate", "context"]  # context: another conversation
    common: int  # leading messages shared with the previous request
    dropped: int = 0  # messages dropped from the front (truncate)


@dataclass(slots=True)
class Conversation:
    id: int
    key: Hashable | None
    last: RequestPrint
    run: Any = None  # the analyzer's record of the last reported cause
    causes: Any = None  # the per-request causes found in it (`session.recurring.Causes`)
    extra: dict[str, Any] = field(default_factory=dict)


def _weighty(b: BlockPrint) -> bool:
    return b.kind in _STRUCTURED or b.text.length >= _WEIGHTY


def _message_blocks(p: RequestPrint, m: int) -> list[BlockPrint]:
    start = p.message_start[m]
    end = p.message_start[m + 1] if m + 1 < len(p.message_start) else len(p.blocks)
    return p.blocks[start:end]


def _similar(a: str, b: str) -> bool:
    longest = max(len(a), len(b))
    if longest < 40:
        return False
    p = common_prefix(a, b)
    s = common_suffix(a, b, p)
    return p + s >= 0.8 * longest


def edit_evidence(old: RequestPrint, new: Draft, common: int) -> bool:
    """Is new's message `common` the old one edited (or a message removed or inserted)?"""
    later_new = set(new.messages[common + 1 :])
    for m in range(common + 1, len(old.messages)):
        if old.messages[m] in later_new and any(_weighty(b) for b in _message_blocks(old, m)):
            return True
    ob = _message_blocks(old, common)
    lo, hi = new.message_blocks[common]
    nb = new.prompt.blocks[lo:hi]
    if not ob or not nb or ob[0].role != nb[0].role:
        return False
    if [b.canon for b in ob] == [c for _, c in new.digests[lo:hi]]:
        return True  # the same content serialized in another key order
    new_digests = {d for d, _ in new.digests[lo:hi]}
    # With two shared messages or more, independent conversations are unlikely: any shared
    # block will do; with one, it must be more than a few words.
    if any(b.digest in new_digests for b in ob if common >= 2 or _weighty(b)):
        return True
    if len(ob) == 1 and len(nb) == 1 and ob[0].text.complete:
        return _similar(ob[0].text.head, nb[0].known_text())
    return False


class _MultiMap:
    """key -> conversation ids; a single id is stored as an int (the common case), saving the
    set that most keys would otherwise carry."""

    def __init__(self) -> None:
        self._d: dict[int, int | set[int]] = {}

    def __len__(self) -> int:
        return len(self._d)

    def get(self, key: int) -> set[int]:
        v = self._d.get(key)
        if v is None:
            return set()
        return {v} if isinstance(v, int) else v

    def add(self, key: int, conv: int) -> None:
        v = self._d.get(key)
        if v is None or v == conv:
            self._d[key] = conv
        elif isinstance(v, int):
            self._d[key] = {v, conv}
        else:
            v.add(conv)

    def discard(self, key: int, conv: int) -> None:
        v = self._d.get(key)
        if v is None:
            return
        if isinstance(v, int):
            if v == conv:
                del self._d[key]
            return
        v.discard(conv)
        if len(v) == 1:
            self._d[key] = next(iter(v))


class Conversations:
    def __init__(self, max_open: int = MAX_OPEN) -> None:
        self.max_open = max_open
        self.open: OrderedDict[int, Conversation] = OrderedDict()  # least recent first
        self._ids = itertools.count()
        self._full = _MultiMap()  # hash of all messages -> conversations
        self._depth = _MultiMap()  # hash of the first i messages -> conversations
        self._msgs = _MultiMap()  # message digest -> conversations holding it

    def find(self, dr: Draft) -> tuple[Conversation, Continuation] | None:
        n = len(dr.messages)
        if n == 0:
            return None
        for i in range(n, 0, -1):
            cands = self._candidates(self._full.get(dr.cumulative[i - 1]), dr)
            if i == n == 1 and dr.key is None:
                break  # one identical first message does not make the same conversation
            if cands:
                same = [c for c in cands if c.extra.get("context") == dr.context]
                return (same or cands)[0], Continuation("append", i)
        for i in range(n - 1, 0, -1):
            cands = self._candidates(self._depth.get(dr.cumulative[i - 1]), dr)
            if not cands:
                continue
            if i > n - 2:
                break  # only the latest message differs: a branch or a regenerated turn
            for c in cands[:_CANDIDATES]:
                if len(c.last.messages) > i and edit_evidence(c.last, dr, i):
                    return c, Continuation("edit", i)
            break
        if n >= 3:
            # the first message edited while every later one carries on unchanged
            for c in self._candidates(self._msgs.get(dr.messages[1]), dr)[:_CANDIDATES]:
                old = c.last.messages
                k = len(old)
                if 3 <= k <= n and old[0] != dr.messages[0] and old[1:] == dr.messages[1:k]:
                    return c, Continuation("edit", 0)
            for c in self._candidates(self._msgs.get(dr.messages[0]), dr)[:_CANDIDATES]:
                old = c.last.messages
                j = old.index(dr.messages[0])
                kept = len(old) - j
                if j >= 1 and kept >= 2 and n > kept and old[j:] == dr.messages[:kept]:
                    return c, Continuation("truncate", 0, j)
        return None

    def _candidates(self, ids: set[int], dr: Draft) -> list[Conversation]:
        """Open conversations among ids with the draft's key, most recent first."""
        if not ids:
            return []
        found = [self.open[i] for i in ids if self.open[i].key == dr.key]
        found.sort(key=lambda c: c.extra["seen"], reverse=True)
        return found

    def start(self, p: RequestPrint, context: int, seen: int) -> Conversation:
        conv = Conversation(next(self._ids), p.key, p)
        conv.extra.update(context=context, seen=seen)
        self.open[conv.id] = conv
        self._index(conv, p, 0)
        while len(self.open) > self.max_open:
            _, old = self.open.popitem(last=False)
            self._unindex(old, old.last, 0)
        return conv

    def advance(self, conv: Conversation, p: RequestPrint, common: int, context: int, seen: int):
        """Make p the last request of conv; messages before `common` are unchanged."""
        self._unindex(conv, conv.last, common)
        conv.last = p
        conv.extra.update(context=context, seen=seen)
        self._index(conv, p, common)
        self.open.move_to_end(conv.id)

    def _index(self, conv: Conversation, p: RequestPrint, common: int) -> None:
        if p.cumulative:
            self._full.add(p.cumulative[-1], conv.id)
        for i in range(common, len(p.messages)):
            self._depth.add(p.cumulative[i], conv.id)
            self._msgs.add(p.messages[i], conv.id)

    def _unindex(self, conv: Conversation, p: RequestPrint, common: int) -> None:
        if p.cumulative:
            self._full.discard(p.cumulative[-1], conv.id)
        if common >= len(p.messages):
            return
        kept = set(p.messages[:common])  # a message repeated before `common` stays indexed
        for i in range(common, len(p.messages)):
            self._depth.discard(p.cumulative[i], conv.id)
            if p.messages[i] not in kept:
                self._msgs.discard(p.messages[i], conv.id)
