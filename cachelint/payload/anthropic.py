"""Anthropic Messages bodies (also Bedrock InvokeModel and Vertex bodies) -> Prompt."""

from __future__ import annotations

from typing import Any

import orjson

from cachelint.payload.markers import MarkerCollector
from cachelint.prompt import Block, Marker, Placement, Prompt, Section

OPAQUE_KINDS = frozenset({"image", "document", "container_upload", "file"})


def dumps(value: Any) -> str:
    """Compact JSON as the API renders structured values; falls back to str for odd types."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return str(value)


def _without(d: dict, key: str) -> dict:
    return {k: v for k, v in d.items() if k != key}


def _children_text(children: Any) -> tuple[str, bool]:
    """Text of nested content (tool_result.content, document.source.content), and opacity."""
    if isinstance(children, str):
        return children, False
    if not isinstance(children, list):
        return "", False
    parts, opaque = [], False
    for c in children:
        if isinstance(c, dict):
            if c.get("type") == "text" and isinstance(c.get("text"), str):
                parts.append(c["text"])
            elif isinstance(c.get("type"), str) and c["type"] in OPAQUE_KINDS:
                opaque = True
            else:
                parts.append(dumps(c))
    return "\n".join(parts), opaque


def block_text(block: dict) -> tuple[str, bool]:
    """The text a content block renders into the prompt, and whether its size is unknowable."""
    kind = block.get("type") if isinstance(block.get("type"), str) else None
    if kind == "text":
        t = block.get("text")
        return (t if isinstance(t, str) else ""), False
    if kind == "thinking":
        t = block.get("thinking")
        return (t if isinstance(t, str) else ""), False
    if kind == "tool_use" or kind == "server_tool_use":
        return dumps(block.get("name", "")) + dumps(block.get("input", {})), False
    if kind == "tool_result":
        return _children_text(block.get("content", ""))
    if kind == "search_result":
        body, opaque = _children_text(block.get("content", []))
        return f"{block.get('title', '')}\n{block.get('source', '')}\n{body}", opaque
    if kind == "document":
        src = block.get("source")
        if isinstance(src, dict):
            if src.get("type") == "text" and isinstance(src.get("data"), str):
                return src["data"], False
            if src.get("type") == "content":
                return _children_text(src.get("content"))
        return "", True
    if kind in OPAQUE_KINDS or kind == "redacted_thinking":
        return "", True
    return dumps(_without(block, "cache_control")), False


def _content_blocks(
    content: Any,
    section: Section,
    path: tuple,
    mc: MarkerCollector,
    role: str | None,
    message_index: int | None,
) -> list[Block]:
    if isinstance(content, str):
        return [
            Block(
                section,
                "text",
                [content] if content else [],
                path,
                role,
                message_index,
                raw=content,
            )
        ]
    if not isinstance(content, list):
        return []
    out = []
    for j, item in enumerate(content):
        ipath = path + (j,)
        if isinstance(item, str):  # tolerated by some gateways
            out.append(
                Block(section, "text", [item] if item else [], ipath, role, message_index, raw=item)
            )
            continue
        if not isinstance(item, dict):
            continue
        text, opaque = block_text(item)
        kind = t if isinstance(t := item.get("type"), str) else "unknown"
        b = Block(
            section,
            kind,
            [text] if text else [],
            ipath,
            role,
            message_index,
            opaque=opaque,
            raw=item,
        )
        mc.scan(item, ipath, "block", b)
        _nested_markers(item, ipath, b, mc)
        out.append(b)
    return out


def _nested_markers(item: dict, path: tuple, block: Block, mc: MarkerCollector) -> None:
    """Markers the API refuses or moves: inside tool_result/document children and citations."""
    nests: list[tuple[Placement, list, tuple]] = []
    if item.get("type") == "tool_result" and isinstance(item.get("content"), list):
        nests.append(("tool-result-child", item["content"], path + ("content",)))
    src = item.get("source")
    if (
        item.get("type") == "document"
        and isinstance(src, dict)
        and isinstance(src.get("content"), list)
    ):
        nests.append(("document-child", src["content"], path + ("source", "content")))
    for placement, children, cpath in nests:
        for k, child in enumerate(children):
            mc.scan(child, cpath + (k,), placement, block, is_last_child=k == len(children) - 1)
    cites = item.get("citations")
    if isinstance(cites, list):
        for k, c in enumerate(cites):
            mc.scan(c, path + ("citations", k), "citation", block)


def _tools(tools: Any, root: tuple, mc: MarkerCollector) -> list[Block]:
    if not isinstance(tools, list):
        return []
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            continue
        path = root + ("tools", i)
        b = Block("tools", "tool", [dumps(_without(tool, "cache_control"))], path, raw=tool)
        mc.scan(tool, path, "block", b)
        configs = tool.get("configs")
        if isinstance(configs, dict):
            for name, cfg in configs.items():
                mc.scan(cfg, path + ("configs", name), "toolset-config", b)
        elif isinstance(configs, list):
            for k, cfg in enumerate(configs):
                mc.scan(cfg, path + ("configs", k), "toolset-config", b)
        out.append(b)
    return out


def platform_of(req: dict) -> str:
    version = req.get("anthropic_version")
    if isinstance(version, str):
        if version.startswith("bedrock"):
            return "bedrock-legacy"
        if version.startswith("vertex"):
            return "vertex"
    return "anthropic"


def betas_of(req: dict, headers: dict | None) -> frozenset[str]:
    found: set[str] = set()
    for key in ("betas", "anthropic_beta"):
        v = req.get(key)
        if isinstance(v, list):
            found.update(x for x in v if isinstance(x, str))
        elif isinstance(v, str):
            found.update(x.strip() for x in v.split(","))
    for k, v in (headers or {}).items():
        if isinstance(k, str) and k.lower() == "anthropic-beta" and isinstance(v, str):
            found.update(x.strip() for x in v.split(","))
    return frozenset(found)


REQUEST_FIELDS = (
    "tool_choice",
    "thinking",
    "speed",
    "output_config",
    "output_format",
    "context_management",
    "disable_parallel_tool_use",
    "max_tokens",
    "stream",
)


def to_prompt(req: dict, root: tuple, headers: dict | None = None) -> Prompt:
    mc = MarkerCollector("cache_control")
    blocks = _tools(req.get("tools"), root, mc)
    system = req.get("system")
    if system is not None:
        blocks += _content_blocks(system, "system", root + ("system",), mc, None, None)
    messages = req.get("messages")
    if isinstance(messages, list):
        for i, msg in enumerate(messages):
            if not isinstance(msg, dict):
                continue
            mpath = root + ("messages", i)
            role = msg.get("role") if isinstance(msg.get("role"), str) else None
            mblocks = _content_blocks(
                msg.get("content"), "messages", mpath + ("content",), mc, role, i
            )
            mc.scan(msg, mpath, "message", mblocks[-1] if mblocks else None)
            blocks += mblocks
    mc.scan({k: v for k, v in req.items() if k != "cache_control"}, root, "automatic", None)
    automatic = None
    if req.get("cache_control") is not None:  # null: no automatic breakpoint
        automatic = Marker(
            "cache_control", req["cache_control"], "automatic", root + ("cache_control",)
        )
    model = req.get("model") if isinstance(req.get("model"), str) else None
    return Prompt(
        dialect="anthropic",
        raw=req,
        blocks=blocks,
        anchor=root,
        model=model,
        model_anchor=root + ("model",) if model else None,
        platform=platform_of(req),
        automatic=automatic,
        markers=mc.markers,
        misspelled=mc.misspelled,
        betas=betas_of(req, headers),
        fields={k: req[k] for k in REQUEST_FIELDS if k in req},
    )
