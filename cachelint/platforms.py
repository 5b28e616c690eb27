"""The platform a request goes to (Anthropic, Bedrock, Vertex, a gateway), as rules need it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cachelint.prompt import Prompt
    from cachelint.rule_api import Context

_BEDROCK_ID = (
    "anthropic.",
    "global.anthropic.",
    "us.anthropic.",
    "eu.anthropic.",
    "apac.anthropic.",
    "jp.anthropic.",
    "au.anthropic.",
    "arn:aws:bedrock",
)


def platform_of(prompt: Prompt, ctx: Context, model: str | None = None) -> str | None:
    """The platform the request goes to: config first, then the payload shape and model id
    (`model`: one of the models the code can pick, instead of the prompt's)."""
    if ctx.platform:
        return ctx.platform
    model = (model or prompt.model or ctx.default_model or "").lower()
    if prompt.platform == "anthropic":
        if model.startswith(_BEDROCK_ID):
            return "bedrock"
        if "@" in model:
            return "vertex"
    if prompt.platform in ("gateway", "litellm") and model.startswith(("bedrock/", "vertex_ai/")):
        return "bedrock" if model.startswith("bedrock/") else "vertex"  # LiteLLM's prefixes
    return prompt.platform
