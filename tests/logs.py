"""Builders for request logs used by the session tests and the benchmark (our own fixtures)."""

from __future__ import annotations

import copy
from typing import Any

import orjson

POLICY = (
    "Our support policy covers orders, returns, refunds and shipping. Agents verify the "
    "customer's identity before discussing an order, never promise a delivery date the carrier "
    "has not confirmed, and offer a refund or a replacement when an item arrives damaged. "
)
LONG_SYSTEM = "You are the support agent of ACME. " + POLICY * 24  # well above 1,024 tokens
EPHEMERAL = {"type": "ephemeral"}


def text(t: str, marked: bool = False) -> dict:
    block: dict[str, Any] = {"type": "text", "text": t}
    if marked:
        block["cache_control"] = dict(EPHEMERAL)
    return block


def tool(name: str, props: tuple[str, ...] = ("query", "limit")) -> dict:
    return {
        "name": name,
        "description": f"The {name} tool of the support desk.",
        "input_schema": {
            "type": "object",
            "properties": {p: {"type": "string", "description": f"the {p}"} for p in props},
            "required": sorted(props)[:1],
        },
    }


class Chat:
    """One conversation built turn by turn: the breakpoint moves to the latest user message
    and the markers of earlier turns are removed, as well-behaved clients do."""

    def __init__(
        self,
        system: str = LONG_SYSTEM,
        model: str = "claude-sonnet-4-5",
        tools: list[dict] | None = None,
        user: str = "u1",
        **fields: Any,
    ) -> None:
        self.system = system
        self.model = model
        self.tools = tools
        self.user = user
        self.fields = fields
        self.history: list[dict] = []

    def request(self, question: str, **overrides: Any) -> dict:
        """The request that asks `question` after the history so far."""
        messages = copy.deepcopy(self.history)
        messages.append({"role": "user", "content": [text(question, marked=True)]})
        req: dict[str, Any] = {"model": self.model, "max_tokens": 1024}
        if self.tools is not None:
            req["tools"] = copy.deepcopy(self.tools)
        req["system"] = [text(overrides.pop("system", self.system), marked=True)]
        req["messages"] = messages
        req["metadata"] = {"user_id": self.user}
        req.update(self.fields)
        req.update(overrides)
        return req

    def answer(self, question: str, reply: str) -> None:
        """Record the turn: earlier user turns are resent as plain strings (marker gone)."""
        self.history.append({"role": "user", "content": question})
        self.history.append({"role": "assistant", "content": [text(reply)]})

    def turn(self, question: str, reply: str | None = None, **overrides: Any) -> dict:
        req = self.request(question, **overrides)
        self.answer(question, reply or f"Here is what I found about {question.lower()}")
        return req


def jsonl(*lines: Any) -> str:
    return "\n".join(orjson.dumps(x).decode() for x in lines) + "\n"


def with_usage(req: dict, read: int, write: int) -> dict:
    return {
        "request": req,
        "response": {
            "usage": {
                "input_tokens": 20,
                "cache_read_input_tokens": read,
                "cache_creation_input_tokens": write,
                "output_tokens": 50,
            }
        },
    }
