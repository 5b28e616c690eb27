"""Bedrock Converse / ConverseStream requests with `cachePoint` blocks -> Prompt.

A cachePoint is a block of its own that marks everything before it; here it becomes a marker on
the block it follows, so rules see the same shape as for Anthropic bodies.
"""

from __future__ import annotations

from typing import Any

from cachelint.payload.anthropic import dumps
from cachelint.payload.markers import MarkerCollector
from cachelint.prompt import Block, Hole, Marker, Prompt, Section, Segment

_KINDS = {
    "text": "text",
    "image": "image",
    "document": "document",
    "video": "video",
    "toolUse": "tool_use",
    "toolResult": "tool_result",
    "reasoningContent": "reasoning",
    "guardContent": "guard",
    "toolSpec": "tool",
    "citationsContent": "citations",
}
_OPAQUE = frozenset({"image", "document", "video"})


def _items(
    items: Any, section: Section, path: tuple, mc: MarkerCollector, role=None, index=None
) -> list[Block]:
    out: list[Block] = []
    if not isinstance(items, list):
        return out
    for j, item in enumerate(items):
        ipath = path + (j,)
        if isinstance(item, Hole):  # items only known at run time (Python source)
            out.append(Block(section, "unknown", [item], ipath, role, index, opaque=True))
            continue
        if not isinstance(item, dict):
            continue
        if "cachePoint" in item:
            prev = out[-1] if out else None
            m = Marker(
                "cachePoint", item["cachePoint"], "cache-point", ipath + ("cachePoint",), prev
            )
            mc.markers.append(m)
            if prev is not None:
                prev.markers.append(m)
            continue
        key = next((k for k in item if k in _KINDS), None)
        kind = _KINDS.get(key, "unknown") if key is not None else "unknown"
        value = item.get(key) if key else item
        content: list[Segment]
        if kind == "text" and isinstance(value, str):
            content = [value] if value else []
        elif kind in _OPAQUE:
            content = []
        else:
            content = [dumps(value)]
        b = Block(section, kind, content, ipath, role, index, opaque=kind in _OPAQUE, raw=item)
        mc.scan(item, ipath, "block", b)
        if isinstance(value, dict):
            mc.scan(value, ipath + (key,), "block", b)
        out.append(b)
    return out


def to_prompt(req: dict, root: tuple, headers: dict | None = None) -> Prompt:
    mc = MarkerCollector("cachePoint")
    blocks: list[Block] = []
    tc = req.get("toolConfig")
    if isinstance(tc, dict):
        blocks += _items(tc.get("tools"), "tools", root + ("toolConfig", "tools"), mc)
    blocks += _items(req.get("system"), "system", root + ("system",), mc)
    messages = req.get("messages")
    for i, msg in enumerate(messages if isinstance(messages, list) else []):
        if isinstance(msg, dict):
            role = msg.get("role") if isinstance(msg.get("role"), str) else None
            mpath = root + ("messages", i)
            mblocks = _items(msg.get("content"), "messages", mpath + ("content",), mc, role, i)
            mc.scan(msg, mpath, "message", mblocks[-1] if mblocks else None)
            blocks += mblocks
    mc.scan(req, root, "automatic", None)
    model = req.get("modelId") if isinstance(req.get("modelId"), str) else None
    return Prompt(
        dialect="converse",
        blocks=blocks,
        anchor=root,
        model=model,
        model_anchor=root + ("modelId",) if model else None,
        platform="bedrock",
        markers=mc.markers,
        misspelled=mc.misspelled,
        fields={k: req[k] for k in ("additionalModelRequestFields",) if k in req},
    )
