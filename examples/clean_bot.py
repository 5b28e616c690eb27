"""The same bot, cache-friendly: stable tool order, the time after the last breakpoint."""

import datetime

import anthropic

client = anthropic.Anthropic()
TOOL_NAMES = {"lookup_order", "refund_order", "track_parcel"}


def tools() -> list[dict]:
    return [
        {"name": name, "description": f"{name} by order number", "input_schema": {"type": "object"}}
        for name in sorted(TOOL_NAMES)
    ]


def answer(history: list[dict], question: str):
    system = [
        {"type": "text", "text": open("policy.md").read(), "cache_control": {"type": "ephemeral"}},
    ]
    turn = {
        "role": "user",
        "content": [{"type": "text", "text": f"(sent {datetime.date.today()}) {question}"}],
    }
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=tools(),
        system=system,
        messages=[*history, turn],
    )
