"""OpenAI-style chat completions with `cache_control` content parts (gateways) -> Prompt.

Gateways (OpenRouter, LiteLLM, Requesty, orq.ai, TrueFoundry, Portkey) translate these into
Anthropic blocks: system/developer messages become the system prompt, tool messages become
tool_result blocks, assistant tool_calls become tool_use blocks.
"""

from __future__ import annotations

from typing import Any

from cachelint.payload.anthropic import dumps
from cachelint.payload.markers import MarkerCollector
from cachelint.prompt import Block, Marker, Prompt, Section

_OPAQUE_PARTS = frozenset({"image_url", "input_image", "file", "input_audio", "image", "document"})
SYSTEM_ROLES = frozenset({"system", "developer"})


def _parts(content: Any, section, path: tuple, mc: MarkerCollector, role, index, kind="text"):
    if isinstance(content, str):
        return [Block(section, kind, [content] if content else [], path, role, index, raw=content)]
    if not isinstance(content, list):
        return []
    out = []
    for j, part in enumerate(content):
        ppath = path + (j,)
        if not isinstance(part, dict):
            continue
        ptype = t if isinstance(t := part.get("type"), str) else "unknown"
        if ptype in _OPAQUE_PARTS:
            b = Block(
                section,
                "image" if "image" in ptype else ptype,
                [],
                ppath,
                role,
                index,
                opaque=True,
                raw=part,
            )
        else:
            text = part.get("text") if isinstance(part.get("text"), str) else dumps(part)
            b = Block(
                section,
                kind if ptype == "text" else ptype,
                [text] if text else [],
                ppath,
                role,
                index,
                raw=part,
            )
        mc.scan(part, ppath, "block", b)
        out.append(b)
    return out


def _tools(tools: Any, root: tuple, mc: MarkerCollector) -> list[Block]:
    out: list[Block] = []
    if not isinstance(tools, list):
        return out
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            continue
        path = root + ("tools", i)
        body = {k: v for k, v in tool.items() if k != "cache_control"}
        b = Block("tools", "tool", [dumps(body)], path, raw=tool)
        mc.scan(tool, path, "block", b)
        fn = tool.get("function")
        if isinstance(fn, dict):
            mc.scan(fn, path + ("function",), "block", b)
        out.append(b)
    return out


def to_prompt(req: dict, root: tuple, headers: dict | None = None) -> Prompt:
    mc = MarkerCollector("cache_control")
    blocks = _tools(req.get("tools"), root, mc)
    system_blocks: list[Block] = []
    message_blocks: list[Block] = []
    messages = req.get("messages")
    for i, msg in enumerate(messages if isinstance(messages, list) else []):
        if not isinstance(msg, dict):
            continue
        mpath = root + ("messages", i)
        role = msg.get("role") if isinstance(msg.get("role"), str) else None
        section: Section = "system" if role in SYSTEM_ROLES else "messages"
        kind = "tool_result" if role == "tool" else "text"
        mblocks = _parts(msg.get("content"), section, mpath + ("content",), mc, role, i, kind)
        calls = msg.get("tool_calls")
        if isinstance(calls, list):
            for k, call in enumerate(calls):
                if isinstance(call, dict):
                    mblocks.append(
                        Block(
                            section,
                            "tool_use",
                            [dumps(call.get("function", call))],
                            mpath + ("tool_calls", k),
                            role,
                            i,
                            raw=call,
                        )
                    )
        mc.scan(msg, mpath, "message", mblocks[-1] if mblocks else None)
        (system_blocks if section == "system" else message_blocks).extend(mblocks)
    blocks += system_blocks + message_blocks
    # markers must be in cache order: system messages are hoisted before the conversation
    order = {id(b): n for n, b in enumerate(blocks)}
    mc.markers.sort(key=lambda m: order.get(id(m.block), -1))
    mc.scan({k: v for k, v in req.items() if k != "cache_control"}, root, "automatic", None)
    automatic = None
    if req.get("cache_control") is not None:  # null: no automatic breakpoint
        automatic = Marker(
            "cache_control", req["cache_control"], "automatic", root + ("cache_control",)
        )
    model = req.get("model") if isinstance(req.get("model"), str) else None
    return Prompt(
        dialect="chat",
        blocks=blocks,
        anchor=root,
        model=model,
        model_anchor=root + ("model",) if model else None,
        platform="gateway",
        automatic=automatic,
        markers=mc.markers,
        misspelled=mc.misspelled,
        fields={k: req[k] for k in ("tool_choice", "reasoning", "reasoning_effort") if k in req},
    )
