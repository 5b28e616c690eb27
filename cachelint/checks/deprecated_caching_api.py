"""CL501 deprecated-caching-api: the prompt-caching beta header, types and namespace (Python
source). `cachelint.python.scan` finds the uses; this module says what is wrong with them."""

from __future__ import annotations

from typing import Any

from cachelint.rule_api import Issue, source_rule

OLD_BETA = "prompt-caching-2024-07-31"


@source_rule("CL501")
def deprecated_api(anchor: Any, what: str) -> Issue:
    """The issue of a deprecated use at `anchor`: `what` is the beta header value, a
    `PromptCachingBeta...` type or the `client.beta.prompt_caching` namespace."""
    if what.startswith("the prompt-caching"):
        msg = (
            f"the anthropic-beta header value {OLD_BETA} is obsolete: prompt caching is generally "
            f"available and needs no beta header"
        )
        fix = f"Remove {OLD_BETA} from the betas / anthropic-beta header."
    elif what.startswith("PromptCachingBeta"):
        msg = (
            f"{what} belongs to the removed prompt-caching beta types: use the regular "
            f"message types, which accept cache_control"
        )
        fix = "Import the non-beta type (e.g. TextBlockParam, MessageParam) instead."
    else:
        msg = (
            "client.beta.prompt_caching is the old beta namespace for prompt caching: it is "
            "gone from current SDKs; prompt caching works on client.messages"
        )
        fix = "Call client.messages.create(...) with the same cache_control markers."
    return Issue("CL501", anchor, msg, help=fix)
