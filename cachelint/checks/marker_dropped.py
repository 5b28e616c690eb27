"""CL106 marker-dropped: a marker the platform the request goes to ignores or rejects."""

from __future__ import annotations

from collections.abc import Iterator

from cachelint.checks.invalid_cache_control import OTHER_DIALECT_KEY
from cachelint.findings import Severity
from cachelint.platforms import platform_of
from cachelint.prompt import Prompt
from cachelint.rule_api import Context, Issue, request_check

_MESSAGE_LEVEL_OK = frozenset({"litellm", "portkey"})  # gateways that move it onto the content


@request_check("CL106", marker_values=True)
def dropped(prompt: Prompt, ctx: Context) -> Iterator[Issue]:
    platform = platform_of(prompt, ctx)
    wrong_key = OTHER_DIALECT_KEY[prompt.dialect]
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
        first = prompt.markers[0] if prompt.markers else prompt.automatic
        assert first is not None
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
