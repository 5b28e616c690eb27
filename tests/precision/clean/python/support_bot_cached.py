"""Support bot: a long, stable system prompt cached once; the time goes in the user turn."""

from datetime import datetime, timezone

import anthropic

client = anthropic.Anthropic()
POLICY = open("policy/support.md", encoding="utf-8").read()
TOOLS = [
    {
        "name": "get_order",
        "description": "Look up an order. Dates are ISO 8601, e.g. 2026-05-01T14:30:00Z.",
        "input_schema": {
            "type": "object",
            "properties": {"order_number": {"type": "string"}},
            "required": ["order_number"],
        },
    },
    {
        "name": "open_investigation",
        "description": "Open a carrier investigation for a lost parcel.",
        "input_schema": {
            "type": "object",
            "properties": {"tracking": {"type": "string"}},
            "required": ["tracking"],
        },
        "cache_control": {"type": "ephemeral"},
    },
]


def reply(question: str) -> str:
    now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    response = client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=TOOLS,
        system=[{"type": "text", "text": POLICY, "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": f"Current time: {now}.\n\n{question}"}],
    )
    return "".join(b.text for b in response.content if b.type == "text")
