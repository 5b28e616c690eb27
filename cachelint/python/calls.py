"""Which calls send a request, and in which dialect.

A call is recognised by the tail of its attribute chain (`client.beta.messages.create`) or by the
canonical name of a module function (`litellm.completion`); the receiver's client type, when it is
known, gives the platform.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from cachelint.python.values import Loc

_WRAPPERS = frozenset({"with_raw_response", "with_streaming_response"})
MESSAGE_METHODS = frozenset({"create", "stream", "count_tokens", "parse"})
CHAT_METHODS = frozenset({"create", "parse", "stream"})
LITELLM_FUNCTIONS = frozenset(
    {"litellm.completion", "litellm.acompletion", "litellm.anthropic_messages"}
)
HTTP_POST = frozenset({"requests.post", "httpx.post", "requests.request", "httpx.request"})
REQUEST_PATHS = ("/v1/messages", "/messages", "/chat/completions", "/converse")

# constructor -> (client kind, platform)
CLIENTS: dict[str, tuple[str, str | None]] = {
    "anthropic.Anthropic": ("anthropic", "anthropic"),
    "anthropic.AsyncAnthropic": ("anthropic", "anthropic"),
    "anthropic.Client": ("anthropic", "anthropic"),
    "anthropic.AsyncClient": ("anthropic", "anthropic"),
    "anthropic.AnthropicBedrock": ("anthropic", "bedrock"),
    "anthropic.AsyncAnthropicBedrock": ("anthropic", "bedrock"),
    "anthropic.AnthropicVertex": ("anthropic", "vertex"),
    "anthropic.AsyncAnthropicVertex": ("anthropic", "vertex"),
    "anthropic.AnthropicFoundry": ("anthropic", "foundry"),
    "anthropic.AsyncAnthropicFoundry": ("anthropic", "foundry"),
    "openai.OpenAI": ("openai", "gateway"),
    "openai.AsyncOpenAI": ("openai", "gateway"),
    "openai.AzureOpenAI": ("openai", "gateway"),
    "openai.AsyncAzureOpenAI": ("openai", "gateway"),
    "boto3.client": ("boto3", "bedrock"),
    "boto3.session.Session.client": ("boto3", "bedrock"),
    "aioboto3.Session.client": ("boto3", "bedrock"),
    "httpx.Client": ("http", None),
    "httpx.AsyncClient": ("http", None),
    "requests.Session": ("http", None),
    "requests.session": ("http", None),
    "aiohttp.ClientSession": ("http", None),
}


@dataclass(frozen=True, slots=True)
class Api:
    kind: str  # messages | batches | chat | litellm | converse | invoke | http
    platform: str | None = None


def chain(func: ast.expr) -> list[str]:
    """Attribute names from the innermost expression outwards: a.b.c() -> ['a', 'b', 'c']."""
    parts: list[str] = []
    node = func
    while type(node) is ast.Attribute:
        parts.append(node.attr)
        node = node.value
    if type(node) is ast.Name:
        parts.append(node.id)
    else:
        parts.append("")
    return parts[::-1]


def classify(parts: list[str], canonical: str | None) -> Api | None:
    """The API a call goes to, from its attribute chain and canonical dotted name."""
    parts = [p for p in parts if p not in _WRAPPERS]
    if canonical in LITELLM_FUNCTIONS:
        return Api("litellm", "litellm")
    if canonical in HTTP_POST:
        return Api("http")
    if len(parts) < 2:
        return None
    last = parts[-1]
    if "threads" in parts or "realtime" in parts:  # OpenAI Assistants / realtime
        return None
    if len(parts) >= 3 and parts[-3:] == ["messages", "batches", "create"]:
        return Api("batches")
    if parts[-2] == "messages" and last in MESSAGE_METHODS:
        return Api("messages")
    if len(parts) >= 3 and parts[-3:-1] == ["chat", "completions"] and last in CHAT_METHODS:
        return Api("chat", "gateway")
    if last in ("converse", "converse_stream"):
        return Api("converse", "bedrock")
    if last in ("invoke_model", "invoke_model_with_response_stream"):
        return Api("invoke", "bedrock")
    if last == "post":
        return Api("http")
    if len(parts) >= 2 and parts[-2] == "litellm" and last in ("completion", "acompletion"):
        return Api("litellm", "litellm")
    return None


@dataclass(eq=False)
class RequestSite:
    """One evaluated request: the call, its API, and the request dict as far as it is known."""

    api: Api
    call: Loc
    request: Any  # LDict of keyword arguments (or the body for invoke/http)
    headers: Any = None
    url: Any = None
    when: str = ""  # the condition under which the client goes to this platform
    grown: list = field(default_factory=list)  # growth.Growth on the way here, in this run
