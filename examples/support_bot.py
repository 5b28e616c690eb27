"""A support bot whose cache never hits: every request carries a new timestamp and a tool order
that changes from one process to the next."""

import datetime

import anthropic

client = anthropic.Anthropic()
TOOL_NAMES = {"lookup_order", "refund_order", "track_parcel"}


def tools() -> list[dict]:
    return [
        {"name": name, "description": f"{name} by order number", "input_schema": {"type": "object"}}
        for name in TOOL_NAMES
    ]


def answer(question: str):
    system = [
        {"type": "text", "text": f"You are the Acme support agent. Now: {datetime.datetime.now()}"},
        {"type": "text", "text": open("policy.md").read(), "cache_control": {"type": "ephemeral"}},
    ]
    return client.messages.create(
        model="claude-sonnet-4-5",
        max_tokens=1024,
        tools=tools(),
        system=system,
        messages=[{"role": "user", "content": question}],
    )
