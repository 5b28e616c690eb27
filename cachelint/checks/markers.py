"""CL103 invalid-cache-control, CL104 uncacheable-block, CL106 marker-dropped."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

import orjson

from cachelint.checks import Context, Issue, platform_of, request_check
from cachelint.findings import Severity
from cachelint.fixes import AnchoredEdit, PlannedFix
from cachelint.prompt import Marker, Prompt

VALID_TTLS = ("5m", "1h")  # A, API reference; AWS for cachePoint
SCOPE_BETA = "prompt-caching-scope-2026-01-05"  # caching-facts.md §1.2: `scope` is beta-only
_TYPE = {"cache_control": "ephemeral", "cachePoint": "default"}
_FIELDS = {"cache_control": {"type", "ttl", "scope"}, "cachePoint": {"type", "ttl"}}
_OTHER_DIALECT_KEY = {"converse": "cache_control", "anthropic": "cachePoint", "chat": "cachePoint"}


def _every_marker(prompt: Prompt) -> Iterator[Marker]:
    yield from prompt.markers
    if prompt.automatic is not None:
        yield prompt.automatic


@request_check("CL103")
def invalid_values(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    for m in _every_marker(prompt):
        yield from _check_value(m, prompt)
    wrong_key = _OTHER_DIALECT_KEY[prompt.dialect]
    for m in prompt.misspelled:
        if m.key == wrong_key:
            continue  # CL106: right key for another API
        right = "cachePoint" if prompt.dialect == "converse" else "cache_control"
        yield Issue(
            "CL103",
            m.anchor,
            f"'{m.key}' is not a cache marker key: the API rejects it as an extra input or a "
            f"gateway drops it, and nothing is cached here",
            help=f"Spell it '{right}'.",
            fix=_rename(m.anchor, right),
        )


def _check_value(m: Marker, prompt: Prompt) -> Iterator[Issue]:
    want_type = _TYPE.get(m.key, "ephemeral")
    example = '{"type": "default"}' if m.key == "cachePoint" else '{"type": "ephemeral"}'
    v = m.value
    if not isinstance(v, dict):
        yield Issue(
            "CL103",
            m.anchor,
            f"{m.key} must be an object such as {example}, not {_json_type(v)}",
            help=f'Write {m.key}: {example} (optionally with "ttl": "1h").',
        )
        return
    if "type" not in v:
        yield Issue(
            "CL103",
            m.anchor,
            f"{m.key} has no 'type': it must be '{want_type}'",
            help=f"Write {m.key}: {example}.",
        )
    elif v["type"] != want_type:
        yield Issue(
            "CL103",
            m.anchor + ("type",),
            f"{m.key} type {_show(v['type'])} is invalid: the only type is '{want_type}'",
            help=f'Use "type": "{want_type}".',
            fix=_respell(m.anchor + ("type",), _close(v["type"], [want_type])),
        )
    if "ttl" in v and v["ttl"] not in VALID_TTLS:
        yield Issue(
            "CL103",
            m.anchor + ("ttl",),
            f"{m.key} ttl {_show(v['ttl'])} is invalid: the API accepts only '5m' and '1h'",
            help='Use "ttl": "5m" (the default) or "ttl": "1h".',
            fix=_respell(m.anchor + ("ttl",), ttl_candidate(v["ttl"])),
        )
    for key in v:
        if key in _FIELDS.get(m.key, ()):
            if key == "scope" and SCOPE_BETA not in prompt.betas:
                yield Issue(
                    "CL103",
                    m.anchor + ("scope",),
                    f"cache_control 'scope' is only accepted with the {SCOPE_BETA} beta; "
                    f"without it the API returns 400",
                    help=f"Remove 'scope', or send the anthropic-beta header {SCOPE_BETA}.",
                )
            continue
        yield Issue(
            "CL103",
            m.anchor + (key,),
            f"unknown {m.key} field '{key}': the API rejects extra inputs",
            help="Keep only 'type' and 'ttl'.",
            fix=_rename(m.anchor + (key,), _close(key, sorted(_FIELDS.get(m.key, set()) - set(v)))),
        )


_DURATION = re.compile(r"(\d+)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?)")
_SECONDS = {"s": 1, "m": 60, "h": 3600}


def ttl_candidate(v) -> str | None:
    """The one valid TTL an invalid one stands for ("5min", "60m", "3600s" -> "5m", "1h")."""
    if not isinstance(v, str):
        return None
    m = _DURATION.fullmatch(v.strip().lower())
    if m is None:
        return None
    seconds = int(m[1]) * _SECONDS[m[2][0]]
    return {300: "5m", 3600: "1h"}.get(seconds)


def _close(word, choices: list[str]) -> str | None:
    """The only choice `word` is a misspelling of, if there is exactly one."""
    if not isinstance(word, str):
        return None
    found = difflib.get_close_matches(word.lower(), choices, n=2, cutoff=0.6)
    return found[0] if len(found) == 1 else None


def _rename(anchor, key: str | None) -> PlannedFix | None:
    if key is None or not isinstance(anchor, tuple):
        return None
    return PlannedFix(f"Rename to '{key}'", [AnchoredEdit(anchor, "key", _json(key))])


def _respell(anchor, value: str | None) -> PlannedFix | None:
    if value is None or not isinstance(anchor, tuple):
        return None
    return PlannedFix(f"Replace with '{value}'", [AnchoredEdit(anchor, "value", _json(value))])


def _json(s: str) -> str:
    return orjson.dumps(s).decode()


def _json_type(v) -> str:
    return {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
        type(None): "null",
    }.get(type(v), "a value")


def _show(v) -> str:
    return f"'{v}'" if isinstance(v, str) else repr(v)


@request_check("CL104")
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


_MESSAGE_LEVEL_OK = frozenset({"litellm", "portkey"})  # gateways that move it onto the content


@request_check("CL106")
def dropped(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    platform = platform_of(prompt, ctx)
    wrong_key = _OTHER_DIALECT_KEY[prompt.dialect]
    for m in prompt.misspelled:
        if m.key != wrong_key:
            continue
        if prompt.dialect == "converse":
            msg = (
                "cache_control in a Bedrock Converse request: Converse only understands "
                "cachePoint blocks, so this marker is rejected or ignored"
            )
            fix = 'Append {"cachePoint": {"type": "default"}} after the content to cache.'
        else:
            msg = (
                "cachePoint is Bedrock Converse syntax: this request is not a Converse "
                "request, so the marker is rejected or ignored"
            )
            fix = 'Use "cache_control": {"type": "ephemeral"} on the block.'
        yield Issue("CL106", m.anchor, msg, help=fix, severity=Severity.ERROR)
    if prompt.automatic is not None and platform == "bedrock-legacy":
        when = f"when {prompt.platform_when} is true, " if prompt.platform_when else ""
        yield Issue(
            "CL106",
            prompt.automatic.anchor,
            f"{when}top-level cache_control (automatic caching) is not supported by the legacy "
            "Bedrock InvokeModel integration (Opus 4.6 and earlier): the request gets a 400",
            help="Put cache_control on the last stable block instead.",
            severity=Severity.ERROR,
        )
    if prompt.dialect == "chat":
        yield from _gateway(prompt, ctx, platform)
    yield from _ttl_support(prompt, ctx, platform)


def _gateway(prompt: Prompt, ctx: Context, platform: str | None) -> Iterator[Issue]:
    model = prompt.model or ctx.default_model
    provider = ctx.models.automatic_provider(model) if model else None
    if provider is not None and (prompt.markers or prompt.automatic):
        first = (prompt.markers or [prompt.automatic])[0]
        yield Issue(
            "CL106",
            first.anchor,
            f"cache_control has no effect on {model}: {provider.provider} uses "
            f"{provider.mechanism}",
            help="Remove the markers, or keep the stable prefix first and unchanged.",
            severity=Severity.WARNING,
        )
        return
    if platform in _MESSAGE_LEVEL_OK or prompt.platform in _MESSAGE_LEVEL_OK:
        return  # the gateway moves them, whatever platform it forwards to
    for m in prompt.markers:
        if (
            m.placement == "message"
            and m.block is not None
            and m.block.kind == "text"
            and isinstance(m.block.raw, str)
        ):
            yield Issue(
                "CL106",
                m.anchor,
                "cache_control on a message whose content is a string: only gateways "
                "that rewrite it (LiteLLM, Portkey) keep it; others drop it silently",
                help='Make content a list: [{"type": "text", "text": ..., '
                '"cache_control": {"type": "ephemeral"}}].',
                severity=Severity.WARNING,
            )


def _ttl_support(prompt: Prompt, ctx: Context, platform: str | None) -> Iterator[Issue]:
    model = prompt.model or ctx.default_model
    # a model picked at run time (Python source: `"bedrock/..." if on_aws else "anthropic/..."`)
    # is checked for each choice, and reported for the branch that sends it
    options = getattr(model, "options", ()) or (model,)
    for i, option in enumerate(options):
        where = platform_of(prompt, ctx, option) if len(options) > 1 else platform
        limits = ctx.models.lookup(option) if option else None
        if limits is None or limits.supports_1h(where):
            continue
        cond = getattr(model, "when", "")
        branch = f"when {cond} is {'true' if i == 0 else 'false'}, " if len(options) > 1 else ""
        for m in prompt.breakpoints():
            if m.ttl == "1h":
                yield Issue(
                    "CL106",
                    m.anchor + ("ttl",),
                    f"{branch}ttl='1h' is not offered for {option} on {where}: only the "
                    f"5-minute TTL is available",
                    help="Use the default 5-minute TTL, or a model that offers 1h.",
                    severity=Severity.ERROR,
                )
