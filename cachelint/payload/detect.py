"""Tell which request dialect a JSON object is, by shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cachelint.payload import anthropic, chat, converse
from cachelint.prompt import Prompt

WRAPPER_KEYS = ("request", "params", "body")  # logs, Message Batches, OpenAI batch lines
_CONVERSE_ITEM_KEYS = frozenset(
    {
        "text",
        "cachePoint",
        "toolUse",
        "toolResult",
        "image",
        "document",
        "reasoningContent",
        "guardContent",
        "video",
    }
)
_REQUEST_HINTS = ("model", "max_tokens", "anthropic_version", "modelId", "toolConfig")
_CHAT_ROLES = frozenset({"system", "developer", "tool", "function"})


def unwrap(obj: Any) -> tuple[dict, tuple, dict | None] | None:
    """(request, path to it, headers) when obj is a request or wraps one; None otherwise."""
    if not isinstance(obj, dict):
        return None
    if is_request(obj):
        return obj, (), None
    for key in WRAPPER_KEYS:
        inner = obj.get(key)
        if isinstance(inner, dict) and is_request(inner):
            headers = obj.get("headers") if isinstance(obj.get("headers"), dict) else None
            return inner, (key,), headers
    return None


def is_request(obj: dict) -> bool:
    if isinstance(obj.get("messages"), list):
        return True
    return "system" in obj and any(k in obj for k in _REQUEST_HINTS)


def _is_converse(req: dict) -> bool:
    if "toolConfig" in req or "modelId" in req or "inferenceConfig" in req:
        return True
    for source in (req.get("system"), *_message_contents(req)):
        if isinstance(source, list):
            for item in source:
                if (
                    isinstance(item, dict)
                    and "type" not in item
                    and _CONVERSE_ITEM_KEYS & item.keys()
                ):
                    return True
    return False


def _message_contents(req: dict) -> list:
    msgs = req.get("messages")
    if not isinstance(msgs, list):
        return []
    return [m.get("content") for m in msgs if isinstance(m, dict)]


def _is_chat(req: dict) -> bool:
    msgs = req.get("messages")
    if isinstance(msgs, list):
        for m in msgs:
            if not isinstance(m, dict):
                continue
            role = m.get("role")
            if (isinstance(role, str) and role in _CHAT_ROLES) or "tool_calls" in m:
                return True
            content = m.get("content")
            if isinstance(content, list):
                for part in content:
                    if isinstance(part, dict) and part.get("type") in (
                        "image_url",
                        "input_audio",
                        "file",
                    ):
                        return True
    tools = req.get("tools")
    if isinstance(tools, list):
        for t in tools:
            if isinstance(t, dict) and t.get("type") == "function" and "function" in t:
                return True
    return any(
        k in req
        for k in ("max_completion_tokens", "response_format", "n", "reasoning_effort", "logit_bias")
    )


def dialect_of(req: dict) -> str:
    if _is_converse(req):
        return "converse"
    if "system" not in req and _is_chat(req):
        return "chat"
    return "anthropic"


ADAPTERS: dict[str, Callable[[dict, tuple, dict | None], Prompt]] = {
    "anthropic": anthropic.to_prompt,
    "chat": chat.to_prompt,
    "converse": converse.to_prompt,
}


def to_prompt(req: dict, root: tuple, headers: dict | None = None) -> Prompt:
    return ADAPTERS[dialect_of(req)](req, root, headers)
