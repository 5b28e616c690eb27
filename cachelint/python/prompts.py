"""Evaluated requests -> prompts, through the payload dialect adapters.

The adapters read the partly known request as JSON; afterwards each block gets its holes back
(from Text parts and nested unknown values), markers get their loop and history flags, and
anchors (JSON paths into the request) are resolved to source nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cachelint.payload import anthropic, chat, converse, detect
from cachelint.prompt import Block, Hole, Prompt
from cachelint.python.calls import RequestSite
from cachelint.python.inputs import Sym
from cachelint.python.inputs import key as input_key
from cachelint.python.strings import fully_known, to_str, unordered_hole
from cachelint.python.values import Json, LDict, LList, Loc, SetVal, Text, hole

_STRING_KEYS = frozenset({"system", "content", "text"})
_STRUCTURAL = frozenset({"tools", "system", "messages", "content"})
_MARKERS = frozenset({"cache_control", "cachePoint"})
_MAX_DEPTH = 48


def to_prompt(site: RequestSite, removes_markers: bool) -> Prompt:
    req = site.request
    normalise(req, 0)
    for name in ("model", "modelId"):
        if name in req and (isinstance(req[name], Text) or not isinstance(req[name], str)):
            req.drop(name)
    kind = site.api.kind
    if kind == "messages":
        prompt = anthropic.to_prompt(req, (), _headers(site.headers))
    elif kind in ("chat", "litellm"):
        prompt = chat.to_prompt(req, (), _headers(site.headers))
    elif kind == "converse":
        prompt = converse.to_prompt(req, (), None)
    else:
        prompt = detect.to_prompt(req, (), _headers(site.headers))
    prompt.rendered = False
    gateway_default = prompt.dialect == "chat" and site.api.platform == "gateway"
    if site.api.platform and not gateway_default and prompt.platform != "bedrock-legacy":
        prompt.platform = site.api.platform
        prompt.platform_when = site.when
    prompt.complete = _complete(req)
    for b in prompt.blocks:
        _fill(b, req)
    for m in prompt.markers:
        steps = list(walk(req, m.anchor))
        parent, key = steps[-1] if steps else (None, None)
        m.in_loop = False
        if isinstance(parent, LDict) and key in parent.loop_keys:
            into = parent.loop_keys[key]  # repeats only if that list is part of this request
            m.in_loop = into is None or any(id(c) == into for c, _ in steps)
        kept = isinstance(parent, LDict) and key in parent.turn_keys
        m.across_turns = kept and not (removes_markers and _in_messages(m.anchor))
        if removes_markers and _in_messages(m.anchor):
            m.in_loop = False
    return prompt


def _in_messages(anchor: tuple) -> bool:
    return bool(anchor) and anchor[0] == "messages"


def _headers(value: Any) -> dict | None:
    return value if isinstance(value, dict) else None


def normalise(v: Any, depth: int = 0, seen: set[int] | None = None) -> None:
    """Unknown values in string positions become Text, so adapters keep them as content."""
    if depth > _MAX_DEPTH or not isinstance(v, LDict | LList):
        return
    seen = set() if seen is None else seen
    if id(v) in seen:  # shared by several containers: done once
        return
    seen.add(id(v))
    if isinstance(v, LDict):
        for k, x in list(v.items()):
            if k in _STRING_KEYS and isinstance(x, Hole):
                v[k] = Text([x])
            elif k == "text" and not isinstance(x, str | Hole | Json | None):  # among returns
                v[k] = Text([hole("unknown", "a text only known at run time")])
            elif k in _STRUCTURAL and isinstance(x, SetVal):
                lst = LList(x.items, loc=x.loc)
                lst.unordered = unordered_hole(x)
                v[k] = lst
            elif k == "tools" and isinstance(x, Sym) and x.unordered:
                v[k] = _unordered_tools(x)
            else:
                normalise(x, depth + 1, seen)
    else:
        for x in v:
            normalise(x, depth + 1, seen)


def _unordered_tools(x: Sym) -> LList:
    """A tool list only known as a whole, in run-time order (`list(registry.values())`): one
    tool stands for its items, in the list's order, with the marker the code set on the last
    one; the rest stays unknown."""
    tool = LDict(loc=x.anchor)
    tool.put("name", Text([hole("unknown", "a tool's name", x.anchor)]), x.anchor)
    tool.put("input_schema", hole("unknown", "a tool's schema", x.anchor), x.anchor)
    written = x.root.writes.get(input_key(x.path) + (-1,), {}) if x.root is not None else {}
    for mkey in _MARKERS & written.keys():
        value = written[mkey]
        tool.put(mkey, value, getattr(value, "loc", None) or x.anchor)
    out = LList([hole("unknown", "the other tools", x.anchor), tool], loc=x.anchor)
    out.unordered = x
    return out


def _complete(req: LDict) -> bool:
    if req.open is not None:
        return False
    for key in ("tools", "system", "messages"):
        v = req.get(key)
        if isinstance(v, Hole) or (isinstance(v, LList) and (v.is_open() or v.repeated)):
            return False
        if key == "messages" and isinstance(v, LList):
            for msg in v:
                c = msg.get("content") if isinstance(msg, dict) else None
                if isinstance(c, LList) and (c.is_open() or c.repeated):
                    return False
    return True


def walk(root: Any, path: tuple) -> Iterator[tuple[Any, Any]]:
    """(container, key) for each step of a JSON path through the evaluated request."""
    cur = root
    for key in path:
        if isinstance(cur, Json):
            cur = cur.value
        if isinstance(cur, LDict | LList):
            yield cur, key
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return


def known_at(root: Any, anchor: Any) -> bool:
    """Whether the value an anchor points at is fully known (not an unknown marker value)."""
    if not isinstance(anchor, tuple):
        return True
    cur = root
    for key in anchor:
        if isinstance(cur, Json):
            cur = cur.value
        if isinstance(cur, Hole | Text):
            return False
        try:
            cur = cur[key]
        except (KeyError, IndexError, TypeError):
            return True
    return fully_known(cur)


def locate(root: LDict, anchor: Any, fallback: Loc) -> Loc:
    """The source node an anchor points at: the deepest located step of its path."""
    if isinstance(anchor, Loc):
        return anchor
    if not isinstance(anchor, tuple):
        return fallback
    best = fallback
    for container, key in walk(root, anchor):
        loc = container.locs.get(key) if isinstance(container, LDict) else None
        if isinstance(container, LList) and isinstance(key, int):
            loc = container.loc_at(key)
        if loc is not None:
            best = loc
    return best


def _fill(b: Block, req: LDict) -> None:
    """Put the block's holes back into its content, and its multiplicity."""
    raw = b.raw
    steps = list(walk(req, b.anchor))
    b.multiplicity_unbounded = any(isinstance(c, LList) and k in c.repeated for c, k in steps)
    kept = any(getattr(c, "kept", False) for c, _ in steps) or getattr(raw, "kept", False)
    messages = req.get("messages")
    if b.section == "messages" and isinstance(messages, LList) and messages.is_open():
        kept = True  # appended to a history the call site does not show: replayed verbatim
    if isinstance(raw, Text):
        content: list = [p for p in raw.parts if p]
    elif isinstance(raw, LDict) and isinstance(raw.get("text"), Text) and b.kind == "text":
        content = [p for p in raw["text"].parts if p]
    else:
        holes = list(_holes(raw, 0, set()))
        # with holes, the adapter's rendering of the block is not its text: keep only them
        content = holes or [c for c in b.content if isinstance(c, str) and c]
        if not content and isinstance(raw, LDict) and isinstance(raw.get("text"), Json):
            text = to_str(raw["text"])  # json.dumps(...): never empty
            content = [p for p in text.parts if p] if isinstance(text, Text) else [text]
    for c, _ in steps:
        if isinstance(c, LList) and c.unordered is not None and c.unordered not in content:
            content.append(c.unordered)
    if kept:
        content = [_recorded(p) if isinstance(p, Hole) else p for p in content]
    b.content = content


def _recorded(h: Hole) -> Hole:
    if h.origin != "volatile":
        return h
    return hole("stable", f"{h.description}, recorded once in the history", h.anchor, h.unordered)


def _holes(v: Any, depth: int, seen: set[int]) -> Iterator[Hole]:
    """The holes in a value, from each object it holds once."""
    if depth > _MAX_DEPTH or id(v) in seen:
        return
    if isinstance(v, Json | SetVal | dict | list | tuple):
        seen.add(id(v))
    if isinstance(v, Hole):
        yield v
    elif isinstance(v, Text):
        yield from v.holes()
    elif isinstance(v, Json):
        u = unordered_hole(v)
        if u is not None:
            yield u
        yield from _holes(v.value, depth + 1, seen)
    elif isinstance(v, SetVal):
        u = unordered_hole(v)
        if u is not None:
            yield u
        for x in v.items:
            yield from _holes(x, depth + 1, seen)
    elif isinstance(v, LDict | LList):
        if v.unordered is not None:
            yield v.unordered
        if isinstance(v, LDict) and v.open is not None:
            yield v.open
        items = (x for k, x in v.items() if k not in _MARKERS) if isinstance(v, LDict) else v
        for x in items:
            yield from _holes(x, depth + 1, seen)
    elif isinstance(v, dict | list | tuple):
        for x in v.values() if isinstance(v, dict) else v:
            yield from _holes(x, depth + 1, seen)
