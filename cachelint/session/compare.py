"""What changed between two requests, and which cache entries of the first the second can read.

The cache key of an entry is the exact prefix up to its breakpoint (tools -> system -> messages)
plus fields such as the model, tool_choice or thinking. `compare` finds the first block whose
content differs and the fields that changed, explains each in plain words, and says from which
block on the prefix is invalidated (`Change.point`). `entries` then tells, for each breakpoint of
the first request, whether the second request reads it: identical prefix, and one of its own
breakpoints at most 20 positions after it (the lookback window, caching-facts.md §1.5).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import orjson

from cachelint.prompt import Prompt, Section
from cachelint.rule_api import TextRange
from cachelint.session.excerpt import changed_range, describe_change
from cachelint.session.request_print import (
    FIELD_LAYER,
    BlockPrint,
    FieldValue,
    RequestPrint,
    field_changed,
)

LOOKBACK = 20  # positions checked per breakpoint, the breakpoint itself included
# When several causes start at the same block, the most specific one is reported.
PRIORITY = {"CL403": 0, "CL303": 1, "CL401": 2, "CL404": 3, "CL402": 4}
_LAYERS_AFTER: dict[Section, str] = {
    "tools": "tools, system and messages",
    "system": "system and messages",
    "messages": "messages",
}


@dataclass(slots=True)
class Change:
    code: str  # CL401 prefix drift, CL303 order, CL403 cache-key field, CL404 history
    point: int  # print index of the new request from which its prefix no longer matches
    key: str  # identifies the cause, to recognise it when it recurs
    what: str  # plain words: 'system[0] changed: "..." -> "..."'
    anchor: Any  # where in the new request
    layer: Section  # first layer invalidated

    @property
    def layers(self) -> str:
        return _LAYERS_AFTER[self.layer]


@dataclass(slots=True)
class Entry:
    """One breakpoint of the old request: can the new request read what it wrote?"""

    index: int  # print index in the old request
    readable: bool  # the new request has the identical prefix and cache key
    reached_by: int | None  # new breakpoint whose lookback reaches it
    distance: int | None  # positions from the nearest new breakpoint at or after it

    @property
    def hit(self) -> bool:
        return self.readable and self.reached_by is not None


@dataclass(slots=True)
class Comparison:
    old: RequestPrint
    new: RequestPrint
    changes: list[Change]  # every field change, and the first block difference

    @property
    def first(self) -> Change | None:
        if not self.changes:
            return None
        return min(self.changes, key=lambda c: (c.point, PRIORITY[c.code]))

    @property
    def point(self) -> int:
        """First new-request index whose prefix differs (the block count when none does)."""
        first = self.first
        return first.point if first else len(self.new.blocks)

    def entries(self) -> list[Entry]:
        point = self.point
        pos = self.new.positions
        out = []
        for b in self.old.writes:
            readable = b < point and b < len(self.new.blocks)
            reached, distance = None, None
            if b < len(self.new.blocks):
                after = [r for r in self.new.writes if r >= b]
                if after:
                    distance = pos[after[0]] - pos[b]
                    reached = next((r for r in after if pos[r] - pos[b] < LOOKBACK), None)
            out.append(Entry(b, readable, reached, distance))
        return out


class _New:
    """The new request: its print, and its prompt for full texts and anchors."""

    def __init__(self, p: RequestPrint, prompt: Prompt | None) -> None:
        self.p = p
        self.prompt = prompt

    def text(self, i: int) -> str:
        if self.prompt is None:
            return _sketch_text(self.p.blocks[i])
        return self.prompt.blocks[self.p.index[i]].known_text()

    def anchor(self, i: int, section: str) -> tuple:
        """Anchor of block i; for a block that is gone, the section it was in."""
        p = self.p
        if i < len(p.blocks) and p.blocks[i].section == section and self.prompt is not None:
            return tuple(self.prompt.blocks[p.index[i]].anchor)
        return p.root + (section,)

    def change_anchor(self, i: int, old: BlockPrint) -> tuple:
        """The changed characters of text block i, when its text is a JSON string as is."""
        anchor = self.anchor(i, self.p.blocks[i].section)
        if self.prompt is None:
            return anchor
        block = self.prompt.blocks[self.p.index[i]]
        raw = block.raw
        if isinstance(raw, dict) and isinstance(raw.get("text"), str):
            anchor, text = anchor + ("text",), raw["text"]
        elif isinstance(raw, str):
            text = raw
        else:
            return anchor
        where = changed_range(old.text, text)
        return anchor + (TextRange(*where),) if where else anchor


def compare(old: RequestPrint, new: RequestPrint, prompt: Prompt | None = None) -> Comparison:
    """Compare two prints; `prompt` is the new request's, for full texts and anchors."""
    changes = _field_changes(old, new)
    drift = _first_block_change(old, _New(new, prompt))
    if drift is not None:
        changes.append(drift)
    return Comparison(old, new, changes)


def _sketch_text(b: BlockPrint) -> str:
    return b.text.head if b.text.complete else b.text.head + "…" + b.text.tail


# -- cache-key fields -------------------------------------------------------------------------


def _show_value(name: str, v: FieldValue | None) -> str:
    value = v.value if v else None
    if value is None:
        return {
            "images": "no image",
            "citations": "off",
            "web search/fetch tools": "none",
            "tool_choice": "auto (default)",
            "thinking": "off (default)",
            "speed": "standard (default)",
            "parallel tool use": "on (default)",
        }.get(name, "absent")
    if name == "images":
        return "images"
    return value if len(value) <= 60 else value[:57] + "..."


def _field_changes(old: RequestPrint, new: RequestPrint) -> list[Change]:
    out = []
    for name, layer in FIELD_LAYER.items():
        a, b = old.fields.get(name), new.fields.get(name)
        if not field_changed(name, a, b):
            continue
        anchor = b.anchor if b is not None and b.value is not None else new.root
        if b is not None and name in ("images", "citations", "web search/fetch tools"):
            anchor = b.anchor
        point = 0 if layer == "tools" else new.starts[layer]
        out.append(
            Change(
                "CL403",
                point,
                f"CL403 {name}",
                f"{name} changed from {_show_value(name, a)} to {_show_value(name, b)}",
                anchor,
                layer,
            )
        )
    return out


# -- blocks -----------------------------------------------------------------------------------


def _first_block_change(old: RequestPrint, nr: _New) -> Change | None:
    new = nr.p
    n = min(len(old.digests), len(new.digests))
    if old.digests[:n] == new.digests[:n]:
        d = n
    else:
        d = next(i for i in range(n) if old.digests[i] != new.digests[i])
    if d == len(old.blocks):
        return None  # the old request is a prefix of the new one
    ob = old.blocks[d]
    nb = new.blocks[d] if d < len(new.blocks) else None
    if ob.section == "tools" or (nb is not None and nb.section == "tools"):
        return _tools_change(old, nr, d)
    if ob.section == "system" or (nb is not None and nb.section == "system"):
        return _system_change(old, nr, d)
    return _messages_change(old, nr, d)


def _names(blocks: list[BlockPrint]) -> list[str]:
    return [b.name or b.label for b in blocks]


def _short_list(items: list[str], start: int) -> str:
    lo = max(0, start - 1)
    shown = items[lo : lo + 4]
    return ("[..., " if lo else "[") + ", ".join(shown) + (", ...]" if lo + 4 < len(items) else "]")


def _tools_change(old: RequestPrint, nr: _New, d: int) -> Change:
    new = nr.p
    ot = old.blocks[: old.starts["system"]]
    nt = new.blocks[: new.starts["system"]]
    anchor = nr.anchor(d, "tools")
    if Counter(b.canon for b in ot) == Counter(b.canon for b in nt):
        if [b.canon for b in ot] == [b.canon for b in nt]:
            i = next(i for i in range(len(nt)) if ot[i].digest != nt[i].digest)
            detail = _key_order(ot[i], nr.text(i))
            return Change(
                "CL303",
                i,
                f"CL303 keys {nt[i].label}",
                f"the keys of {nt[i].label} come in another order{detail}, same content",
                nr.anchor(i, "tools"),
                "tools",
            )
        names_o, names_n = _names(ot), _names(nt)
        return Change(
            "CL303",
            d,
            "CL303 tools",
            f"the tools come in another order: {_short_list(names_o, d)} -> "
            f"{_short_list(names_n, d)}",
            anchor,
            "tools",
        )
    old_names = {b.name for b in ot}
    new_names = {b.name for b in nt}
    added = [i for i, b in enumerate(nt) if b.name not in old_names]
    removed = [b for b in ot if b.name not in new_names]
    if d < len(nt) and d < len(ot) and ot[d].name == nt[d].name:
        what = f"{nt[d].label} changed: {describe_change(ot[d].text, nr.text(d))}"
    elif added:
        what = f"tool {nt[added[0]].label} was added"
        anchor = nr.anchor(added[0], "tools")
    elif removed:
        what = f"tool {removed[0].label} was removed"
    else:
        what = f"the tools changed: {_short_list(_names(ot), d)} -> {_short_list(_names(nt), d)}"
    return Change("CL401", d, f"CL401 tools[{d}]", what, anchor, "tools")


def _system_change(old: RequestPrint, nr: _New, d: int) -> Change:
    new = nr.p
    ob = old.blocks[d]
    nb = new.blocks[d] if d < len(new.blocks) else None
    anchor = nr.anchor(d, "system")
    if nb is not None and ob.section == "system" and nb.section == "system":
        what = f"{nb.label} changed: {describe_change(ob.text, nr.text(d))}"
        anchor = nr.change_anchor(d, ob)
        label = nb.label
    elif nb is not None and nb.section == "system":
        what, label = f"{nb.label} was added", nb.label
    else:
        what, label = f"{ob.label} was removed", ob.label
    return Change("CL401", d, f"CL401 {label}", what, anchor, "system")


def _messages_change(old: RequestPrint, nr: _New, d: int) -> Change:
    new = nr.p
    j = old.message_of(d)
    anchor = nr.anchor(d, "messages")
    if j is None or j >= len(new.messages):
        ob = old.blocks[d]
        return Change("CL404", d, "CL404 removed", f"{ob.label} was removed", anchor, "messages")
    msg_label = f"messages[{j}]"
    if new.messages[j] in old.messages[j + 1 :]:
        x = old.messages.index(new.messages[j], j + 1) - j
        what = (
            f"{x} message{'s' if x > 1 else ''} removed at {msg_label}"
            if x > 1
            else f"{msg_label} was removed"
        )
        return Change("CL404", d, "CL404 messages removed", what, anchor, "messages")
    if old.messages[j] in new.messages[j + 1 :]:
        x = new.messages.index(old.messages[j], j + 1) - j
        what = f"{x} message{'s' if x > 1 else ''} inserted at {msg_label}"
        return Change("CL404", d, "CL404 messages inserted", what, anchor, "messages")
    ob = old.blocks[d]
    nb = new.blocks[d] if d < len(new.blocks) else None
    if nb is None or new.message_of(d) != j:
        what = f"{ob.label} was removed: {_quoted_head(ob)}"
        return Change("CL404", d, "CL404 block removed", what, anchor, "messages")
    if ob.canon == nb.canon and ob.kind == nb.kind:
        detail = _key_order(ob, nr.text(d))
        return Change(
            "CL303",
            d,
            "CL303 keys messages",
            f"the keys of {nb.label} come in another order{detail} (history re-serialized)",
            anchor,
            "messages",
        )
    nxt = old.blocks[d + 1] if d + 1 < len(old.blocks) else None
    if nxt is not None and nxt.digest == nb.digest and old.message_of(d + 1) == j:
        how, what = "block removed", f"{ob.label} was removed: {_quoted_head(ob)}"
    elif d + 1 < len(new.blocks) and new.blocks[d + 1].digest == ob.digest:
        how, what = "block inserted", f"{nb.label} was inserted: {_quoted_head(nb, nr.text(d))}"
    else:
        how, what = "changed", f"{nb.label} changed: {describe_change(ob.text, nr.text(d))}"
        anchor = nr.change_anchor(d, ob)
    # the key names the kind of rewrite, not its index, which moves on as the conversation grows
    return Change("CL404", d, f"CL404 {how}", what, anchor, "messages")


def _quoted_head(b: BlockPrint, text: str | None = None) -> str:
    t = text if text is not None else b.text.head
    t = " ".join(t.split())
    return '"' + (t[:48] + "..." if len(t) > 48 else t).replace('"', '\\"') + '"'


def _key_order(old: BlockPrint, new_text: str) -> str:
    """` (in input_schema.properties: ["a", "b"] -> ["b", "a"])` when both texts parse."""
    if not old.text.complete:
        return ""
    try:
        a, b = orjson.loads(old.text.head), orjson.loads(new_text)
    except orjson.JSONDecodeError:
        return ""
    stack: list[tuple[Any, Any, str]] = [(a, b, "")]
    while stack:
        x, y, path = stack.pop()
        if isinstance(x, dict) and isinstance(y, dict):
            if list(x) != list(y):
                where = f"in {path}" if path else "top level"
                return f" ({where}: {_short_keys(x)} -> {_short_keys(y)})"
            stack.extend((x[k], y[k], f"{path}.{k}" if path else k) for k in reversed(list(x)))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            pairs = list(enumerate(zip(x, y, strict=True)))
            stack.extend((p, q, f"{path}[{i}]") for i, (p, q) in reversed(pairs))
    return ""


def _short_keys(d: dict) -> str:
    keys = list(d)
    shown = ", ".join(f'"{k}"' for k in keys[:4])
    return f"[{shown}{', ...' if len(keys) > 4 else ''}]"
