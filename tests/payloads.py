"""Builders for realistic request payloads used across the tests."""

from __future__ import annotations

import copy
import json
import textwrap

POLICY = (
    "Our support policy covers orders, returns, refunds and shipping. Agents must verify the "
    "customer's identity before discussing an order, must never promise a delivery date that the "
    "carrier has not confirmed, and must offer a refund or a replacement when an item arrives "
    "damaged. Returns are accepted within thirty days of delivery when the item is unused and in "
    "its original packaging; opened software, gift cards and personalised items cannot be "
    "returned. Refunds go back to the original payment method within five business days. "
) * 12  # about 1,700 tokens

EPHEMERAL = {"type": "ephemeral"}


def tools(n: int = 3, marker: dict | None = None) -> list[dict]:
    out = [
        {
            "name": f"tool_{i}",
            "description": f"Tool number {i}: looks things up in the order system.",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
        for i in range(n)
    ]
    if marker:
        out[-1]["cache_control"] = marker
    return out


def conversation(turns: int, *, mark_last: bool = True) -> list[dict]:
    msgs: list[dict] = []
    for i in range(turns):
        msgs.append({"role": "user", "content": f"Question {i} about order {1000 + i}?"})
        msgs.append({"role": "assistant", "content": f"Answer {i}: it shipped."})
    msgs.append({"role": "user", "content": [{"type": "text", "text": "And now?"}]})
    if mark_last:
        msgs[-1]["content"][0]["cache_control"] = dict(EPHEMERAL)
    return msgs


FILLER = "Policy clause. " * 35_000  # about 500 KB
STAMP = "2026-11-22T10:42:07Z"


def long_line() -> str:
    """A request of about 1 MB on one JSON line, with a timestamp (CL301) in the middle."""
    text = f"{FILLER}Now: {STAMP}. {FILLER}"
    system = [{"type": "text", "text": text, "cache_control": {"type": "ephemeral"}}]
    return json.dumps(anthropic_request(system=system))


def anthropic_request(**over) -> dict:
    req = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 1024,
        "tools": tools(),
        "system": [
            {"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral", "ttl": "1h"}}
        ],
        "messages": conversation(20),
    }
    req.update(over)
    return copy.deepcopy(req)


# Python source: a timestamp built in a helper lands before the breakpoint (CL301 at 8:13).
HELPER_TIMESTAMP_SOURCE = """
from datetime import datetime
import anthropic

client = anthropic.Anthropic()

def build_system():
    stamp = datetime.now().strftime("%H:%M")
    return [
        {"type": "text", "text": f"Time: {stamp}"},
        {"type": "text", "text": "Rules", "cache_control": {"type": "ephemeral"}},
    ]

def ask(q):
    return client.messages.create(
        model="claude-sonnet-4-5", max_tokens=10, system=build_system(),
        messages=[{"role": "user", "content": q}],
    )
"""


# A project helper module that puts the time in the system prompt, and an app that uses it.
PROMPTS_HELPER = textwrap.dedent(
    """
    from datetime import datetime

    def system_blocks():
        return [
            {"type": "text", "text": f"Now: {datetime.now()}"},
            {"type": "text", "text": "Rules", "cache_control": {"type": "ephemeral"}},
        ]
    """
)
APP_USING_HELPER = textwrap.dedent(
    """
    import anthropic
    from prompts import system_blocks

    client = anthropic.Anthropic()

    def ask(q):
        return client.messages.create(
            model="claude-sonnet-4-5", max_tokens=10, system=system_blocks(),
            messages=[{"role": "user", "content": q}],
        )
    """
)
