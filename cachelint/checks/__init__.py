"""Request rules: small functions over one prompt, registered by the codes they report."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cachelint.findings import Severity
from cachelint.fixes import PlannedFix
from cachelint.models import ModelTable
from cachelint.prompt import Prompt
from cachelint.tokens import Estimator

if TYPE_CHECKING:  # the network client is imported only with --count-tokens
    from cachelint.count_tokens import TokenCounter


@dataclass(slots=True)
class Issue:
    """A finding before its anchor is resolved to a span by the source."""

    code: str
    anchor: Any
    message: str
    help: str | None = None  # defaults to the rule page's fix
    notes: list[tuple[str, Any]] = field(default_factory=list)  # (message, anchor)
    severity: Severity | None = None  # defaults to the rule page's severity
    fix: PlannedFix | None = None  # resolved by the source into the finding's Fix
    run_time: bool = False  # about a value only known at run time, on purpose (Python source)


@dataclass
class Context:
    models: ModelTable
    estimator: Estimator
    default_model: str | None = None
    platform: str | None = None  # from config; overrides what the payload suggests
    counter: TokenCounter | None = None  # exact counts, only with --count-tokens
    conversation_key: str | None = None  # JSON pointer grouping log lines into conversations


RequestCheck = Callable[[Prompt, Context], Iterable[Issue]]
REQUEST_CHECKS: list[tuple[frozenset[str], RequestCheck]] = []


def _registrar(registry: list) -> Callable[..., Callable]:
    """A decorator factory that records (codes, function) in `registry`."""

    def by_codes(*codes: str) -> Callable:
        def register(fn: Callable) -> Callable:
            registry.append((frozenset(codes), fn))
            return fn

        return register

    return by_codes


request_check = _registrar(REQUEST_CHECKS)


# Session rules: over one step of a conversation (`cachelint.session.turn.Turn`), returning
# `Cause`s; the session analyzer reports the earliest cause of each step.
SessionCheck = Callable[[Any, Context], Iterable[Any]]
SESSION_CHECKS: list[tuple[frozenset[str], SessionCheck]] = []


session_check = _registrar(SESSION_CHECKS)


def load_all() -> None:
    """Import the rule modules so they register themselves."""
    from cachelint.checks import (  # noqa: F401
        breakpoints,
        conversation,
        markers,
        order,
        prefix_length,
        repeated_markers,
        request_data,
        volatile,
    )


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
