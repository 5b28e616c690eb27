"""CL104 uncacheable-block: a marker where the API does not accept one."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue, request_check


@request_check("CL104", lone_block=True)
def uncacheable(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    for m in prompt.markers:
        if not m.valid_key:
            continue
        b = m.block
        p = m.placement
        if p in ("block", "cache-point") and b is not None:
            if b.kind in ("thinking", "redacted_thinking"):
                yield Issue(
                    "CL104",
                    m.anchor,
                    f"cache_control on a {b.kind} block: the API rejects it ('Extra inputs "
                    f"are not permitted'); thinking blocks are cached as part of the "
                    f"prefix without a marker",
                    help="Move the marker to the last non-thinking block of the turn.",
                )
            elif b.kind == "reasoning" and p == "cache-point":
                yield Issue(
                    "CL104",
                    m.anchor,
                    "cachePoint right after a reasoningContent block: Bedrock rejects it "
                    "('Cache point cannot be inserted after reasoning block')",
                    help="Put the cachePoint after a text or toolResult block instead.",
                )
            elif b.section == "tools" and _deferred(b.raw):
                can = "that can have" if not prompt.rendered else "with"
                yield Issue(
                    "CL104",
                    m.anchor,
                    f"cache_control on a tool {can} defer_loading: true: the API rejects the "
                    f"request ('Tool ... cannot have both defer_loading=true and cache_control "
                    f"set. Tools with defer_loading cannot use prompt caching')",
                    help="Mark the last tool that is not deferred: deferred tools are left out "
                    "of the cached prefix anyway.",
                )
            elif b.kind == "text" and not b.content and p == "block":
                yield Issue(
                    "CL104",
                    m.anchor,
                    "cache_control on an empty text block: the API rejects it "
                    "('cache_control cannot be set for empty text blocks')",
                    help="Drop the empty block and mark the previous one.",
                )
        elif p == "cache-point" and b is None:
            yield Issue(
                "CL104",
                m.anchor,
                "cachePoint with no content before it in its list: it marks nothing",
                help="Place the cachePoint after the content it should cache.",
            )
        elif p in ("tool-result-child", "document-child") and not m.is_last_child:
            parent = "tool_result" if p == "tool-result-child" else "document.source"
            yield Issue(
                "CL104",
                m.anchor,
                f"cache_control inside {parent}.content: the API rejects markers on any "
                f"but the last child ('cache_control may not be specified within "
                f"`{parent}.content`')",
                help=f"Put cache_control directly on the {parent.split('.')[0]} block.",
            )
        elif p == "citation":
            yield Issue(
                "CL104",
                m.anchor,
                "cache_control on a citation: sub-content blocks cannot be cached directly",
                help="Mark the top-level block that carries the citations.",
            )
        elif p == "toolset-config":
            yield Issue(
                "CL104",
                m.anchor,
                "cache_control inside a toolset's configs: it is only accepted on the "
                "toolset entry itself",
                help="Move cache_control to the mcp_toolset / toolset object.",
            )
        elif p == "message" and prompt.dialect != "chat":
            yield Issue(
                "CL104",
                m.anchor,
                "cache_control on the message object: markers go on content blocks; the "
                "API rejects it as an extra input",
                help="Make content a list of blocks and put cache_control on the last one.",
            )


def _deferred(tool) -> bool:
    """A tool with defer_loading (in Python source: not marked only where it is false)."""
    if not isinstance(tool, dict) or not tool.get("defer_loading"):
        return False
    return "defer_loading" not in getattr(tool, "marked_unless", ())
