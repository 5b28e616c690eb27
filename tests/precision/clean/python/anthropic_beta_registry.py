"""The anthropic-beta values this service knows about.

Prompt caching used to need the prompt-caching-2024-07-31 beta; it is generally available now,
so that value is listed only to be stripped from old configuration files.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

REMOVED_BETAS = frozenset({"prompt-caching-2024-07-31", "max-tokens-3-5-sonnet-2024-07-15"})
KNOWN_BETAS = {
    "prompt-caching-2024-07-31": "removed: caching is generally available",
    "token-efficient-tools-2025-02-19": "active",
    "interleaved-thinking-2025-05-14": "active",
}
DEFAULT_BETAS: tuple[str, ...] = ("interleaved-thinking-2025-05-14",)


def clean_betas(configured: list[str]) -> list[str]:
    """The configured betas without the removed ones, in their order."""
    kept = []
    for beta in configured:
        if beta in REMOVED_BETAS:
            log.warning("ignoring removed beta %s", beta)
            continue
        if KNOWN_BETAS.get(beta, "active").startswith("removed"):
            continue
        kept.append(beta)
    return kept


def describe(beta: str) -> str:
    if beta == "prompt-caching-2024-07-31":
        return "prompt-caching-2024-07-31 is no longer needed: remove it"
    return KNOWN_BETAS.get(beta, "unknown beta")
